import { z } from "zod";
import type pg from "pg";

/**
 * Group commit of fast-path document stores (STORE14 in SPEC.md): `replace(name, state, base)` resolves with the
 * row's new version when the row was at `base` and now holds `state`, or with null when it was not (no row, or
 * another writer stored since: the caller merges). Stores that arrive in the same turn of the event loop, or while a
 * batch is being written, share one `update … from (values …)` statement: a publish to N players stores N player
 * documents about one debounce later, in one round trip instead of N.
 *
 * Nothing is retried here: a failed statement rejects every store in it, and each caller retries its own (the
 * RetryingStore of the persistence extension). A document is in a batch at most once (a second store of it waits for
 * the next batch), so every answer row names exactly one store.
 */

/** Most documents one statement replaces (3 parameters each; Postgres allows 65,535). */
export const REPLACE_MAX_BATCH_ROWS = 500;
/** Most state bytes one statement carries (a batch always takes at least one store). */
export const REPLACE_MAX_BATCH_BYTES = 8 * 1024 * 1024;

const ReplacedRow = z.object({ name: z.string(), version: z.coerce.number().int().positive() });

interface Waiting {
  name: string;
  state: Buffer;
  base: number;
  resolve(version: number | null): void;
  reject(err: unknown): void;
}

export interface ReplaceStats {
  /** Statements sent. */
  batches: number;
  /** Stores that went through them (replaced or not). */
  stores: number;
}

export class ReplaceBatch {
  private readonly queue: Waiting[] = [];
  private running = false;
  readonly stats: ReplaceStats = { batches: 0, stores: 0 };
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  replace(name: string, state: Buffer, base: number): Promise<number | null> {
    return new Promise<number | null>((resolve, reject) => {
      this.queue.push({ name, state, base, resolve, reject });
      if (!this.running) {
        this.running = true;
        // One turn of the event loop: the stores of every debounce timer that fired in this one join the batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      this.stats.batches += 1;
      this.stats.stores += batch.length;
      try {
        const replaced = await this.write(batch);
        for (const w of batch) w.resolve(replaced.get(w.name) ?? null);
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    this.running = false;
  }

  /** Oldest first, within the limits, each document once; what is left stays queued in order. */
  private takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const names = new Set<string>();
    let bytes = 0;
    for (let i = 0; i < this.queue.length && batch.length < REPLACE_MAX_BATCH_ROWS; ) {
      const w = this.queue[i];
      if (!w) break;
      if (names.has(w.name) || (batch.length > 0 && bytes + w.state.byteLength > REPLACE_MAX_BATCH_BYTES)) {
        i += 1;
        continue;
      }
      names.add(w.name);
      bytes += w.state.byteLength;
      batch.push(w);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  /** The new version of every row replaced, by name. */
  private async write(batch: readonly Waiting[]): Promise<Map<string, number>> {
    const values: unknown[] = [];
    const rows: string[] = [];
    for (const w of batch) {
      const p = values.length;
      rows.push(`($${p + 1}::text, $${p + 2}::bytea, $${p + 3}::bigint)`);
      values.push(w.name, w.state, w.base);
    }
    // One statement is its own transaction: no BEGIN/COMMIT round trips. Under read committed, a row another writer
    // updated meanwhile is re-checked against `version = base` (with its joined values row) once that writer commits:
    // at most one of several stores claiming one base replaces.
    const res = await this.pool.query(
      `update document as d set state = v.state, version = d.version + 1, updated_at = now()
       from (values ${rows.join(", ")}) as v(name, state, base)
       where d.name = v.name and d.version = v.base
       returning d.name, d.version`,
      values,
    );
    const out = new Map<string, number>();
    for (const row of res.rows as unknown[]) {
      const r = ReplacedRow.parse(row);
      out.set(r.name, r.version);
    }
    return out;
  }
}
