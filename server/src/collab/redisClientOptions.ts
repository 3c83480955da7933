/**
 * ioredis options for the Redis extension's connections (DUR4 in SPEC.md).
 *
 * ioredis keeps commands issued while disconnected in an offline queue and fails them only after
 * `maxRetriesPerRequest` reconnect attempts (default 20 ≈ 10 s of backoff). The Redis extension's onStoreDocument
 * waits for a lock command while holding the document's save mutex, so with the default every store during a
 * Redis outage stalled for ~10 s (measured: edits reached Postgres in bursts 10+ s apart). With 1, a command
 * fails after one reconnect attempt; the lock is then skipped — harmless, our stores merge and run first
 * (PERSISTENCE_PRIORITY) — and publishes are dropped, which the next change's state-vector exchange repairs.
 */
export const REDIS_CLIENT_OPTIONS = { maxRetriesPerRequest: 1 } as const;

/**
 * During a Redis outage the clients emit an 'error' on every reconnect attempt (several per second); one line
 * per this interval is enough to tell an operator Redis is down (DUR8).
 */
export const REDIS_ERROR_LOG_INTERVAL_MS = 30_000;

/** What logRedisErrors needs of an ioredis client (Redis or Cluster), structurally. */
export interface RedisEventSource {
  on(event: "error", listener: (err: Error) => void): unknown;
  on(event: "ready", listener: () => void): unknown;
}

export interface RedisErrorLogOptions {
  intervalMs?: number;
  /** Default console.warn. */
  log?: (message: string) => void;
  now?: () => number;
}

/**
 * Give Redis clients an 'error' listener that logs at most once per `intervalMs` (shared by all the clients
 * given), counting what it left out, and one line when a client is ready again after errors.
 *
 * Without a listener ioredis prints "[ioredis] Unhandled error event" with a stack trace for every failed
 * reconnect (measured: 67 in the 15 s outage of redisOutage.test.ts). Call right after creating the clients
 * (ioredis connects asynchronously, so no error is emitted before). Errors stay non-fatal either way: ioredis
 * keeps reconnecting and the server keeps serving (DUR4).
 */
export function logRedisErrors(clients: readonly RedisEventSource[], opts: RedisErrorLogOptions = {}): void {
  const intervalMs = opts.intervalMs ?? REDIS_ERROR_LOG_INTERVAL_MS;
  const log = opts.log ?? ((message: string) => console.warn(message));
  const now = opts.now ?? Date.now;
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  let errorsSinceReady = 0;
  for (const client of clients) {
    client.on("error", (err: Error) => {
      errorsSinceReady += 1;
      const t = now();
      if (t - lastLoggedAt < intervalMs) {
        suppressed += 1;
        return;
      }
      const more = suppressed > 0 ? ` (${suppressed} more since the last report)` : "";
      log(`[redis] ${err.message}${more}; retrying, next report in ≥ ${Math.round(intervalMs / 1000)} s`);
      lastLoggedAt = t;
      suppressed = 0;
    });
    client.on("ready", () => {
      if (errorsSinceReady === 0) return;
      log(`[redis] connected again after ${errorsSinceReady} errors`);
      errorsSinceReady = 0;
      suppressed = 0;
      // The next outage is reported at once.
      lastLoggedAt = Number.NEGATIVE_INFINITY;
    });
  }
}
