import { randomBytes } from "node:crypto";
import pg from "pg";
import * as Y from "yjs";
import { Hocuspocus, Server, type DirectConnection, type Extension } from "@hocuspocus/server";
import { Database } from "@hocuspocus/extension-database";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, describeEachStore, type StoreKind, type TestDatabase } from "../support/databases.ts";
import { eventually } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";
import {
  PostgresDocumentStore,
  applyStored,
  type DocumentStore,
  type JournalEntry,
  type JournalKey,
  type StoredDocument,
  type StoreResult,
} from "../../src/db/DocumentStore.ts";
import { DocumentPersistence, PERSISTENCE_ORIGIN, createPersistence } from "../../src/collab/persistence.ts";
import { checkKnownClocks, checkUpdateV1 } from "../../src/collab/messageChecks.ts";

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

  private readonly inner: DocumentStore;

  constructor(inner: DocumentStore) {
    this.inner = inner;
  }

  fetch(name: string): Promise<StoredDocument | null> {
    return this.inner.fetch(name);
  }

  append(entries: JournalEntry[]): Promise<void> {
    return this.inner.append(entries);
  }

  forget(name: string, keys: JournalKey[]): Promise<void> {
    return this.inner.forget(name, keys);
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

/** The terrain map of a Yjs update, or of everything a fetch returned (row, then journal). */
function terrainOf(state: Uint8Array | StoredDocument | null | undefined): Record<string, unknown> {
  const doc = new Y.Doc();
  if (state instanceof Uint8Array) Y.applyUpdate(doc, state);
  else if (state) applyStored(doc, state);
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

  it("[PERS1] the extension is @hocuspocus/extension-database's Database: its hooks call our fetch and store", async () => {
    const a = start();
    expect(a.persistence).toBeInstanceOf(Database);
    const name = `doc-${randomBytes(4).toString("hex")}`;
    const fetched: string[] = [];
    const fetch = a.persistence.configuration.fetch;
    a.persistence.configuration.fetch = (data) => {
      fetched.push(data.documentName);
      return fetch(data);
    };
    const conn = await a.open(name);
    expect(fetched).toEqual([name]);
    await set(conn, "0,0", "via the library");
    await a.settled(1);
    // The library encoded the document and handed it to our store, which wrote it as is (first attempt, insert).
    const stored = await new PostgresDocumentStore(t.db.pool).fetch(name);
    expect(stored?.state).toEqual(new Uint8Array(Y.encodeStateAsUpdate(a.hocuspocus.documents.get(name)!)));
  });

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
    expect(terrainOf(stored)).toEqual(expected);

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
    expect(terrain(docB)).toEqual(terrainOf(stored));
    expect(Object.keys(terrainOf(stored)).sort()).toEqual(["0,0", "1,0", "2,0", "3,0", "4,0", "5,0"]);
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
    expect(terrainOf(stored)).toEqual({ "0,0": "first", "1,0": "answer lost", "2,0": "then" });
  });
});

/** A Hocuspocus server on port 0 persisting through `store` with the journal; `?campaign=ro` connects read-only. */
async function journalServer(store: DocumentStore, opts: { debounceMs: number; compactRows?: number }) {
  const [persistence, journalExtension] = createPersistence(store, {
    backoff: { initialDelayMs: 10, maxDelayMs: 50, factor: 2, jitterRatio: 0 },
    ...(opts.compactRows !== undefined ? { compactRows: opts.compactRows } : {}),
  });
  const readOnlyByParameter: Extension = {
    async onAuthenticate({ requestParameters, connectionConfig }) {
      if (requestParameters.get("campaign") === "ro") connectionConfig.readOnly = true;
    },
  };
  const server = new Server({
    port: 0,
    address: "127.0.0.1",
    quiet: true,
    stopOnSignals: false,
    debounce: opts.debounceMs,
    maxDebounce: opts.debounceMs,
    unloadImmediately: false,
    extensions: [readOnlyByParameter, persistence, journalExtension],
  });
  await server.listen();
  return { server, persistence, url: `http://127.0.0.1:${server.address.port}` };
}

