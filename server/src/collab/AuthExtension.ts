import { isTransactionOrigin, type Extension, type onAuthenticatePayload, type beforeHandleAwarenessPayload } from "@hocuspocus/server";
import { isDmRole, parseDocName, type DocName, type Role } from "@hexcrawl/shared/docNames";
import { AWARENESS_USER_FIELD, sanitizeAwarenessLocal, userColour } from "@hexcrawl/shared/protocol";
import type { AppContext, SessionUser } from "../context.ts";
import { sessionUser } from "../auth.ts";
import * as repos from "../db/repos.ts";

/** What onAuthenticate puts in the Hocuspocus connection context. */
export interface CollabContext {
  user: SessionUser;
  role: Role;
  doc: DocName;
  /** True when a DM opened a player document ("preview as player"). */
  preview: boolean;
}

/** Reasons sent with permission-denied; the client shows them. Never says whether a campaign exists. */
export const AuthFailure = {
  UNAUTHENTICATED: "unauthenticated",
  FORBIDDEN: "forbidden",
  UNAVAILABLE: "unavailable",
} as const;

/** The bridge's per-socket key, put in the default connection context by WsBridge. */
function socketKeyOf(context: unknown): string {
  if (context !== null && typeof context === "object" && "socketKey" in context && typeof context.socketKey === "string") {
    return context.socketKey;
  }
  return "";
}

class AuthError extends Error {
  readonly reason: string;
  /** The signed-in user who was refused, when known (their failures count against them, not their address: W7). */
  readonly userId: string | null;

  constructor(reason: string, userId: string | null = null) {
    super(reason);
    this.reason = reason;
    this.userId = userId;
  }
}

/** Decide access for one document. Pure: exported for unit tests. */
export function accessFor(doc: DocName, userId: string, role: Role | null): { readOnly: boolean; preview: boolean } | null {
  if (role === null) return null;
  switch (doc.kind) {
    case "dm":
      return isDmRole(role) ? { readOnly: false, preview: false } : null;
    case "player":
      if (doc.userId === userId && role === "player") return { readOnly: true, preview: false };
      return isDmRole(role) ? { readOnly: true, preview: true } : null;
    case "party":
      return { readOnly: true, preview: isDmRole(role) };
    // The players' own layer (NOTES3): private notes to their owner alone (DMs included), the table to every member.
    case "notes":
      return doc.userId === userId ? { readOnly: false, preview: false } : null;
    case "table":
      return { readOnly: false, preview: false };
  }
}

export interface AuthHooks {
  /** Called for every refused authentication (per-socket limit; per session when a user is known, else per address). */
  onAuthFailure(socketId: string, userId: string | null): void;
  /** Called when a socket authenticated a document (to close it on sign-out). */
  onAuthSuccess(socketId: string, sessionId: string): void;
}

/**
 * Cookie authentication for every document (SPEC.md AUTH1–AUTH7): the session cookie from the
 * upgrade request names the user; the document name and the user's role decide read-write, read-only
 * or refused. Unknown names are refused here, never in onLoadDocument.
 */
export class AuthExtension implements Extension {
  readonly extensionName = "hexcrawl-auth";
  readonly priority = 1000;

  private readonly ctx: () => AppContext;
  private readonly hooks: AuthHooks;

  constructor(ctx: () => AppContext, hooks: AuthHooks) {
    this.ctx = ctx;
    this.hooks = hooks;
  }

  async onAuthenticate(data: onAuthenticatePayload): Promise<CollabContext> {
    try {
      return await this.authenticate(data);
    } catch (err) {
      this.hooks.onAuthFailure(socketKeyOf(data.context), err instanceof AuthError ? err.userId : null);
      if (err instanceof AuthError) throw err;
      console.error("[auth] onAuthenticate failed", err);
      throw new AuthError(AuthFailure.UNAVAILABLE);
    }
  }

  private async authenticate(data: onAuthenticatePayload): Promise<CollabContext> {
    const doc = parseDocName(data.documentName);
    if (!doc) throw new AuthError(AuthFailure.FORBIDDEN);
    const ctx = this.ctx();
    const user = await sessionUser(ctx.auth, data.requestHeaders);
    if (!user) throw new AuthError(AuthFailure.UNAUTHENTICATED);
    const role = await repos.getMembership(ctx.db.pool, doc.campaignId, user.id);
    const access = accessFor(doc, user.id, role);
    if (!access || !role) throw new AuthError(AuthFailure.FORBIDDEN, user.id);
    data.connectionConfig.readOnly = access.readOnly;
    this.hooks.onAuthSuccess(socketKeyOf(data.context), user.sessionId);
    return { user, role, doc, preview: access.preview };
  }

  /**
   * Awareness identity is the server's: every state is rebuilt from the fields a client may set
   * (cursor, selection) plus `user` from the session. A client cannot write the state of a clientID
   * it does not own (the server's own, or another connection's). A DM previewing a player document
   * and anyone on the party document send no awareness there at all.
   */
  async beforeHandleAwareness(data: beforeHandleAwarenessPayload): Promise<void> {
    // Forwarded by another instance over Redis: already rebuilt there from that connection's session.
    if (isTransactionOrigin(data.transactionOrigin) && data.transactionOrigin.source === "redis") return;
    const context = data.context as Partial<CollabContext> | undefined;
    if (!context?.user || !context.role) {
      data.states.clear();
      return;
    }
    // A DM previewing a player document is not "in" it; the party document is shared by every member,
    // so nobody's awareness goes there (players would otherwise see each other); the same for the table.
    if (context.preview || context.doc?.kind === "party" || context.doc?.kind === "table") {
      data.states.clear();
      return;
    }
    const user = { userId: context.user.id, name: context.user.name, role: context.role, colour: userColour(context.user.id) };
    for (const [clientId, state] of [...data.states]) {
      if (clientId === data.document.awareness.clientID || this.ownedByOther(data, clientId)) {
        data.states.delete(clientId);
        continue;
      }
      // A null state is the client leaving: it must propagate.
      if (state === null || typeof state !== "object") continue;
      const clean = sanitizeAwarenessLocal(state) ?? {};
      data.states.set(clientId, { ...clean, [AWARENESS_USER_FIELD]: user });
    }
  }

  private ownedByOther(data: beforeHandleAwarenessPayload, clientId: number): boolean {
    for (const conn of data.document.getConnections()) {
      if (conn === data.connection) continue;
      if (data.document.getClients(conn).has(clientId)) return true;
    }
    return false;
  }
}
