import { randomBytes } from "node:crypto";
import pg from "pg";
import * as Y from "yjs";
import { Hocuspocus, type DirectConnection } from "@hocuspocus/server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeEachStore, type StoreKind, type TestDatabase } from "../support/databases.ts";
import { eventually } from "../support/http.ts";
import {
  PostgresDocumentStore,
  type DocumentStore,
  type StoredDocument,
  type StoreResult,
} from "../../src/db/DocumentStore.ts";
import { DocumentPersistence, PERSISTENCE_ORIGIN } from "../../src/collab/persistence.ts";

/** One store as the persistence extension made it. */
interface StoreCall {
  base: number | undefined;
  version: number;
  merged: boolean;
  /** The store committed but its caller was told it failed (simulated lost answer). */
  lost: boolean;
}

/** The real Postgres store with every store's base and result recorded — a spy, not a mock. */
class RecordingStore implements DocumentStore {
  readonly calls: StoreCall[] = [];
  /** The next this-many stores commit and then throw, as when the connection drops before the answer arrives. */
  loseAnswers = 0;

  constructor(private readonly inner: DocumentStore) {}

  fetch(name: string): Promise<StoredDocument | null> {
    return this.inner.fetch(name);
  }

  async store(name: string, update: Uint8Array, base?: number): Promise<StoreResult> {
    const result = await this.inner.store(name, update, base);
    const lost = this.loseAnswers > 0;
    this.calls.push({ base, version: result.version, merged: result.merged !== null, lost });
    if (lost) {
      this.loseAnswers -= 1;
      throw new Error("connection lost after commit (simulated)");
    }
    return result;
  }
}

/** A Hocuspocus instance (no network: direct connections) persisting through `store`, with short timers. */
function instance(store: DocumentStore): { hocuspocus: Hocuspocus; persistence: DocumentPersistence } {
  const persistence = new DocumentPersistence(store, { backoff: { initialDelayMs: 10, maxDelayMs: 50, factor: 2, jitterRatio: 0 } });
  const hocuspocus = new Hocuspocus({ quiet: true, debounce: 10, maxDebounce: 50, unloadImmediately: false, extensions: [persistence] });
  return { hocuspocus, persistence };
}

function terrain(doc: Y.Doc): Record<string, unknown> {
  return doc.getMap("terrain").toJSON();
}

function terrainOf(state: Uint8Array): Record<string, unknown> {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, state);
  const json = terrain(doc);
  doc.destroy();
  return json;
}

