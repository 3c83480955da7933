import type { Extension, beforeHandleMessagePayload, Connection } from "@hocuspocus/server";
import { CloseCode } from "@hexcrawl/shared/protocol";
import { checkKnownClocks, checkMessage, documentUpdateOf, type Rejection } from "./messageChecks.ts";

/** Awareness (and awareness queries) per connection: a burst, then a steady rate (HARD4). */
export const AWARENESS_BURST = 40;
export const AWARENESS_PER_SECOND = 20;

/**
 * Sync step 1 per socket (W4, LIMIT2): a 36-byte request can ask for a whole document. A client sends one per document
 * it opens (and again on reconnect, which is a new socket): a burst for the documents of a campaign, then a slow rate.
 */
export const SYNC_STEP1_BURST = 20;
export const SYNC_STEP1_PER_SECOND = 0.5;

/** Thrown to stop Hocuspocus applying a message; it closes the document connection with this code. */
export class MessageRejected extends Error {
  readonly code: number;
  readonly reason: string;

  constructor(code: number, reason: string) {
    super(`message rejected: ${reason}`);
    this.code = code;
    this.reason = reason;
  }
}

/** A token bucket (injectable clock for tests). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;
  private readonly perSecond: number;
  private readonly now: () => number;
  constructor(capacity: number, perSecond: number, now: () => number = Date.now) {
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.now = now;
    this.tokens = capacity;
    this.last = now();
  }
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Vets every message of an authenticated connection before Hocuspocus applies it (HARD1–HARD5, HARD8): malformed or
 * out-of-bounds Yjs sync messages, updates naming another client's future clocks, oversized or flooding awareness,
 * oversized stateless payloads and message types a client may not send close the whole socket with a CloseCode
 * (4400 / 4413 / 4429). Nothing of a rejected message is applied. Stateless messages from read-only connections are let through: the game extension answers them with
 * a READ_ONLY error (SPEC.md CMD1), and nothing else acts on them.
 */
export class UpdateGuard implements Extension {
  readonly extensionName = "hexcrawl-update-guard";
  /** Before every other extension's beforeHandleMessage. */
  readonly priority = 1500;
  private readonly awarenessBuckets = new WeakMap<Connection, TokenBucket>();
  /** Keyed by the socket: every document connection of one socket shares the budget. */
  private readonly syncStep1Buckets = new WeakMap<object, TokenBucket>();

  async beforeHandleMessage({ update, connection, document }: beforeHandleMessagePayload): Promise<void> {
    const verdict = checkMessage(update, { readOnly: connection.readOnly });
    if (typeof verdict !== "string") return this.refuse(connection, verdict);
    if (verdict === "sync" && !connection.readOnly) {
      const payload = documentUpdateOf(update);
      const forged = payload ? checkKnownClocks(document, payload) : null;
      if (forged) return this.refuse(connection, forged);
    }
    if (verdict === "syncStep1") {
      let bucket = this.syncStep1Buckets.get(connection.webSocket);
      if (!bucket) {
        bucket = new TokenBucket(SYNC_STEP1_BURST, SYNC_STEP1_PER_SECOND);
        this.syncStep1Buckets.set(connection.webSocket, bucket);
      }
      if (!bucket.take()) return this.refuse(connection, { code: CloseCode.RATE_LIMITED, reason: "sync requests too frequent" });
    }
    if (verdict === "awareness" || verdict === "queryAwareness") {
      let bucket = this.awarenessBuckets.get(connection);
      if (!bucket) {
        bucket = new TokenBucket(AWARENESS_BURST, AWARENESS_PER_SECOND);
        this.awarenessBuckets.set(connection, bucket);
      }
      if (!bucket.take()) return this.refuse(connection, { code: CloseCode.RATE_LIMITED, reason: "awareness rate exceeded" });
    }
  }

  private refuse(connection: Connection, rejection: Rejection): never {
    // Close the socket itself (all its documents): a client sending this is broken or hostile, and the provider
    // reads the close code (CloseCode: 4400 and 4413 say "do not retry the same", 4429 "back off").
    try {
      connection.webSocket.close(rejection.code, rejection.reason);
    } catch {
      // already closed
    }
    throw new MessageRejected(rejection.code, rejection.reason);
  }
}
