import type { Connection, Extension, connectedPayload, onDisconnectPayload } from "@hocuspocus/server";
import type { Role } from "@hexcrawl/shared/docNames";
import { ACCESS_REVOKED_PREFIX } from "@hexcrawl/shared/access";
import type { CollabContext } from "./AuthExtension.ts";
import { accessFor } from "./AuthExtension.ts";

/** How often every open document connection's session and membership are checked again (REVOKE3). */
export const ACCESS_CHECK_INTERVAL_MS = 2_000;

/**
 * How an open connection ends when its access is taken away (REVOKE1–REVOKE6). A session that no longer exists
 * (signed out, revoked, password changed, expired) closes the whole socket with 4401: every document on it was opened
 * with that cookie. A role change closes only the documents the new role no longer allows, with a Hocuspocus close
 * message for that document carrying the reason (the socket and its other documents stay).
 */
export const RevokeReason = {
  /** Socket close code: the session behind this socket ended. Sign in again. */
  SESSION_ENDED_CODE: 4401,
  /** Per-document close reason: the member was removed from the campaign. */
  REMOVED: `${ACCESS_REVOKED_PREFIX}: removed from the campaign`,
  /** Per-document close reason: the member's role no longer allows this document (or no longer allows writing). */
  ROLE_CHANGED: `${ACCESS_REVOKED_PREFIX}: role changed`,
} as const;

/** Where the watch reads the truth (the database); an interface so tests can count queries. */
export interface AccessSource {
  /** The ids among `sessionIds` whose session exists and has not expired. */
  liveSessions(sessionIds: readonly string[]): Promise<Set<string>>;
  /** The roles of `userIds` in `campaignIds`, keyed `campaignId|userId`; a missing key is not a member. */
  roles(campaignIds: readonly string[], userIds: readonly string[]): Promise<Map<string, Role>>;
}

export interface AccessWatchOptions {
  source: AccessSource;
  /** Close a whole socket (by the bridge's socket key) with a code. */
  closeSocket(socketKey: string, code: number, reason: string): void;
  intervalMs?: number;
}

interface Entry {
  connection: Connection;
  context: CollabContext & { socketKey?: string };
}

function collabContext(context: unknown): (CollabContext & { socketKey?: string }) | null {
  if (typeof context !== "object" || context === null || !("user" in context) || !("doc" in context) || !("role" in context)) return null;
  return context as CollabContext & { socketKey?: string };
}

/**
 * Access ends when it is taken away (REVOKE1–REVOKE6): keeps every authenticated document connection of this instance
 * and checks its session and its role again — for one user or one campaign at once when the cluster bus says they
 * changed (on every instance), and for all of them every ACCESS_CHECK_INTERVAL_MS (expiry, a missed bus message).
 * One query for the sessions and one for the roles per check, whatever the number of connections.
 */
export class AccessWatch implements Extension {
  readonly extensionName = "hexcrawl-access-watch";
  readonly #entries = new Set<Entry>();
  readonly #opts: AccessWatchOptions;
  readonly #timer: NodeJS.Timeout;
  #checking: Promise<void> = Promise.resolve();
  /** Checks queued or running; a periodic tick is skipped while any is (a hanging database must not pile them up). */
  #pending = 0;

  constructor(opts: AccessWatchOptions) {
    this.#opts = opts;
    this.#timer = setInterval(() => {
      if (this.#pending === 0) void this.check();
    }, opts.intervalMs ?? ACCESS_CHECK_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Open document connections being watched (tests). */
  get size(): number {
    return this.#entries.size;
  }

  async connected({ connection, context }: connectedPayload): Promise<void> {
    const ctx = collabContext(context);
    if (ctx) this.#entries.add({ connection, context: ctx });
  }

  async onDisconnect({ context }: onDisconnectPayload): Promise<void> {
    for (const e of this.#entries) if (e.context === context) this.#entries.delete(e);
  }

  /** Check the connections of one user now (their sessions changed). */
  checkUser(userId: string): Promise<void> {
    return this.check((e) => e.context.user.id === userId);
  }

  /** Check the connections of one campaign now (its members or roles changed). */
  checkCampaign(campaignId: string): Promise<void> {
    return this.check((e) => e.context.doc.campaignId === campaignId);
  }

  /** Check every watched connection (or those `filter` picks). Checks run one after another; never throws. */
  check(filter?: (e: Entry) => boolean): Promise<void> {
    this.#pending += 1;
    this.#checking = this.#checking
      .then(() => this.#check(filter))
      .catch((err: unknown) => {
        // A database outage: the next check tries again; access is not granted by an error, only not yet revoked.
        console.warn("[access] check failed:", err instanceof Error ? err.message : err);
      })
      .finally(() => {
        this.#pending -= 1;
      });
    return this.#checking;
  }

  async #check(filter?: (e: Entry) => boolean): Promise<void> {
    const entries = [...this.#entries].filter((e) => {
      if (!e.connection.document.hasConnection(e.connection)) {
        this.#entries.delete(e);
        return false;
      }
      return filter ? filter(e) : true;
    });
    if (entries.length === 0) return;
    const sessionIds = [...new Set(entries.map((e) => e.context.user.sessionId))];
    const live = await this.#opts.source.liveSessions(sessionIds);
    const ended = new Set<string>();
    for (const e of entries) {
      if (live.has(e.context.user.sessionId)) continue;
      this.#entries.delete(e);
      const key = e.context.socketKey;
      if (key && !ended.has(key)) {
        ended.add(key);
        this.#opts.closeSocket(key, RevokeReason.SESSION_ENDED_CODE, "Session ended");
      }
      // A socket the bridge does not know (tests with another transport): close the document at least.
      if (!key) e.connection.close({ code: RevokeReason.SESSION_ENDED_CODE, reason: "Session ended" });
    }
    const rest = entries.filter((e) => live.has(e.context.user.sessionId));
    if (rest.length === 0) return;
    const roles = await this.#opts.source.roles(
      [...new Set(rest.map((e) => e.context.doc.campaignId))],
      [...new Set(rest.map((e) => e.context.user.id))],
    );
    for (const e of rest) {
      const { doc, user } = e.context;
      const role = roles.get(`${doc.campaignId}|${user.id}`) ?? null;
      if (role === e.context.role) continue;
      const access = accessFor(doc, user.id, role);
      // Closed when the new role refuses the document, or would only read what this connection may write.
      if (!access || !role || (access.readOnly && !e.connection.readOnly)) {
        this.#entries.delete(e);
        e.connection.close({ code: 4403, reason: role ? RevokeReason.ROLE_CHANGED : RevokeReason.REMOVED });
        continue;
      }
      // Still allowed (a player promoted keeps their own view open): the connection now carries the new role.
      e.context.role = role;
      e.context.preview = access.preview;
    }
  }

  async onDestroy(): Promise<void> {
    clearInterval(this.#timer);
    this.#entries.clear();
  }
}
