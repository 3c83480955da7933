/**
 * Group commit of client updates into the document journal (DUR9, DUR10 in SPEC.md).
 *
 * `append(name, update)` resolves once the update is committed in Postgres; the persistence extension holds the
 * client's message (and so its acknowledgement) until then. Appends are batched: the first one after an idle moment
 * waits one `setImmediate` (everything that arrives in the same turn of the event loop joins it), and every append
 * that arrives while a batch is being written goes into the next batch — one statement, one round trip, for as many
 * updates as arrived meanwhile, up to JOURNAL_MAX_BATCH_ROWS / JOURNAL_MAX_BATCH_BYTES.
 *
 * A failed batch is retried with backoff, together with whatever arrived meanwhile, until it commits or `stop()`:
 * nothing is dropped and nothing overtakes (entries leave the queue only once committed, oldest first). Each entry's
 * key (this journal's writer id and a sequence number) is fixed when it is queued, and the store inserts with
 * `on conflict do nothing`, so a retry whose earlier attempt committed although its answer was lost writes nothing
 * twice.
 */

import { randomUUID } from "node:crypto";
import type { JournalEntry, JournalKey } from "../db/DocumentStore.ts";
import { backoffDelayMs, type BackoffPolicy } from "./RetryingStore.ts";

/** Most entries one append statement carries (4 parameters each; Postgres allows 65,535). */
export const JOURNAL_MAX_BATCH_ROWS = 500;
/** Most update bytes one append statement carries (a batch always takes at least one entry, up to MAX_PAYLOAD). */
export const JOURNAL_MAX_BATCH_BYTES = 4 * 1024 * 1024;
/**
 * Retrying a failed append: shorter than the snapshot store's (200 ms … 5 s) because a client waits for it — the
 * held acknowledgement shows as "sending" in the UI. 100 ms, ×2, capped at 2 s, jitter [d/2, d].
 */
export const JOURNAL_BACKOFF: BackoffPolicy = { initialDelayMs: 100, maxDelayMs: 2_000, factor: 2, jitterRatio: 0.5 };

/** Where batches go (DocumentStore.append): one statement per call. */
export interface JournalSink {
  append(entries: JournalEntry[]): Promise<void>;
}

/** Thrown to every waiting append when the journal stops (shutdown) before its entry committed. */
export class JournalStoppedError extends Error {
  constructor() {
    super("update journal stopped before the update was stored");
  }
}

export interface JournalStats {
  /** Entries committed. */
  appended: number;
  /** Append statements that committed (round trips). */
  batches: number;
  /** Append statements that failed (each retried). */
  failedAttempts: number;
}

interface Waiting {
  entry: JournalEntry;
  resolve(key: JournalKey): void;
  reject(err: Error): void;
}

/** Group commit of one process's client updates; see the module comment. */
export class UpdateJournal {
  /** This process's writer id: with `seq`, the key of every entry it appends. */
  readonly writer = randomUUID();
  private seq = 0;
  private readonly queue: Waiting[] = [];
  private running = false;
  private readonly abort = new AbortController();
  private lastWarnAt = 0;
  readonly stats: JournalStats = { appended: 0, batches: 0, failedAttempts: 0 };

  private readonly sink: JournalSink;
  private readonly policy: BackoffPolicy;
  private readonly warnIntervalMs: number;

  constructor(sink: JournalSink, policy: BackoffPolicy = JOURNAL_BACKOFF, warnIntervalMs = 10_000) {
    this.sink = sink;
    this.policy = policy;
    this.warnIntervalMs = warnIntervalMs;
  }

  /** Entries queued or being written (held acknowledgements). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Append `update` to `name`'s journal. Resolves with the entry's key once it is committed; rejects only with
   * JournalStoppedError (shutdown). Never rejects because the database is down: it waits for it.
   */
  append(name: string, update: Uint8Array): Promise<JournalKey> {
    if (this.abort.signal.aborted) return Promise.reject(new JournalStoppedError());
    this.seq += 1;
    const key: JournalKey = { writer: this.writer, seq: this.seq };
    return new Promise<JournalKey>((resolve, reject) => {
      this.queue.push({ entry: { name, key, update }, resolve, reject });
      if (!this.running) {
        this.running = true;
        // One turn of the event loop: appends from every socket read in this poll phase join the first batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Stop: every append not yet committed rejects with JournalStoppedError; later appends reject at once. */
  stop(): void {
    this.abort.abort();
    if (!this.running) this.rejectAll();
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0 && !this.abort.signal.aborted) {
      const batch = this.takeBatch();
      try {
        await this.sink.append(batch.map((w) => w.entry));
      } catch (err) {
        failures += 1;
        this.stats.failedAttempts += 1;
        this.warn(failures, err);
        await sleep(backoffDelayMs(failures, this.policy), this.abort.signal);
        continue;
      }
      // Committed: only now do the entries leave the queue (they are its head: nothing is removed anywhere else).
      this.queue.splice(0, batch.length);
      this.stats.batches += 1;
      this.stats.appended += batch.length;
      if (failures > 0) console.warn(`[journal] appends stored again after ${failures} failed attempts`);
      failures = 0;
      for (const w of batch) w.resolve(w.entry.key);
    }
    this.running = false;
    if (this.abort.signal.aborted) this.rejectAll();
  }

  /** The oldest queued entries, within the batch limits (at least one). */
  private takeBatch(): Waiting[] {
    let bytes = 0;
    let n = 0;
    for (const w of this.queue) {
      if (n >= JOURNAL_MAX_BATCH_ROWS || (n > 0 && bytes + w.entry.update.byteLength > JOURNAL_MAX_BATCH_BYTES)) break;
      bytes += w.entry.update.byteLength;
      n += 1;
    }
    return this.queue.slice(0, n);
  }

  private rejectAll(): void {
    for (const w of this.queue.splice(0)) w.reject(new JournalStoppedError());
  }

  private warn(attempt: number, err: unknown): void {
    const now = Date.now();
    if (now - this.lastWarnAt < this.warnIntervalMs) return;
    this.lastWarnAt = now;
    console.warn(
      `[journal] append of ${this.queue.length} updates failed (attempt ${attempt}), holding their acknowledgements and retrying:`,
      err instanceof Error ? err.message : err,
    );
  }
}

/** Sleep that ends early when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