function set(conn: DirectConnection, key: string, value: string): Promise<void> {
  return conn.transact((doc) => doc.getMap("terrain").set(key, value));
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachStore("document persistence: versioned stores", (kind: StoreKind) => {
  let t: TestDatabase;
  let otherPool: pg.Pool | null = null;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    // A second instance gets its own pool on real Postgres; PGlite is one session, shared.
    if (t.url) otherPool = new pg.Pool({ connectionString: t.url, max: 4 });
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await otherPool?.end();
    await t?.cleanup();
  });

  /** An instance on this database; disconnected and stopped after the suite. */
  function start(pool: pg.Pool = t.db.pool) {
    const recording = new RecordingStore(new PostgresDocumentStore(pool));
    const { hocuspocus, persistence } = instance(recording);
    const conns: DirectConnection[] = [];
    cleanups.push(async () => {
      for (const c of conns) await c.disconnect();
      await persistence.onDestroy();
    });
    return {
      recording,
      hocuspocus,
      persistence,
      open: async (name: string) => {
        const conn = await hocuspocus.openDirectConnection(name);
        conns.push(conn);
        return conn;
      },
      /** Every change of every loaded document is in the database (and `calls` has reached `n`). */
      settled: (n: number) =>
        eventually(() => {
          expect(recording.calls.length).toBe(n);
          expect(persistence.unstoredDocuments(hocuspocus.documents)).toEqual([]);
        }),
    };
  }

  it("[STORE5][DUR2] in the common case every store replaces the row without merging (fast path), also after a reload", async () => {
    const a = start();
    const name = `doc-${randomBytes(4).toString("hex")}`;
    const conn = await a.open(name);
    const expected: Record<string, string> = {};
    for (let i = 0; i < 8; i++) {
      await set(conn, `${i},0`, `v${i}`);
      expected[`${i},0`] = `v${i}`;
      await a.settled(i + 1);
    }
    // The first store inserts; each later one passes the version the previous one wrote and merges nothing.
    expect(a.recording.calls).toEqual(
      Array.from({ length: 8 }, (_, i) => ({ base: i === 0 ? undefined : i, version: i + 1, merged: false, lost: false })),
    );
    const doc = a.hocuspocus.documents.get(name)!;
    expect(a.persistence.storedVersion(doc)).toBe(8);
    const stored = await new PostgresDocumentStore(t.db.pool).fetch(name);
    expect(stored?.version).toBe(8);
    expect(terrainOf(stored!.state)).toEqual(expected);

    // Unload, load again: the version comes from the fetch, and the next store is fast again.
    await conn.disconnect();
    await eventually(() => expect(a.hocuspocus.documents.has(name)).toBe(false));
    const again = await a.open(name);
    expect(a.persistence.storedVersion(a.hocuspocus.documents.get(name)!)).toBe(8);
    await set(again, "9,0", "after reload");
    await a.settled(9);
    expect(a.recording.calls.at(-1)).toEqual({ base: 8, version: 9, merged: false, lost: false });
  });

  it("[DUR6] two instances storing one document converge: each store that finds the other's content merges it into memory", async () => {
    const a = start();
    const b = start(otherPool ?? t.db.pool);
    const name = `doc-${randomBytes(4).toString("hex")}`;
    // Both load the document before it exists; without Redis neither sees the other's edits except through the row.
    const onA = await a.open(name);
    const onB = await b.open(name);
    const docA = a.hocuspocus.documents.get(name)!;
    const docB = b.hocuspocus.documents.get(name)!;
    const originsB: unknown[] = [];
    docB.on("update", (_update: Uint8Array, origin: unknown) => originsB.push(origin));

    await set(onA, "1,0", "a");
    await a.settled(1);
    expect(a.recording.calls[0]).toEqual({ base: undefined, version: 1, merged: false, lost: false });

    // B never saw version 1: its store merges, and B's document receives A's edit through `merged`.
    await set(onB, "2,0", "b");
    await b.settled(1);
    expect(b.recording.calls[0]).toEqual({ base: undefined, version: 2, merged: true, lost: false });
    expect(terrain(docB)).toEqual({ "1,0": "a", "2,0": "b" });
    expect(originsB).toContain(PERSISTENCE_ORIGIN);

    // A still holds version 1: stale, so it merges and receives B's edit.
    await set(onA, "3,0", "a2");
    await a.settled(2);
    expect(a.recording.calls[1]).toEqual({ base: 1, version: 3, merged: true, lost: false });
    expect(terrain(docA)).toEqual({ "1,0": "a", "2,0": "b", "3,0": "a2" });

    // Nobody stored since: A's next store is fast.
    await set(onA, "4,0", "a3");
    await a.settled(3);
    expect(a.recording.calls[2]).toEqual({ base: 3, version: 4, merged: false, lost: false });

    // Both write one key: each instance ends with the row's Yjs winner.
    await set(onB, "0,0", "from B");
    await b.settled(2);
    expect(b.recording.calls[1]).toEqual({ base: 2, version: 5, merged: true, lost: false });
    await set(onA, "0,0", "from A");
    await a.settled(4);
    expect(a.recording.calls[3]).toEqual({ base: 4, version: 6, merged: true, lost: false });
    await set(onB, "5,0", "b2");
    await b.settled(3);

    const stored = await new PostgresDocumentStore(t.db.pool).fetch(name);
    expect(stored?.version).toBe(7);
    expect(terrain(docB)).toEqual(terrainOf(stored!.state));
    expect(Object.keys(terrainOf(stored!.state)).sort()).toEqual(["0,0", "1,0", "2,0", "3,0", "4,0", "5,0"]);
    // A lacks only B's last edit (stored after A's last store); the winner of "0,0" is the same on both.
    expect(terrain(docA)["0,0"]).toBe(terrain(docB)["0,0"]);

    // Applying `merged` changed the documents but scheduled no further store: nothing loops.
    const counts = [a.recording.calls.length, b.recording.calls.length];
    await delay(300);
    expect([a.recording.calls.length, b.recording.calls.length]).toEqual(counts);
    expect(a.persistence.unstoredDocuments(a.hocuspocus.documents)).toEqual([]);
    expect(b.persistence.unstoredDocuments(b.hocuspocus.documents)).toEqual([]);
  });

  it("[DUR2] a store whose answer was lost is retried with the old base, merges (nothing lost), and the next one is fast", async () => {
    const a = start();
    const name = `doc-${randomBytes(4).toString("hex")}`;
    const conn = await a.open(name);
    await set(conn, "0,0", "first");
    await a.settled(1);

    a.recording.loseAnswers = 1;
    await set(conn, "1,0", "answer lost");
    await a.settled(3);
    expect(a.recording.calls.slice(1)).toEqual([
      { base: 1, version: 2, merged: false, lost: true }, // committed, but the caller saw an error
      { base: 1, version: 3, merged: true, lost: false }, // the retry: version 1 is stale, so it merges
    ]);
    expect(a.persistence.retrying.stats.recoveredStores).toBe(1);

    await set(conn, "2,0", "then");
    await a.settled(4);
    expect(a.recording.calls[3]).toEqual({ base: 3, version: 4, merged: false, lost: false });
    const stored = await new PostgresDocumentStore(t.db.pool).fetch(name);
    expect(terrainOf(stored!.state)).toEqual({ "0,0": "first", "1,0": "answer lost", "2,0": "then" });
  });
});
