/**
 * Per-key sliding-window counter (fixed buckets), used for per-address limits on upgrades and
 * failed authentications. Pure: the clock is injected so tests need no sleeping.
 */
export class WindowCounter {
  private readonly hits = new Map<string, number[]>();

  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(windowMs: number, now: () => number = Date.now) {
    this.windowMs = windowMs;
    this.now = now;
  }

  /** Record one hit for `key`; returns the number of hits in the current window (including this one). */
  hit(key: string): number {
    const list = this.prune(key);
    list.push(this.now());
    this.hits.set(key, list);
    return list.length;
  }

  count(key: string): number {
    return this.prune(key).length;
  }

  private prune(key: string): number[] {
    const since = this.now() - this.windowMs;
    const list = (this.hits.get(key) ?? []).filter((t) => t > since);
    if (list.length === 0) this.hits.delete(key);
    else this.hits.set(key, list);
    return list;
  }

  /** Drop empty keys; call periodically so the map does not grow with every address ever seen. */
  sweep(): void {
    for (const key of [...this.hits.keys()]) this.prune(key);
  }
}

/** Limits on the WebSocket endpoint, per client address unless said otherwise. */
export interface CollabLimits {
  /** Upgrades allowed per address per UPGRADE_WINDOW_MS. */
  upgradesPerWindow: number;
  upgradeWindowMs: number;
  /** Concurrent open sockets per address. */
  connectionsPerAddress: number;
  /** Failed authentications on one socket before it is closed. */
  authFailuresPerSocket: number;
  /**
   * Failed authentications per window before upgrades are refused (429): of a signed-in session, counted against
   * that session's cookie; anonymous ones (no or a bad cookie) against the address (W7).
   */
  authFailuresPerAddress: number;
  authFailureWindowMs: number;
  /** Document opens (Auth messages) per socket: a burst, then a steady rate (W3, LIMIT1). */
  documentOpensBurst: number;
  documentOpensPerSecond: number;
  /** Successful document opens per session (≈ per user) per minute, across all its sockets (W3, LIMIT1). */
  documentOpensPerSessionPerMinute: number;
  /** Bytes a socket may send before its first successful authentication (W6, LIMIT4), and all such sockets of an address. */
  unauthenticatedBytesPerSocket: number;
  unauthenticatedBytesPerAddress: number;
}

export const DEFAULT_COLLAB_LIMITS: CollabLimits = {
  upgradesPerWindow: 120,
  upgradeWindowMs: 60_000,
  connectionsPerAddress: 400,
  authFailuresPerSocket: 5,
  authFailuresPerAddress: 50,
  authFailureWindowMs: 60_000,
  documentOpensBurst: 30,
  documentOpensPerSecond: 1,
  // 20/s sustained: far above a real client (one per document, again on reconnect), half an open/close loop (40+/s).
  documentOpensPerSessionPerMinute: 1200,
  // Above one full frame (MAX_PAYLOAD_BYTES, 1 MiB): a client may send an offline edit before its token is checked.
  unauthenticatedBytesPerSocket: 2 * 1024 * 1024,
  unauthenticatedBytesPerAddress: 8 * 1024 * 1024,
};
