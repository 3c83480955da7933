/**
 * Per-key sliding-window counter (fixed buckets), used for per-address limits on upgrades and
 * failed authentications. Pure: the clock is injected so tests need no sleeping.
 */
export class WindowCounter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

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
  /** Failed authentications per address per window before its upgrades are refused (429). */
  authFailuresPerAddress: number;
  authFailureWindowMs: number;
}

export const DEFAULT_COLLAB_LIMITS: CollabLimits = {
  upgradesPerWindow: 120,
  upgradeWindowMs: 60_000,
  connectionsPerAddress: 400,
  authFailuresPerSocket: 5,
  authFailuresPerAddress: 50,
  authFailureWindowMs: 60_000,
};
