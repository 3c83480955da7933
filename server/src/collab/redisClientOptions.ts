/**
 * ioredis options for the Redis extension's connections (DUR4 in SPEC.durability.md).
 *
 * ioredis keeps commands issued while disconnected in an offline queue and fails them only after
 * `maxRetriesPerRequest` reconnect attempts (default 20 ≈ 10 s of backoff). The Redis extension's onStoreDocument
 * waits for a lock command while holding the document's save mutex, so with the default every store during a
 * Redis outage stalled for ~10 s (measured: edits reached Postgres in bursts 10+ s apart). With 1, a command
 * fails after one reconnect attempt; the lock is then skipped — harmless, our stores merge and run first
 * (PERSISTENCE_PRIORITY) — and publishes are dropped, which the next change's state-vector exchange repairs.
 */
export const REDIS_CLIENT_OPTIONS = { maxRetriesPerRequest: 1 } as const;