/** Rows of a document's journal, straight from the database. */
async function journalRows(pool: pg.Pool, name: string): Promise<number> {
  const r = await pool.query("select count(*)::int as n from document_journal where name = $1", [name]);
  return (r.rows[0] as { n: number }).n;
}

describeEachStore("document persistence: the update journal", (kind: StoreKind) => {
  let t: TestDatabase;
  const cleanups: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await t?.cleanup();
  });

  async function start(opts: { debounceMs: number; compactRows?: number }, store: DocumentStore = new PostgresDocumentStore(t.db.pool)) {
    const s = await journalServer(store, opts);
    cleanups.push(() => s.server.destroy());
    return s;
  }
  /** Edit terrain `i,0` = `vi` and wait until the server acknowledged it (so it is in the journal). */
  async function editAcknowledged(c: TestClient, i: number): Promise<void> {
    c.doc.getMap("terrain").set(`${i},0`, `v${i}`);
    await eventually(() => expect(c.provider.unsyncedChanges).toBe(0));
  }
  function client(url: string, name: string, readOnly = false): TestClient {
    const c = connectClient(url, name, "", readOnly ? { campaignParam: "ro" } : {});
    cleanups.push(async () => c.destroy());
    return c;
  }

  it("[DUR9] an update is in the journal when its sender sees it acknowledged — long before the snapshot store", async () => {
    const s = await start({ debounceMs: 60_000 });
    const name = `doc-${randomBytes(4).toString("hex")}`;
    const c = client(s.url, name);
    expect(await c.ready).toBe(true);
    for (let i = 0; i < 5; i++) {
      await editAcknowledged(c, i);
      // Acknowledged: so it is in Postgres now (the row does not exist yet: the debounce is a minute).
      const stored = await new PostgresDocumentStore(t.db.pool).fetch(name);
      expect(stored?.version).toBeNull();
      expect(terrainOf(stored)[`${i},0`]).toBe(`v${i}`);
    }
    expect(await journalRows(t.db.pool, name)).toBe(5);
    expect(s.persistence.journal.stats.appended).toBe(5);
  });

  it("[DUR9] not journaled: read-only connections, awareness, server writes; [DUR14] journaled changes wait for a snapshot, a server write does not", async () => {
    const s = await start({ debounceMs: 100 });
    const name = `doc-${randomBytes(4).toString("hex")}`;
    const writer = client(s.url, name);
    const reader = client(s.url, name, true);
    expect(await writer.ready).toBe(true);
    expect(await reader.ready).toBe(true);
    writer.provider.setAwarenessField("cursor", { hex: "1,1" });
    reader.doc.getMap("terrain").set("9,9", "refused");
    writer.doc.getMap("terrain").set("0,0", "client");
    await eventually(() => expect(writer.provider.unsyncedChanges).toBe(0));
    expect(s.persistence.journal.stats.appended).toBe(1);
    // Only the journal holds the client's change: the debounced stores pass without writing a row (DUR14).
    await eventually(() => expect(s.persistence.stats.deferredStores).toBeGreaterThan(0));
    await new Promise((r) => setTimeout(r, 300));
    const deferred = await new PostgresDocumentStore(t.db.pool).fetch(name);
    expect(deferred?.state).toBeNull();
    expect(deferred?.journal).toHaveLength(1);
    expect(terrainOf(deferred)).toEqual({ "0,0": "client" });
    expect(s.persistence.unstoredDocuments(s.server.hocuspocus.documents)).toEqual([]);
    // A server write is in no journal: the debounced store writes the row (client and server changes) and deletes the
    // entry the row now holds.
    const server = await s.server.hocuspocus.openDirectConnection(name);
    await server.transact((doc) => doc.getMap("meta").set("by", "server"));
    await server.disconnect();
    await eventually(async () => {
      const stored = await new PostgresDocumentStore(t.db.pool).fetch(name);
      expect(stored?.journal).toEqual([]);
      expect(terrainOf(stored)).toEqual({ "0,0": "client" });
      expect(stored?.state).not.toBeNull();
    });
    expect(s.persistence.journal.stats.appended).toBe(1);
    expect(await journalRows(t.db.pool, name)).toBe(0);
  });

  it("[DUR14] a document only its clients edit is compacted when it unloads; until then the journal holds its changes", async () => {
    const s = await start({ debounceMs: 50 });
    const name = `doc-${randomBytes(4).toString("hex")}`;
    const c = client(s.url, name);
    expect(await c.ready).toBe(true);
    for (let i = 0; i < 5; i++) await editAcknowledged(c, i);
    await new Promise((r) => setTimeout(r, 300));
    expect(await journalRows(t.db.pool, name)).toBe(5);
    const before = await new PostgresDocumentStore(t.db.pool).fetch(name);
    expect(before?.state).toBeNull();
    expect(Object.keys(terrainOf(before))).toHaveLength(5);
    c.destroy();
    await eventually(() => expect(s.server.hocuspocus.documents.has(name)).toBe(false));
    const after = await new PostgresDocumentStore(t.db.pool).fetch(name);
    expect(after?.journal).toEqual([]);
    expect(after?.version).toBe(1);
    expect(Object.keys(terrainOf(after))).toHaveLength(5);
  });

  it("[DUR11] past JOURNAL_COMPACT_ROWS entries a document is compacted at once, not at the end of the debounce", async () => {
    const s = await start({ debounceMs: 60_000, compactRows: 10 });
    const name = `doc-${randomBytes(4).toString("hex")}`;
    const c = client(s.url, name);
    expect(await c.ready).toBe(true);
    for (let i = 0; i < 10; i++) await editAcknowledged(c, i);
    await eventually(async () => {
      const stored = await new PostgresDocumentStore(t.db.pool).fetch(name);
      expect(stored?.version).toBe(1);
      expect(stored?.journal).toEqual([]);
      expect(Object.keys(terrainOf(stored))).toHaveLength(10);
    });
  });

  it("[DUR9] a connection that closes with held updates keeps its document loaded until they are applied, even when a snapshot store finishes first", async () => {
    // The journal is down (appends fail) while snapshot stores work: the order in which the two recover after an
    // outage is not fixed, and Hocuspocus unloads a document after a store once no connection is open.
    let journalDown = true;
    const inner = new PostgresDocumentStore(t.db.pool);
    const gated: DocumentStore = {
      fetch: (n) => inner.fetch(n),
      store: (n, u, b) => inner.store(n, u, b),
      forget: (n, k) => inner.forget(n, k),
      append: (entries) => (journalDown ? Promise.reject(new Error("journal down (test)")) : inner.append(entries)),
    };
    const s = await start({ debounceMs: 50 }, gated);
    const name = `doc-${randomBytes(4).toString("hex")}`;
    const c = client(s.url, name);
    expect(await c.ready).toBe(true);
    for (let i = 0; i < 5; i++) c.doc.getMap("terrain").set(`${i},0`, `held ${i}`);
    await eventually(() => expect(s.persistence.journal.pending).toBe(1));
    c.destroy();
    // A change that is not the client's, stored by the snapshot store: the store finishes, no connection is open.
    const server = await s.server.hocuspocus.openDirectConnection(name);
    await server.transact((doc) => doc.getMap("meta").set("by", "server"));
    await server.disconnect();
    await eventually(async () => expect((await inner.fetch(name))?.version).toBeGreaterThanOrEqual(1));
    await delay(300);
    expect(s.server.hocuspocus.documents.has(name), "unloaded with held client updates").toBe(true);
    journalDown = false;
    // Every held update is applied to the loaded document, stored, and only then is the document unloaded.
    await eventually(() => expect(s.server.hocuspocus.documents.has(name)).toBe(false), 10_000);
    const stored = await inner.fetch(name);
    expect(terrainOf(stored)).toEqual(Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`${i},0`, `held ${i}`])));
  });

  it("[DUR13] a journal entry yjs throws on (it passed every check) is skipped at load: the document still opens, and the rest is kept", async () => {
    const { store, name, base, updates } = await rowAndEdits(t.db.pool, [
      ["1,0", "before"],
      ["2,0", "after"],
    ]);
    const [before, after] = updates as [Uint8Array, Uint8Array];
    // One item whose origin is itself: every inbound check passes it, yjs throws while integrating it.
    const poison = Uint8Array.from([1, 1, 2, 0, 168, 2, 0, 1, 119, 1, 120, 0]);
    expect(checkUpdateV1(poison)).toBeNull();
    expect(checkKnownClocks(base, poison)).toBeNull();
    expect(() => Y.applyUpdate(new Y.Doc(), poison)).toThrow();
    const writer = "00000000-0000-4000-8000-0000000000ee";
    await store.append([
      { name, key: { writer, seq: 1 }, update: before },
      { name, key: { writer, seq: 2 }, update: poison },
      { name, key: { writer, seq: 3 }, update: after },
    ]);
    const s = await start({ debounceMs: 100 });
    const c = client(s.url, name);
    expect(await c.ready).toBe(true);
    expect(terrain(c.doc)).toEqual({ "0,0": "row", "1,0": "before", "2,0": "after" });
    // Compacted when the document unloads (DUR14).
    c.destroy();
    await eventually(async () => {
      const stored = await store.fetch(name);
      expect(stored?.journal).toEqual([]);
      expect(terrainOf(stored)).toEqual({ "0,0": "row", "1,0": "before", "2,0": "after" });
    });
  });

  it("[DUR12] a load reads the row and the journal (left by a process that died), serves both, and compacts them", async () => {
    // Two entries of a writer that is gone, one of them depending on the other.
    const { store, name, updates } = await rowAndEdits(t.db.pool, [
      ["1,0", "journal 1"],
      ["1,0", "journal 2"],
    ]);
    const [e1, e2] = updates as [Uint8Array, Uint8Array];
    const writer = "00000000-0000-4000-8000-0000000000dd";
    await store.append([
      { name, key: { writer, seq: 2 }, update: e2 },
      { name, key: { writer, seq: 1 }, update: e1 },
    ]);
    const s = await start({ debounceMs: 100 });
    const c = client(s.url, name);
    expect(await c.ready).toBe(true);
    expect(terrain(c.doc)).toEqual({ "0,0": "row", "1,0": "journal 2" });
    // Compacted when the document unloads (DUR14).
    c.destroy();
    await eventually(async () => {
      const stored = await store.fetch(name);
      expect(stored?.journal).toEqual([]);
      expect(stored?.version).toBe(2);
      expect(terrainOf(stored)).toEqual({ "0,0": "row", "1,0": "journal 2" });
    });
  });
});

/**
 * A stored row holding terrain "0,0" = "row", and the updates of `edits` made on top of it, one each (not stored):
 * journal entries to append as a writer that is gone would have.
 */
async function rowAndEdits(pool: pg.Pool, edits: Array<[string, string]>) {
  const store = new PostgresDocumentStore(pool);
  const name = `doc-${randomBytes(4).toString("hex")}`;
  const base = new Y.Doc();
  base.getMap("terrain").set("0,0", "row");
  await store.store(name, Y.encodeStateAsUpdate(base));
  const updates = edits.map(([hex, value]) => {
    const sv = Y.encodeStateVector(base);
    base.getMap("terrain").set(hex, value);
    return Y.encodeStateAsUpdate(base, sv);
  });
  return { store, name, base, updates };
}
