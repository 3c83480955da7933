/**
 * Retrying a document store while the database is unreachable (DUR1, DUR2 in SPEC.md).
 *
 * Retrying is safe because a store never overwrites content it was not told about (STORE5): an attempt whose earlier
 * attempt did commit although its answer was lost passes a base version that is no longer current, so the store
 * merges — and the merge of a state with itself changes nothing.
 */

import type { StoreResult } from "../db/DocumentStore.ts";

/** What one attempt writes: taken afresh for every attempt. */
export interface StoreAttempt {
  /** The state to store (usually the document's current full state). */
  update: Uint8Array;
  /** The stored version `update` is known to contain (DocumentStore.store), if any. */
  base?: number;
}

/** One write to the database (DocumentStore.store). */
export type StoreWrite = (name: string, update: Uint8Array, base: number | undefined) => Promise<StoreResult>;

/** How long to wait between attempts: exponential, capped, with jitter. */
export interface BackoffPolicy {
  /** Delay after the first failure. */
  initialDelayMs: number;
  /** No delay is ever longer than this (so a store lands at most this long after the database is back). */
  maxDelayMs: number;
  /** Each failure multiplies the delay by this. */
  factor: number;
  /** 0…1: the delay is drawn uniformly from [delay·(1−jitterRatio), delay] so instances do not retry in lockstep. */
  jitterRatio: number;
}

/** The store's default: 200 ms, 400 ms, … capped at 5 s (measured recovery: see SPEC.md DUR2). */
export const STORE_BACKOFF: BackoffPolicy = { initialDelayMs: 200, maxDelayMs: 5_000, factor: 2, jitterRatio: 0.5 };

/** The delay before retry number `attempt` (1 = after the first failure). Pure; `random` is injectable for tests. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = STORE_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  // Cap the exponent too: factor ** 1000 is Infinity, and Infinity * 0 jitter would be NaN.
  const raw = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.min(exponent, 64));
  const jitter = Math.min(1, Math.max(0, policy.jitterRatio));
  return Math.round(raw * (1 - jitter * random()));
}

/** Thrown when retrying stops because the owner is shutting down (the state was NOT stored). */
export class StoreAbortedError extends Error {
  readonly documentName: string;

  constructor(documentName: string, lastError: unknown) {
    super(`store of ${documentName} abandoned at shutdown: ${lastError instanceof Error ? lastError.message : String(lastError)}`, {
      cause: lastError,
    });
    this.documentName = documentName;
  }
}

/** Sleep that ends early (resolving false) when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryStats {
  /** Failed attempts since start. */
  failedAttempts: number;
  /** Stores that succeeded only after at least one failure. */
  recoveredStores: number;
}

/**
 * Runs store attempts until one succeeds or `stop()` is called. Each attempt asks for the state afresh, so a
 * retry after a long outage writes everything edited meanwhile, not the state of the first attempt.
 */
export class RetryingStore {
  private readonly abort = new AbortController();
  private readonly lastWarnAt = new Map<string, number>();
  readonly stats: RetryStats = { failedAttempts: 0, recoveredStores: 0 };

  private readonly write: StoreWrite;
  private readonly policy: BackoffPolicy;
  /** Failures of one document are logged at most once per this interval (an outage must not flood the log). */
  private readonly warnIntervalMs: number;

  constructor(write: StoreWrite, policy: BackoffPolicy = STORE_BACKOFF, warnIntervalMs = 10_000) {
    this.write = write;
    this.policy = policy;
    this.warnIntervalMs = warnIntervalMs;
  }

  /**
   * Store `next()` under `name`, retrying with backoff; `next` is called once per attempt, so each attempt writes the
   * state (and base version) of its own time. Resolves with the successful attempt's result; rejects only with
   * StoreAbortedError (after `stop()`).
   */
  async store(name: string, next: () => StoreAttempt): Promise<StoreResult> {
    for (let attempt = 1; ; attempt++) {
      if (this.abort.signal.aborted) throw new StoreAbortedError(name, "stopped");
      try {
        const { update, base } = next();
        const result = await this.write(name, update, base);
        if (attempt > 1) {
          this.stats.recoveredStores += 1;
          this.lastWarnAt.delete(name);
          console.warn(`[persistence] stored ${name} after ${attempt} attempts`);
        }
        return result;
      } catch (err) {
        this.stats.failedAttempts += 1;
        const now = Date.now();
        if (now - (this.lastWarnAt.get(name) ?? 0) >= this.warnIntervalMs) {
          this.lastWarnAt.set(name, now);
          console.warn(`[persistence] store of ${name} failed (attempt ${attempt}), retrying:`, err instanceof Error ? err.message : err);
        }
        if (!(await sleep(backoffDelayMs(attempt, this.policy), this.abort.signal))) throw new StoreAbortedError(name, err);
      }
    }
  }

  /** Stop retrying: every pending `store` rejects with StoreAbortedError at its next wait. */
  stop(): void {
    this.abort.abort();
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }
}
