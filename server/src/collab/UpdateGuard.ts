import type { Extension, beforeHandleMessagePayload, Connection } from "@hocuspocus/server";
import { CloseCode } from "@hexcrawl/shared/protocol";
import { checkMessage, type Rejection } from "./messageChecks.ts";

/** Awareness (and awareness queries) per connection: a burst, then a steady rate (HARD4). */
export const AWARENESS_BURST = 40;
export const AWARENESS_PER_SECOND = 20;

/** Thrown to stop Hocuspocus applying a message; it closes the document connection with this code. */
export class MessageRejected extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`message rejected: ${reason}`);
  }
}

/** A token bucket (injectable clock for tests). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
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
 * Vets every message of an authenticated connection before Hocuspocus applies it (HARD1–HARD5): malformed or
 * out-of-bounds Yjs sync messages, oversized or flooding awareness, oversized stateless payloads and message types
 * a client may not send close the whole socket with a CloseCode (4400 / 4413 / 4429). Nothing of a rejected message
 * is applied. Stateless messages from read-only connections are let through: the game extension answers them with
 * a READ_ONLY error (DESIGN.md), and nothing else acts on them.
 */
export class UpdateGuard implements Extension {
  readonly extensionName = "hexcrawl-update-guard";
  /** Before every other extension's beforeHandleMessage. */
  readonly priority = 1500;
  private readonly awarenessBuckets = new WeakMap<Connection, TokenBucket>();

  async beforeHandleMessage({ update, connection }: beforeHandleMessagePayload): Promise<void> {
    const verdict = checkMessage(update, { readOnly: connection.readOnly });
    if (typeof verdict !== "string") return this.refuse(connection, verdict);
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
