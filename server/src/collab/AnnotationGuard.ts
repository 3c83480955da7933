import * as Y from "yjs";
import type { Connection, Document, Extension, beforeHandleMessagePayload } from "@hocuspocus/server";
import { ANNOTATION_DOC_MAX_BYTES } from "@hexcrawl/shared/annotations";
import { isDmRole, type Role } from "@hexcrawl/shared/docNames";
import { CloseCode } from "@hexcrawl/shared/protocol";
import type { CollabContext } from "./AuthExtension.ts";
import { checkAnnotationUpdate } from "./annotationChecks.ts";
import { documentUpdateOf } from "./messageChecks.ts";
import { MessageRejected, TokenBucket } from "./UpdateGuard.ts";

/** Document updates per connection to a notes or table document: a burst, then a steady rate (NOTES9). */
export const ANNOTATION_UPDATES_BURST = 100;
export const ANNOTATION_UPDATES_PER_SECOND = 30;
/** How stale a writer's membership may be before their next update re-reads it (NOTES3: a removed member's writes). */
export const MEMBERSHIP_RECHECK_MS = 2_000;

/** Least time between two exact size measures of one document near its cap. */
export const SIZE_REMEASURE_MS = 5_000;

/** A member's current role in a campaign, or null (not a member). Throws on a database error. */
export type MembershipLookup = (campaignId: string, userId: string) => Promise<Role | null>;

/**
 * The write rules of the documents the players write (NOTES4–NOTES9): every update a connection sends to a notes
 * or table document is checked by the pure `checkAnnotationUpdate` against the server's copy before Hocuspocus
 * applies it, then against the document's size cap, and rate-limited. A refusal throws: Hocuspocus closes that
 * document's connection only, with the reason (the socket and the member's other documents stay up), nothing of the
 * update is applied, and — this runs before the journal (JOURNAL_PRIORITY) — nothing of it is journaled.
 */
export class AnnotationGuard implements Extension {
  readonly extensionName = "hexcrawl-annotation-guard";
  /** After UpdateGuard (the update is well-formed), before the journal. */
  readonly priority = 1400;
  private readonly buckets = new WeakMap<Connection, TokenBucket>();
  /** Encoded size of each document, measured exactly when it might be near the cap and grown by accepted updates. */
  private readonly sizes = new WeakMap<Document, { bytes: number; measuredAt: number }>();
  /** Each connection's role as last read, and when. */
  private readonly roles = new WeakMap<Connection, { role: Role | null; at: number }>();
  private readonly membership: MembershipLookup | null;
  private readonly now: () => number;
  private readonly maxBytes: Readonly<Record<"notes" | "table", number>>;

  /**
   * @param membership re-reads a writer's role every MEMBERSHIP_RECHECK_MS while they write, so a removed member's
   *   open connection cannot keep writing (closing it is the revocation rule's job). Without it, the role from
   *   authentication stands.
   */
  constructor(
    membership: MembershipLookup | null = null,
    now: () => number = Date.now,
    maxBytes: Readonly<Record<"notes" | "table", number>> = ANNOTATION_DOC_MAX_BYTES,
  ) {
    this.membership = membership;
    this.now = now;
    this.maxBytes = maxBytes;
  }

  async beforeHandleMessage({ update: frame, connection, document, context }: beforeHandleMessagePayload): Promise<void> {
    const ctx = context as Partial<CollabContext> | undefined;
    const kind = ctx?.doc?.kind;
    if (kind !== "notes" && kind !== "table") return;
    const update = documentUpdateOf(frame);
    if (!update) return;
    if (!ctx?.user || !ctx.role || (ctx.doc?.kind === "notes" && ctx.doc.userId !== ctx.user.id)) {
      throw new MessageRejected(CloseCode.FORBIDDEN, "forbidden");
    }
    const role = await this.currentRole(connection, ctx.doc?.campaignId ?? "", ctx.user.id, ctx.role);
    if (role === null) throw new MessageRejected(CloseCode.FORBIDDEN, "no longer a member of this campaign");
    let bucket = this.buckets.get(connection);
    if (!bucket) {
      bucket = new TokenBucket(ANNOTATION_UPDATES_BURST, ANNOTATION_UPDATES_PER_SECOND);
      this.buckets.set(connection, bucket);
    }
    if (!bucket.take()) throw new MessageRejected(CloseCode.RATE_LIMITED, "too many edits: slow down");
    const verdict = checkAnnotationUpdate(document, update, kind, { userId: ctx.user.id, moderator: kind === "table" && isDmRole(role) });
    if (verdict) throw new MessageRejected(verdict.code, verdict.reason);
    const cap = this.maxBytes[kind];
    let size = this.sizes.get(document);
    // An exact measure costs an encode of the whole document (~130 ms for 1.3 MB on a loaded machine): at most once
    // per SIZE_REMEASURE_MS near the cap, so a full document cannot be made to encode itself on every update.
    if (!size || (size.bytes + update.byteLength > cap && this.now() - size.measuredAt >= SIZE_REMEASURE_MS)) {
      size = { bytes: Y.encodeStateAsUpdate(document).byteLength, measuredAt: this.now() };
    }
    if (size.bytes + update.byteLength > cap) {
      this.sizes.set(document, size);
      throw new MessageRejected(CloseCode.TOO_LARGE, `${kind} document full (${cap} bytes)`);
    }
    this.sizes.set(document, { bytes: size.bytes + update.byteLength, measuredAt: size.measuredAt });
  }

  /** The writer's role, re-read when stale; a database error keeps the last known role (writes are held, not lost). */
  private async currentRole(connection: Connection, campaignId: string, userId: string, authenticated: Role): Promise<Role | null> {
    // A connection's first write reads the role (it may have changed since authentication).
    const known = this.roles.get(connection) ?? { role: authenticated, at: Number.NEGATIVE_INFINITY };
    if (!this.membership || this.now() - known.at < MEMBERSHIP_RECHECK_MS) {
      this.roles.set(connection, known);
      return known.role;
    }
    try {
      const fresh = { role: await this.membership(campaignId, userId), at: this.now() };
      this.roles.set(connection, fresh);
      return fresh.role;
    } catch {
      return known.role;
    }
  }
}

/** The close code of a refusal thrown by the guard (tests), or null for anything else. */
export function rejectionCode(err: unknown): number | null {
  return err instanceof MessageRejected ? err.code : null;
}
