import * as Y from "yjs";
import type pg from "pg";
import { withTransaction } from "./tx.ts";

/**
 * Where Yjs documents persist, by Hocuspocus document name. Deliberately narrow (two methods) so that
 * one contract suite covers every implementation.
 */
export interface DocumentStore {
  /**
   * The stored state (a Yjs update) or null when the document was never stored.
   * MUST throw on any database error: answering "no document" for an unreadable one would let the server
   * start an empty document and overwrite the real one.
   */
  fetch(name: string): Promise<Uint8Array | null>;
  /**
   * Merge `update` (usually the full state of the in-memory document) into what is stored.
   * Never last-writer-wins: two instances storing divergent states of one document keep the union.
   */
  store(name: string, update: Uint8Array): Promise<void>;
}

/**
 * How stored state is written after merging. Measured on a 1000-hex DM document (terrain, labels, notes) saved
 * 20 times with 200 edits between saves: `merge` grew to 128 KB while the document's own state was 88 KB (+46%,
 * and growing: deleted content from older states is never dropped); `rebuild` stayed exactly at 88 KB, for
 * ~4 ms more per store (21 vs 18 ms). Hence `rebuild` is the default.
 */
export const CompactMode = {
  /** `Y.mergeUpdates([stored, incoming])` — keeps the structs of content deleted since the stored state. */
  merge: "merge",
  /**
   * Apply the merge to a fresh Y.Doc (gc on) and re-encode: deleted content is garbage-collected. Use `merge`
   * for documents kept with gc off (history/snapshots), whose deleted content must survive.
   */
  rebuild: "rebuild",
} as const;
export type CompactMode = (typeof CompactMode)[keyof typeof CompactMode];

/**
 * DocumentStore on the `document` table. Each store is one transaction that locks the row
 * (`select … for update`), merges, and writes back, so concurrent stores of one document (two instances,
 * or two debounced saves) serialize and neither loses the other's content.
 */
export class PostgresDocumentStore implements DocumentStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly compact: CompactMode = CompactMode.rebuild,
  ) {}

  async fetch(name: string): Promise<Uint8Array | null> {
    // No try/catch on purpose: errors propagate (see DocumentStore.fetch).
    const result = await this.pool.query<{ state: Buffer }>("select state from document where name = $1", [name]);
    const row = result.rows[0];
    if (!row) return null;
    if (!(row.state instanceof Uint8Array)) throw new Error(`document ${name}: state is not bytea`);
    return new Uint8Array(row.state);
  }

  async store(name: string, update: Uint8Array): Promise<void> {
    // An empty byte string is not a Yjs update (the empty update is [0, 0]): refuse it instead of storing garbage.
    if (update.byteLength === 0) throw new Error(`document ${name}: refusing to store an empty update`);
    await withTransaction(this.pool, async (client) => {
      // First writer of a new document: insert. On conflict (row exists, or a concurrent insert committed first —
      // the insert waits for it), fall through to lock-merge-update.
      const inserted = await client.query(
        "insert into document (name, state) values ($1, $2) on conflict (name) do nothing",
        [name, Buffer.from(update.buffer, update.byteOffset, update.byteLength)],
      );
      if (inserted.rowCount === 1) return;
      const current = await client.query<{ state: Buffer }>("select state from document where name = $1 for update", [
        name,
      ]);
      const stored = current.rows[0]?.state;
      if (!stored) throw new Error(`document ${name}: row vanished during store`);
      const merged = mergeStates(new Uint8Array(stored), update, this.compact);
      await client.query("update document set state = $2, updated_at = now() where name = $1", [
        name,
        Buffer.from(merged.buffer, merged.byteOffset, merged.byteLength),
      ]);
    });
  }
}

/** The union of two Yjs updates, optionally compacted (see CompactMode). Pure. */
export function mergeStates(stored: Uint8Array, incoming: Uint8Array, compact: CompactMode = CompactMode.rebuild): Uint8Array {
  const merged = Y.mergeUpdates([stored, incoming]);
  if (compact === CompactMode.merge) return merged;
  const doc = new Y.Doc({ gc: true });
  try {
    Y.applyUpdate(doc, merged);
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
