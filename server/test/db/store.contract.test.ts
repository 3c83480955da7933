import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import pg from "pg";
import * as Y from "yjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getMigrations } from "better-auth/db/migration";
import { betterAuth } from "better-auth";
import { createTestDatabase, describeEachStore, type StoreKind, type TestDatabase } from "../support/databases.ts";
import { openDatabase, DataDirLockedError } from "../../src/db/Database.ts";
import { DATA_DIR_LOCK_FILE } from "../../src/db/dataDirLock.ts";
import { loadMigrations, migrate } from "../../src/db/migrate.ts";
import { PostgresDocumentStore, CompactMode, applyStored, type JournalEntry, type StoredDocument } from "../../src/db/DocumentStore.ts";
import { JournalStoppedError, UpdateJournal } from "../../src/collab/UpdateJournal.ts";
import * as repos from "../../src/db/repos.ts";

/** Insert a user row directly (better-auth's table); the repos only reference users. */
async function createUser(pool: pg.Pool, name = "User"): Promise<string> {
  const id = randomBytes(8).toString("hex");
  await pool.query(`insert into "user" (id, name, email, "emailVerified") values ($1, $2, $3, false)`, [
    id,
    name,
    `${id}@example.test`,
  ]);
  return id;
}

/** A Yjs update setting `map[key] = value` on a fresh doc with its own client id. */
function updateSetting(key: string, value: string, base?: Uint8Array): Uint8Array {
  const doc = new Y.Doc();
  if (base) Y.applyUpdate(doc, base);
  doc.getMap("terrain").set(key, value);
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}

/** The terrain map of a Yjs update, or of everything a fetch returned (row, then journal). */
function terrainOf(state: Uint8Array | StoredDocument | null | undefined): Record<string, unknown> {
  const doc = new Y.Doc();
  if (state instanceof Uint8Array) Y.applyUpdate(doc, state);
  else if (state) applyStored(doc, state);
  const json = doc.getMap("terrain").toJSON();
  doc.destroy();
  return json;
}

/** A second, independent pool on the same database — or the same pool on PGlite (it allows one session). */
function secondPool(t: TestDatabase): { pool: pg.Pool; end(): Promise<void> } {
  if (t.url) {
    const pool = new pg.Pool({ connectionString: t.url, max: 4 });
    return { pool, end: () => pool.end() };
  }
  return { pool: t.db.pool, end: async () => undefined };
}

/** A pool whose `query` calls are counted: round trips, not time. */
function countingPool(pool: pg.Pool): { pool: pg.Pool; queries: string[] } {
  const queries: string[] = [];
  const counted = new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== "query") return Reflect.get(target, prop, receiver) as unknown;
      return (...args: Parameters<pg.Pool["query"]>) => {
        const text = args[0];
        queries.push(typeof text === "string" ? text : "(config)");
        return target.query(...args);
      };
    },
  });
  return { pool: counted, queries };
}

describeEachStore("storage contract", (kind: StoreKind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  describe("database", () => {
    it("[STORE1] the pool answers and reports its kind; PGlite's pool is capped at one connection", async () => {
      expect(t.db.kind).toBe(kind);
      const res = await t.db.pool.query<{ x: number }>("select $1::int as x", [41]);
      expect(res.rows[0]?.x).toBe(41);
      if (kind === "pglite") expect(t.db.pool.options.max).toBe(1);
    });

    it("[STORE1] the pool reconnects after its connection is destroyed", async () => {
      for (let i = 0; i < 5; i++) {
        const client = await t.db.pool.connect();
        await client.query("select 1");
        client.release(true); // destroy: the next checkout opens a new socket at once
        const res = await t.db.pool.query<{ n: number }>("select $1::int as n", [i]);
        expect(res.rows[0]?.n).toBe(i);
      }
    });

    it("[STORE1] a transaction's rollback on one pooled connection is invisible to later queries", async () => {
      const client = await t.db.pool.connect();
      await client.query("begin");
      await client.query("create table tx_probe (x int)");
      await client.query("rollback");
      client.release();
      const res = await t.db.pool.query("select to_regclass('tx_probe') as r");
      expect(res.rows[0]?.r).toBeNull();
    });
  });

  describe("migrations", () => {
    it("[STORE2] applies the numbered migrations in order and records each", async () => {
      const files = await loadMigrations();
      expect(files.map((m) => m.version)).toEqual([...files.map((m) => m.version)].sort((a, b) => a - b));
      const rows = await t.db.pool.query<{ version: number; name: string }>(
        "select version, name from schema_migrations order by version",
      );
      expect(rows.rows).toEqual(files.map((m) => ({ version: m.version, name: m.name })));
    });

    it("[STORE2] re-running migrate is a no-op", async () => {
      expect(await migrate(t.db.pool)).toEqual([]);
      expect(await migrate(t.db.pool)).toEqual([]);
    });

    it("[STORE2] concurrent migrate from two pools applies each migration once", async () => {
      const fresh = await createTestDatabase(kind, { migrate: false });
      const other = secondPool(fresh);
      try {
        const results = await Promise.all([migrate(fresh.db.pool), migrate(other.pool), migrate(fresh.db.pool)]);
        const all = results.flat().sort((a, b) => a - b);
        const versions = (await loadMigrations()).map((m) => m.version);
        expect(all).toEqual(versions); // each version applied by exactly one caller
        const count = await fresh.db.pool.query("select count(*)::int as n from schema_migrations");
        expect(count.rows[0]?.n).toBe(versions.length);
      } finally {
        await other.end();
        await fresh.cleanup();
      }
    });

    it("[STORE2] runs files in numeric order; a failing migration rolls back entirely; bad names are refused", async () => {
      const fresh = await createTestDatabase(kind, { migrate: false });
      const dir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-mig-"));
      try {
        // 010 depends on 002: it only succeeds if 002 ran first (lexical order would also hold; 2 < 10 numerically).
        await writeFile(path.join(dir, "010_b.sql"), "create table mig_b (a_id int references mig_a (id));");
        await writeFile(path.join(dir, "002_a.sql"), "create table mig_a (id int primary key);");
        expect(await migrate(fresh.db.pool, dir)).toEqual([2, 10]);
        await writeFile(path.join(dir, "011_bad.sql"), "create table mig_c (x int); select * from no_such_table;");
        await expect(migrate(fresh.db.pool, dir)).rejects.toThrow(/011_bad/);
        const c = await fresh.db.pool.query("select to_regclass('mig_c') as r");
        expect(c.rows[0]?.r).toBeNull(); // the DDL before the error was rolled back too
        const recorded = await fresh.db.pool.query<{ version: number }>("select version from schema_migrations order by 1");
        expect(recorded.rows.map((r) => r.version)).toEqual([2, 10]);
        await writeFile(path.join(dir, "12-typo.sql"), "select 1;");
        await expect(loadMigrations(dir)).rejects.toThrow(/NNN_name/);
      } finally {
        await rm(dir, { recursive: true, force: true });
        await fresh.cleanup();
      }
    });

    it("[STORE3] better-auth sees no missing schema", async () => {
      const { toBeCreated, toBeAdded } = await getMigrations({
        database: t.db.pool,
        emailAndPassword: { enabled: true },
        rateLimit: { enabled: true, storage: "database" },
        secret: "x".repeat(40),
        baseURL: "http://localhost:8080",
      });
      expect(toBeCreated).toEqual([]);
      expect(toBeAdded).toEqual([]);
    });
  });

  describe("better-auth on the pool", () => {
    it("[STORE3] sign-up, sign-in, session and the database rate limiter work on this pool without deadlock", async () => {
      const auth = betterAuth({
        database: t.db.pool,
        secret: "s".repeat(40),
        baseURL: "http://localhost:8080",
        basePath: "/api/auth",
        emailAndPassword: { enabled: true },
        rateLimit: { enabled: true, storage: "database", window: 60, max: 100 },
        telemetry: { enabled: false },
      });
      const email = `${randomBytes(6).toString("hex")}@example.test`;
      const post = (p: string, body: unknown) =>
        auth.handler(
          new Request(`http://localhost:8080/api/auth${p}`, {
            method: "POST",
            headers: { "content-type": "application/json", origin: "http://localhost:8080", "x-forwarded-for": "10.0.0.1" },
            body: JSON.stringify(body),
          }),
        );
      const up = await post("/sign-up/email", { email, password: "correct horse battery", name: "Ann" });
      expect(up.status).toBe(200);
      const inRes = await post("/sign-in/email", { email, password: "correct horse battery" });
      expect(inRes.status).toBe(200);
      const cookie = inRes.headers.get("set-cookie")?.split(";")[0] ?? "";
      const session = await auth.api.getSession({ headers: new Headers({ cookie }) });
      expect(session?.user.email).toBe(email);
      const users = await t.db.pool.query(`select name from "user" where email = $1`, [email]);
      expect(users.rows[0]?.name).toBe("Ann");
      const limits = await t.db.pool.query(`select count(*)::int as n from "rateLimit"`);
      expect(limits.rows[0]?.n).toBeGreaterThan(0);
    });
  });

  describe("DocumentStore", () => {
    it("[STORE4] fetch of a never-stored document is null", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      expect(await store.fetch(`doc-${randomBytes(4).toString("hex")}`)).toBeNull();
    });

    it("[STORE4] store then fetch round-trips the state", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const update = updateSetting("0,0", "forest");
      await store.store(name, update);
      const fetched = await store.fetch(name);
      expect(fetched?.state).toBeInstanceOf(Uint8Array);
      expect(fetched?.version).toBe(1);
      expect(terrainOf(fetched)).toEqual({ "0,0": "forest" });
    });

    it("[STORE4] an empty byte string is refused, not stored", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      await expect(store.store(name, new Uint8Array(0))).rejects.toThrow(/empty/);
      expect(await store.fetch(name)).toBeNull();
    });

    /**
     * Two instances (two pools) each hold a base plus their own edits and store their full states at the same
     * moment, 10 each; with `claimBase` every write claims the base's version as its own.
     */
    async function raceDivergentStores(compact: CompactMode, claimBase: boolean) {
      const other = secondPool(t);
      try {
        const a = new PostgresDocumentStore(t.db.pool, compact);
        const b = new PostgresDocumentStore(other.pool, compact);
        const name = `doc-${randomBytes(4).toString("hex")}`;
        const base = updateSetting("0,0", "plains");
        const { version } = await a.store(name, base);
        const claim = claimBase ? version : undefined;
        const writes: Promise<{ version: number; merged: Uint8Array | null }>[] = [];
        const expected: Record<string, string> = { "0,0": "plains" };
        for (let i = 0; i < 10; i++) {
          writes.push(a.store(name, updateSetting(`${i},1`, "a", base), claim));
          writes.push(b.store(name, updateSetting(`${i},2`, "b", base), claim));
          expected[`${i},1`] = "a";
          expected[`${i},2`] = "b";
        }
        const results = await Promise.all(writes);
        const stored = await a.fetch(name);
        if (!stored) throw new Error("the raced document has no row");
        return { results, stored, expected };
      } finally {
        await other.end();
      }
    }

    for (const compact of [CompactMode.merge, CompactMode.rebuild]) {
      it(`[STORE5] concurrent stores of divergent updates keep the union (${compact})`, async () => {
        const { stored, expected } = await raceDivergentStores(compact, false);
        expect(terrainOf(stored)).toEqual(expected);
      });
    }

    for (const compact of [CompactMode.merge, CompactMode.rebuild]) {
      it(`[STORE5] an update whose dependencies arrive later is kept until they do (${compact})`, async () => {
        const store = new PostgresDocumentStore(t.db.pool, compact);
        const name = `doc-${randomBytes(4).toString("hex")}`;
        const doc = new Y.Doc();
        doc.getMap("terrain").set("0,0", "forest");
        const first = Y.encodeStateAsUpdate(doc);
        const sv = Y.encodeStateVector(doc);
        doc.getMap("terrain").set("0,0", "desert");
        doc.getMap("terrain").set("5,5", "tundra");
        const second = Y.encodeStateAsUpdate(doc, sv); // depends on `first`
        doc.destroy();
        await store.store(name, second);
        await store.store(name, first);
        expect(terrainOf(await store.fetch(name))).toEqual({ "0,0": "desert", "5,5": "tundra" });
      });
    }

    it("[STORE5] storing an older state after a newer one loses nothing", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const v1 = updateSetting("0,0", "hills");
      const v2 = updateSetting("1,0", "swamp", v1);
      await store.store(name, v2);
      await store.store(name, v1); // a late save from an instance that missed v2
      expect(terrainOf(await store.fetch(name))).toEqual({ "0,0": "hills", "1,0": "swamp" });
    });

    it("[STORE5] a new document is inserted as version 1; fetch returns the version", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      expect(await store.store(name, updateSetting("0,0", "forest"))).toEqual({ version: 1, merged: null });
      const fetched = await store.fetch(name);
      expect(fetched?.version).toBe(1);
      // A base for a row that does not exist (yet) is no reason to refuse: the update is inserted.
      const other = `doc-${randomBytes(4).toString("hex")}`;
      expect(await store.store(other, updateSetting("0,0", "x"), 7)).toEqual({ version: 1, merged: null });
    });

    it("[STORE5] a store whose base is the stored version replaces the row without merging and bumps the version", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const v1 = updateSetting("0,0", "hills");
      const first = await store.store(name, v1);
      const v2 = updateSetting("1,0", "swamp", v1); // contains v1, as the base asserts
      expect(await store.store(name, v2, first.version)).toEqual({ version: 2, merged: null });
      expect(await store.fetch(name)).toEqual({ state: new Uint8Array(v2), version: 2, journal: [] }); // byte for byte: no merge
      // Proof that nothing was merged: an update breaking the promise (it lacks the stored content) replaces it.
      const unrelated = updateSetting("9,9", "void");
      expect(await store.store(name, unrelated, 2)).toEqual({ version: 3, merged: null });
      expect(terrainOf(await store.fetch(name))).toEqual({ "9,9": "void" });
    });

    for (const compact of [CompactMode.merge, CompactMode.rebuild]) {
      it(`[STORE5] a stale base merges: the union is kept and returned (${compact})`, async () => {
        const store = new PostgresDocumentStore(t.db.pool, compact);
        const name = `doc-${randomBytes(4).toString("hex")}`;
        const base = updateSetting("0,0", "plains");
        const first = await store.store(name, base);
        // Another writer stores after `first`: the version moves on.
        const theirs = updateSetting("1,0", "theirs", base);
        expect(await store.store(name, theirs, first.version)).toEqual({ version: 2, merged: null });
        // We still hold version 1 and our own edit: the store must not replace theirs.
        const ours = updateSetting("2,0", "ours", base);
        const result = await store.store(name, ours, first.version);
        expect(result.version).toBe(3);
        const union = { "0,0": "plains", "1,0": "theirs", "2,0": "ours" };
        expect(terrainOf(result.merged!)).toEqual(union);
        expect(terrainOf(await store.fetch(name))).toEqual(union);
        // Applying `merged` to our document makes it contain the stored state again: the next store is fast.
        const doc = new Y.Doc();
        Y.applyUpdate(doc, ours);
        Y.applyUpdate(doc, result.merged!);
        doc.getMap("terrain").set("3,0", "later");
        expect(await store.store(name, Y.encodeStateAsUpdate(doc), result.version)).toEqual({ version: 4, merged: null });
        expect(terrainOf(await store.fetch(name))).toEqual({ ...union, "3,0": "later" });
        doc.destroy();
      });
    }

    it("[STORE5] a store without a base merges into an existing row and returns the merge", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      await store.store(name, updateSetting("0,0", "a"));
      const result = await store.store(name, updateSetting("1,1", "b"));
      expect(result.version).toBe(2);
      expect(terrainOf(result.merged!)).toEqual({ "0,0": "a", "1,1": "b" });
      expect(await store.fetch(name)).toEqual({ state: result.merged, version: 2, journal: [] });
    });

    for (const compact of [CompactMode.merge, CompactMode.rebuild]) {
      it(`[STORE5] concurrent stores of divergent states with one stale base keep the union (${compact})`, async () => {
        // Every writer claims the base (version 1): at most one write can be a replacement, every other one finds
        // the version moved on and merges.
        const { results, stored, expected } = await raceDivergentStores(compact, true);
        expect(results.filter((r) => r.merged === null).length).toBeLessThanOrEqual(1);
        expect(results.map((r) => r.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
        expect(stored.version).toBe(21);
        expect(terrainOf(stored)).toEqual(expected);
      });
    }

    it("[STORE5] a write that does not set the version (older code, a manual fix) still bumps it", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const base = updateSetting("0,0", "plains");
      // A row written the way code before migration 006 wrote: no version column in the insert or the update.
      await t.db.pool.query("insert into document (name, state) values ($1, $2)", [name, Buffer.from(base)]);
      expect((await store.fetch(name))?.version).toBe(0);
      const theirs = updateSetting("1,0", "old code", base);
      await t.db.pool.query("update document set state = $2, updated_at = now() where name = $1", [name, Buffer.from(theirs)]);
      expect((await store.fetch(name))?.version).toBe(1);
      // A holder of version 0 merges instead of replacing the old instance's write.
      const result = await store.store(name, updateSetting("2,0", "new code", base), 0);
      expect(result.version).toBe(2);
      expect(result.merged).not.toBeNull();
      expect(terrainOf(await store.fetch(name))).toEqual({ "0,0": "plains", "1,0": "old code", "2,0": "new code" });
    });

    it("[STORE6] fetch throws when the document table is unreadable — never null", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      await store.store(name, updateSetting("0,0", "x"));
      await t.db.pool.query("alter table document rename to document_hidden");
      try {
        await expect(store.fetch(name)).rejects.toThrow();
        await expect(store.fetch("never-stored")).rejects.toThrow();
        await expect(store.store(name, updateSetting("1,1", "y"))).rejects.toThrow();
      } finally {
        await t.db.pool.query("alter table document_hidden rename to document");
      }
      expect(terrainOf(await store.fetch(name))).toEqual({ "0,0": "x" });
    });

    it("[STORE6] fetch throws on an ended pool — never null", async () => {
      const fresh = await createTestDatabase(kind, { migrate: false });
      const store = new PostgresDocumentStore(fresh.db.pool);
      await fresh.db.close();
      try {
        await expect(store.fetch("anything")).rejects.toThrow();
      } finally {
        await fresh.cleanup();
      }
    });
  });

  describe("grouped fast-path stores", () => {
    it("[STORE14] fast-path stores of one moment share one statement; each row gets its own bytes and version", async () => {
      const counted = countingPool(t.db.pool);
      const store = new PostgresDocumentStore(counted.pool);
      const names = Array.from({ length: 40 }, (_, i) => `doc-${randomBytes(4).toString("hex")}-${i}`);
      const firsts = await Promise.all(names.map((n, i) => store.store(n, updateSetting(`${i},0`, "plains"))));
      expect(firsts.every((r) => r.version === 1)).toBe(true);
      // Another writer stores doc 7 meanwhile: its base is stale, so it merges; the rest replace.
      await store.store(names[7]!, updateSetting("99,0", "theirs"));
      counted.queries.length = 0;
      const seconds = names.map((_, i) => {
        const doc = new Y.Doc();
        doc.getMap("terrain").set(`${i},0`, "plains");
        doc.getMap("terrain").set(`${i},1`, "hills");
        const update = Y.encodeStateAsUpdate(doc);
        doc.destroy();
        return update;
      });
      const results = await Promise.all(names.map((n, i) => store.store(n, seconds[i]!, 1)));
      // One statement for the 40 (doc 7 then merges in its own transaction, on a pooled client).
      expect(counted.queries.filter((q) => q.includes("update document")).length).toBe(1);
      expect(store.replaced.stats).toEqual({ batches: 1, stores: 40 });
      for (const [i, n] of names.entries()) {
        if (i === 7) {
          expect(results[i]!.version).toBe(3);
          expect(terrainOf(results[i]!.merged!)).toEqual({ "7,0": "plains", "7,1": "hills", "99,0": "theirs" });
          continue;
        }
        expect(results[i]).toEqual({ version: 2, merged: null });
        expect(await store.fetch(n)).toEqual({ state: new Uint8Array(seconds[i]!), version: 2, journal: [] });
      }
    });

    it("[STORE14] two stores of one document in one moment go in two statements: one replaces, the other merges", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const base = updateSetting("0,0", "plains");
      await store.store(name, base);
      const batchesBefore = store.replaced.stats.batches;
      const [a, b] = await Promise.all([store.store(name, updateSetting("1,0", "a", base), 1), store.store(name, updateSetting("2,0", "b", base), 1)]);
      expect(store.replaced.stats.batches - batchesBefore).toBe(2);
      expect(a).toEqual({ version: 2, merged: null });
      expect(b.version).toBe(3);
      const union = { "0,0": "plains", "1,0": "a", "2,0": "b" };
      expect(terrainOf(b.merged!)).toEqual(union);
      expect(terrainOf(await store.fetch(name))).toEqual(union);
    });

    it("[STORE14] a failed statement rejects every store in it; nothing is written; the next moment's stores go through", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const names = [0, 1, 2].map((i) => `doc-${randomBytes(4).toString("hex")}-${i}`);
      await Promise.all(names.map((n, i) => store.store(n, updateSetting(`${i},0`, "x"))));
      await t.db.pool.query("alter table document rename to document_hidden");
      try {
        const failed = await Promise.allSettled(names.map((n, i) => store.store(n, updateSetting(`${i},0`, "y"), 1)));
        expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
      } finally {
        await t.db.pool.query("alter table document_hidden rename to document");
      }
      for (const [i, n] of names.entries()) expect(terrainOf(await store.fetch(n))).toEqual({ [`${i},0`]: "x" });
      const again = await Promise.all(names.map((n, i) => store.store(n, updateSetting(`${i},0`, "z"), 1)));
      expect(again.map((r) => r.version)).toEqual([2, 2, 2]);
    });
  });

  describe("update journal", () => {
    const appendsIn = (queries: string[]) => queries.filter((q) => q.startsWith("insert into document_journal")).length;
    const key = (seq: number, writer = "00000000-0000-4000-8000-000000000001") => ({ writer, seq });

    it("[STORE13] fetch merges the row with the document's journal entries; entries alone are a document too", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const base = updateSetting("0,0", "plains");
      const a = updateSetting("1,0", "a", base);
      const b = updateSetting("2,0", "b", base);
      // No row yet: the journal alone is the document (version null).
      await store.append([{ name, key: key(1), update: a }]);
      const onlyJournal = await store.fetch(name);
      expect(onlyJournal?.version).toBeNull();
      expect(onlyJournal?.state).toBeNull();
      expect(onlyJournal?.journal).toEqual([{ key: key(1), update: a }]);
      expect(terrainOf(onlyJournal)).toEqual({ "0,0": "plains", "1,0": "a" });
      // A row and two entries (one of another writer): the union, with the row's version.
      await store.store(name, base);
      await store.append([{ name, key: key(1, "00000000-0000-4000-8000-000000000002"), update: b }]);
      const both = await store.fetch(name);
      expect(both?.version).toBe(1);
      expect(both?.journal.map((j) => j.key.seq).sort()).toEqual([1, 1]);
      expect(terrainOf(both)).toEqual({ "0,0": "plains", "1,0": "a", "2,0": "b" });
      // Another document's entries are not mixed in.
      expect(await store.fetch(`${name}-other`)).toBeNull();
    });

    it("[STORE13] journal entries come back in the order they were appended, across writers and batches", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const w1 = "00000000-0000-4000-8000-0000000000a1";
      const w2 = "00000000-0000-4000-8000-0000000000a2";
      // A chain of edits, each depending on the one before, appended alternately by two writers.
      const doc = new Y.Doc();
      const chain: JournalEntry[] = [];
      for (let i = 0; i < 6; i++) {
        const sv = Y.encodeStateVector(doc);
        doc.getMap("terrain").set("0,0", `v${i}`);
        chain.push({ name, key: key(10 - i, i % 2 === 0 ? w1 : w2), update: Y.encodeStateAsUpdate(doc, sv) });
      }
      await store.append(chain.slice(0, 2));
      for (const e of chain.slice(2)) await store.append([e]);
      const stored = await store.fetch(name);
      expect(stored?.journal.map((e) => e.key)).toEqual(chain.map((e) => e.key));
      expect(terrainOf(stored)).toEqual({ "0,0": "v5" });
    });

    it("[STORE13] an append retried with the same keys writes nothing twice; forget deletes exactly the given keys", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const entries: JournalEntry[] = [1, 2, 3].map((i) => ({ name, key: key(i), update: updateSetting(`${i},0`, `v${i}`) }));
      await store.append(entries);
      await store.append(entries); // the retry of an append whose answer was lost
      const count = await t.db.pool.query("select count(*)::int as n from document_journal where name = $1", [name]);
      expect(count.rows[0]?.n).toBe(3);
      await store.append([{ name: `${name}-b`, key: key(1), update: updateSetting("9,9", "b") }]);
      await store.forget(name, [key(1), key(3), key(99)]);
      expect((await store.fetch(name))?.journal.map((j) => j.key)).toEqual([key(2)]);
      expect((await store.fetch(`${name}-b`))?.journal.map((j) => j.key)).toEqual([key(1)]);
      await expect(store.append([{ name, key: key(7), update: new Uint8Array(0) }])).rejects.toThrow(/empty/);
    });

    it("[STORE6] fetch throws when the journal table is unreadable — never the row alone", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      const name = `doc-${randomBytes(4).toString("hex")}`;
      await store.store(name, updateSetting("0,0", "x"));
      await t.db.pool.query("alter table document_journal rename to document_journal_hidden");
      try {
        await expect(store.fetch(name)).rejects.toThrow();
        await expect(store.append([{ name, key: key(1), update: updateSetting("1,1", "y") }])).rejects.toThrow();
      } finally {
        await t.db.pool.query("alter table document_journal_hidden rename to document_journal");
      }
    });

    it("[DUR10] group commit: concurrent appends share one statement; appends arriving during a write share the next", async () => {
      const { pool, queries } = countingPool(t.db.pool);
      const journal = new UpdateJournal(new PostgresDocumentStore(pool));
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const N = 50;
      const keys = await Promise.all(Array.from({ length: N }, (_, i) => journal.append(name, updateSetting(`${i},0`, `v${i}`))));
      expect(appendsIn(queries)).toBe(1);
      expect(new Set(keys.map((k) => k.seq)).size).toBe(N);
      // One append, and while its statement is on the wire N more: two statements for N + 1 appends.
      const first = journal.append(name, updateSetting("0,1", "first"));
      await new Promise((r) => setImmediate(r)); // the first batch has left
      const rest = Array.from({ length: N }, (_, i) => journal.append(name, updateSetting(`${i},2`, `w${i}`)));
      await Promise.all([first, ...rest]);
      expect(appendsIn(queries)).toBe(3);
      expect(journal.stats).toMatchObject({ appended: 2 * N + 1, batches: 3, failedAttempts: 0 });
      const stored = await new PostgresDocumentStore(t.db.pool).fetch(name);
      expect(stored?.journal).toHaveLength(2 * N + 1);
      expect(Object.keys(terrainOf(stored))).toHaveLength(2 * N + 1);
    });

    it("[DUR10] a failing append holds its callers, loses and reorders nothing, writes nothing twice, and lands when the database answers", async () => {
      const store = new PostgresDocumentStore(t.db.pool);
      let failuresLeft = 3;
      let loseAnswer = true;
      const batches: number[][] = [];
      // The real store behind a fault injector: three refused statements, then one that commits but whose answer is lost.
      const journal = new UpdateJournal(
        {
          append: async (entries) => {
            if (failuresLeft > 0) {
              failuresLeft -= 1;
              throw new Error("connection refused (simulated)");
            }
            batches.push(entries.map((e) => e.key.seq));
            await store.append(entries);
            if (loseAnswer) {
              loseAnswer = false;
              throw new Error("connection lost after commit (simulated)");
            }
          },
        },
        { initialDelayMs: 5, maxDelayMs: 20, factor: 2, jitterRatio: 0 },
      );
      const name = `doc-${randomBytes(4).toString("hex")}`;
      const settled: number[] = [];
      const waits = Array.from({ length: 20 }, (_, i) =>
        journal.append(name, updateSetting(`${i},0`, `v${i}`)).then((k) => {
          settled.push(k.seq);
        }),
      );
      await new Promise((r) => setTimeout(r, 10));
      expect(settled).toEqual([]); // held while the database refuses
      const later = Array.from({ length: 5 }, (_, i) =>
        journal.append(name, updateSetting(`${i},9`, `late${i}`)).then((k) => {
          settled.push(k.seq);
        }),
      );
      await Promise.all([...waits, ...later]);
      // Callers are answered in append order; every attempt sent the oldest entries first.
      expect(settled).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      for (const b of batches) expect(b).toEqual(Array.from({ length: b.length }, (_, i) => (b[0] ?? 0) + i));
      expect(journal.stats.failedAttempts).toBe(4);
      const rows = await t.db.pool.query("select count(*)::int as n from document_journal where name = $1", [name]);
      expect(rows.rows[0]?.n).toBe(25);
    });

    it("[DUR10] stop() rejects the appends still waiting, and every later one", async () => {
      const journal = new UpdateJournal(
        { append: () => Promise.reject(new Error("down (simulated)")) },
        { initialDelayMs: 5, maxDelayMs: 10, factor: 2, jitterRatio: 0 },
      );
      const waiting = journal.append("doc", updateSetting("0,0", "x"));
      await new Promise((r) => setTimeout(r, 20));
      journal.stop();
      await expect(waiting).rejects.toBeInstanceOf(JournalStoppedError);
      await expect(journal.append("doc", updateSetting("1,0", "y"))).rejects.toBeInstanceOf(JournalStoppedError);
    });
  });

  describe("campaigns and members", () => {
    it("[STORE7] createCampaign makes the creator owner, in the same transaction", async () => {
      const owner = await createUser(t.db.pool, "Olga");
      const campaign = await repos.createCampaign(t.db.pool, owner, "The Marches");
      expect(campaign.id).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(campaign).toMatchObject({ name: "The Marches", createdBy: owner, role: "owner" });
      expect(await repos.getMembership(t.db.pool, campaign.id, owner)).toBe("owner");
      expect(await repos.getCampaign(t.db.pool, campaign.id)).toMatchObject({ id: campaign.id, name: "The Marches" });
      expect(await repos.getCampaign(t.db.pool, "nope")).toBeNull();
      // A creator that does not exist: nothing is left behind.
      await expect(repos.createCampaign(t.db.pool, "ghost-user", "Orphan")).rejects.toThrow();
      const orphans = await t.db.pool.query("select 1 from campaign where name = 'Orphan'");
      expect(orphans.rowCount).toBe(0);
    });

    it("[STORE7] listCampaignsForUser lists only the user's campaigns with their role", async () => {
      const u1 = await createUser(t.db.pool);
      const u2 = await createUser(t.db.pool);
      const c1 = await repos.createCampaign(t.db.pool, u1, "One");
      const c2 = await repos.createCampaign(t.db.pool, u2, "Two");
      const invite = await repos.createInvite(t.db.pool, c2.id, "player", u2, 60_000);
      expect(await repos.acceptInvite(t.db.pool, invite.code, u1)).toEqual({ ok: true, campaignId: c2.id, role: "player" });
      const list = await repos.listCampaignsForUser(t.db.pool, u1);
      expect(list.map((c) => [c.id, c.role]).sort()).toEqual([[c1.id, "owner"], [c2.id, "player"]].sort());
      expect(list[0]?.createdAt).toBeInstanceOf(Date);
      expect(await repos.listCampaignsForUser(t.db.pool, "nobody")).toEqual([]);
      expect(await repos.getMembership(t.db.pool, c1.id, u2)).toBeNull();
    });

    it("[STORE7] listMembers returns names and roles, owner first, no emails", async () => {
      const owner = await createUser(t.db.pool, "Owner");
      const dm = await createUser(t.db.pool, "Co-DM");
      const player = await createUser(t.db.pool, "Player");
      const c = await repos.createCampaign(t.db.pool, owner, "Members");
      await repos.acceptInvite(t.db.pool, (await repos.createInvite(t.db.pool, c.id, "player", owner, 60_000)).code, player);
      await repos.acceptInvite(t.db.pool, (await repos.createInvite(t.db.pool, c.id, "dm", owner, 60_000)).code, dm);
      const members = await repos.listMembers(t.db.pool, c.id);
      expect(members.map((m) => [m.name, m.role])).toEqual([
        ["Owner", "owner"],
        ["Co-DM", "dm"],
        ["Player", "player"],
      ]);
      expect(Object.keys(members[0]!).sort()).toEqual(["joinedAt", "name", "role", "userId"]);
    });
  });

  describe("invites", () => {
    async function setup() {
      const owner = await createUser(t.db.pool, "Owner");
      const campaign = await repos.createCampaign(t.db.pool, owner, "Invites");
      return { owner, campaign };
    }

    it("[STORE8] invite codes are long, url-safe and distinct; expiry is ttl from now", async () => {
      const { owner, campaign } = await setup();
      const before = Date.now();
      const a = await repos.createInvite(t.db.pool, campaign.id, "player", owner, 7 * 24 * 3600_000);
      const b = await repos.createInvite(t.db.pool, campaign.id, "player", owner, 7 * 24 * 3600_000);
      expect(a.code).toMatch(/^[A-Za-z0-9_-]{22,}$/); // >= 128 bits
      expect(a.code).not.toBe(b.code);
      const ttl = a.expiresAt.getTime() - before;
      expect(ttl).toBeGreaterThan(7 * 24 * 3600_000 - 60_000);
      expect(ttl).toBeLessThan(7 * 24 * 3600_000 + 60_000);
    });

    it("[STORE8] an invite is single-use", async () => {
      const { owner, campaign } = await setup();
      const p1 = await createUser(t.db.pool);
      const p2 = await createUser(t.db.pool);
      const { code } = await repos.createInvite(t.db.pool, campaign.id, "player", owner, 60_000);
      expect(await repos.acceptInvite(t.db.pool, code, p1)).toEqual({ ok: true, campaignId: campaign.id, role: "player" });
      expect(await repos.acceptInvite(t.db.pool, code, p2)).toEqual({ ok: false, code: "INVITE_USED" });
      expect(await repos.getMembership(t.db.pool, campaign.id, p2)).toBeNull();
      // The same user retrying their accept (lost response) gets success, not an error.
      expect(await repos.acceptInvite(t.db.pool, code, p1)).toEqual({ ok: true, campaignId: campaign.id, role: "player" });
    });

    it("[STORE8] an unknown or expired invite is refused", async () => {
      const { owner, campaign } = await setup();
      const p = await createUser(t.db.pool);
      expect(await repos.acceptInvite(t.db.pool, "no-such-code-000000000", p)).toEqual({ ok: false, code: "INVITE_NOT_FOUND" });
      const { code } = await repos.createInvite(t.db.pool, campaign.id, "player", owner, 1);
      // Expire it for sure without sleeping: move expiry into the past.
      await t.db.pool.query("update invite set expires_at = now() - interval '1 second' where code = $1", [code]);
      expect(await repos.acceptInvite(t.db.pool, code, p)).toEqual({ ok: false, code: "INVITE_EXPIRED" });
      expect(await repos.getMembership(t.db.pool, campaign.id, p)).toBeNull();
      await expect(repos.createInvite(t.db.pool, campaign.id, "player", owner, 0)).rejects.toThrow(RangeError);
    });

    it("[STORE8] of concurrent accepts of one invite exactly one wins", async () => {
      const { owner, campaign } = await setup();
      const users = await Promise.all([1, 2, 3, 4, 5].map(() => createUser(t.db.pool)));
      const { code } = await repos.createInvite(t.db.pool, campaign.id, "player", owner, 60_000);
      const other = secondPool(t);
      try {
        const results = await Promise.all(
          users.map((u, i) => repos.acceptInvite(i % 2 ? other.pool : t.db.pool, code, u)),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok).map((r) => (r.ok ? "" : r.code))).toEqual(Array(4).fill("INVITE_USED"));
        const members = await repos.listMembers(t.db.pool, campaign.id);
        expect(members).toHaveLength(2);
      } finally {
        await other.end();
      }
    });

    it("[STORE8] an existing member keeps the higher role; a lower-or-equal invite is not consumed", async () => {
      const { owner, campaign } = await setup();
      const p = await createUser(t.db.pool);
      const stranger = await createUser(t.db.pool);
      const asOwner = await repos.createInvite(t.db.pool, campaign.id, "dm", owner, 60_000);
      expect(await repos.acceptInvite(t.db.pool, asOwner.code, owner)).toEqual({ ok: false, code: "ALREADY_MEMBER" });
      expect(await repos.getMembership(t.db.pool, campaign.id, owner)).toBe("owner");
      // Not consumed: someone else can still use it.
      expect(await repos.acceptInvite(t.db.pool, asOwner.code, stranger)).toMatchObject({ ok: true, role: "dm" });

      const pInvite = await repos.createInvite(t.db.pool, campaign.id, "player", owner, 60_000);
      await repos.acceptInvite(t.db.pool, pInvite.code, p);
      const again = await repos.createInvite(t.db.pool, campaign.id, "player", owner, 60_000);
      expect(await repos.acceptInvite(t.db.pool, again.code, p)).toEqual({ ok: false, code: "ALREADY_MEMBER" });
      // A player accepting a DM invite is promoted, and the invite is consumed.
      const promote = await repos.createInvite(t.db.pool, campaign.id, "dm", owner, 60_000);
      expect(await repos.acceptInvite(t.db.pool, promote.code, p)).toEqual({ ok: true, campaignId: campaign.id, role: "dm" });
      expect(await repos.getMembership(t.db.pool, campaign.id, p)).toBe("dm");
      expect(await repos.acceptInvite(t.db.pool, promote.code, stranger)).toEqual({ ok: false, code: "INVITE_USED" });
    });
  });

  describe("game sessions", () => {
    async function campaign() {
      const owner = await createUser(t.db.pool);
      return (await repos.createCampaign(t.db.pool, owner, "Sessions")).id;
    }

    it("[STORE9] getCurrentSession creates one waiting session lazily, once even when called concurrently", async () => {
      const cid = await campaign();
      const other = secondPool(t);
      try {
        const sessions = await Promise.all([
          repos.getCurrentSession(t.db.pool, cid),
          repos.getCurrentSession(other.pool, cid),
          repos.getCurrentSession(t.db.pool, cid),
        ]);
        expect(new Set(sessions.map((s) => s.id)).size).toBe(1);
        expect(sessions[0]?.status).toBe("waiting");
        const count = await t.db.pool.query("select count(*)::int as n from game_session where campaign_id = $1", [cid]);
        expect(count.rows[0]?.n).toBe(1);
      } finally {
        await other.end();
      }
    });

    it("[STORE9] status changes are optimistic: only from the expected status", async () => {
      const cid = await campaign();
      const s = await repos.getCurrentSession(t.db.pool, cid);
      expect(await repos.setSessionStatus(t.db.pool, cid, "active", "paused")).toBeNull(); // it is waiting
      const active = await repos.setSessionStatus(t.db.pool, cid, "waiting", "active");
      expect(active).toMatchObject({ id: s.id, status: "active" });
      expect(await repos.setSessionStatus(t.db.pool, cid, "waiting", "active")).toBeNull(); // already moved on
      expect(await repos.setSessionStatus(t.db.pool, cid, "active", "paused")).toMatchObject({ status: "paused" });
      expect(await repos.setSessionStatus(t.db.pool, cid, "paused", "active")).toMatchObject({ status: "active" });
      expect(() => repos.isAllowedTransition("waiting", "paused")).not.toThrow();
      await expect(repos.setSessionStatus(t.db.pool, cid, "waiting", "paused")).rejects.toThrow(RangeError);
    });

    it("[STORE9] of two concurrent identical transitions exactly one succeeds", async () => {
      const cid = await campaign();
      await repos.getCurrentSession(t.db.pool, cid);
      const other = secondPool(t);
      try {
        const results = await Promise.all([
          repos.setSessionStatus(t.db.pool, cid, "waiting", "active"),
          repos.setSessionStatus(other.pool, cid, "waiting", "active"),
        ]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      } finally {
        await other.end();
      }
    });

    it("[STORE9] after end, the ended session stays current until a new one starts; one open session at most", async () => {
      const cid = await campaign();
      const first = await repos.getCurrentSession(t.db.pool, cid);
      expect(await repos.setSessionStatus(t.db.pool, cid, "waiting", "ended")).toMatchObject({ id: first.id, status: "ended" });
      expect(await repos.getCurrentSession(t.db.pool, cid)).toMatchObject({ id: first.id, status: "ended" });
      const second = await repos.setSessionStatus(t.db.pool, cid, "ended", "active");
      expect(second).toMatchObject({ status: "active" });
      expect(second?.id).not.toBe(first.id);
      expect(await repos.getCurrentSession(t.db.pool, cid)).toMatchObject({ id: second?.id });
      // An open session exists: starting another is refused (and the database forbids it regardless).
      expect(await repos.setSessionStatus(t.db.pool, cid, "ended", "active")).toBeNull();
      await expect(
        t.db.pool.query("insert into game_session (id, campaign_id, status) values ('dup', $1, 'waiting')", [cid]),
      ).rejects.toThrow();
    });
  });

  describe("session events", () => {
    it("[STORE10] appendEvent with the same event_key writes once", async () => {
      const owner = await createUser(t.db.pool);
      const cid = (await repos.createCampaign(t.db.pool, owner, "Events")).id;
      const session = await repos.getCurrentSession(t.db.pool, cid);
      const key = `${cid}:publish:${randomBytes(4).toString("hex")}`;
      const event = { campaignId: cid, sessionId: session.id, type: "publish", actorId: owner, payload: { hexes: ["0,0"] }, eventKey: key };
      const other = secondPool(t);
      try {
        const results = await Promise.all([repos.appendEvent(t.db.pool, event), repos.appendEvent(other.pool, event)]);
        expect(results.sort()).toEqual([false, true]);
      } finally {
        await other.end();
      }
      expect(await repos.appendEvent(t.db.pool, { campaignId: cid, type: "note" })).toBe(true);
      expect(await repos.appendEvent(t.db.pool, { campaignId: cid, type: "note" })).toBe(true); // no key: always written
      const events = await repos.listEvents(t.db.pool, cid);
      expect(events.map((e) => e.type)).toEqual(["publish", "note", "note"]);
      expect(events[0]).toMatchObject({ sessionId: session.id, actorId: owner, payload: { hexes: ["0,0"] }, eventKey: key });
      expect(events[1]).toMatchObject({ sessionId: null, actorId: null, payload: {} });
    });

    it("[STORE10] appendEvent with currentSession files the event under the session getCurrentSession returns", async () => {
      const owner = await createUser(t.db.pool);
      const cid = (await repos.createCampaign(t.db.pool, owner, "Current session")).id;
      const first = await repos.getCurrentSession(t.db.pool, cid);
      expect(await repos.appendEvent(t.db.pool, { campaignId: cid, type: "reveal" }, { currentSession: true })).toBe(true);
      // After the session ended and a new one started, events go to the new one (same order as getCurrentSession).
      await repos.setSessionStatus(t.db.pool, cid, first.status, "ended");
      const ended = await repos.getCurrentSession(t.db.pool, cid);
      expect(await repos.appendEvent(t.db.pool, { campaignId: cid, type: "hide" }, { currentSession: true })).toBe(true);
      const next = await repos.setSessionStatus(t.db.pool, cid, "ended", "active");
      expect(next?.id).not.toBe(first.id);
      expect(await repos.appendEvent(t.db.pool, { campaignId: cid, type: "publish" }, { currentSession: true })).toBe(true);
      // An explicit session id still wins.
      expect(await repos.appendEvent(t.db.pool, { campaignId: cid, sessionId: first.id, type: "note" }, { currentSession: true })).toBe(true);
      const events = await repos.listEvents(t.db.pool, cid);
      expect(events.map((e) => [e.type, e.sessionId])).toEqual([
        ["reveal", first.id],
        ["hide", ended.id],
        ["publish", next?.id],
        ["note", first.id],
      ]);
    });

    it("[STORE10] listEvents pages by id within one campaign and caps the limit at 500", async () => {
      const owner = await createUser(t.db.pool);
      const cid = (await repos.createCampaign(t.db.pool, owner, "Paging")).id;
      const otherCid = (await repos.createCampaign(t.db.pool, owner, "Other")).id;
      for (let i = 0; i < 7; i++) await repos.appendEvent(t.db.pool, { campaignId: cid, type: "e", payload: { i } });
      await repos.appendEvent(t.db.pool, { campaignId: otherCid, type: "elsewhere" });
      const page1 = await repos.listEvents(t.db.pool, cid, { limit: 3 });
      const page2 = await repos.listEvents(t.db.pool, cid, { afterId: page1.at(-1)?.id, limit: 3 });
      const page3 = await repos.listEvents(t.db.pool, cid, { afterId: page2.at(-1)?.id, limit: 3 });
      expect([...page1, ...page2, ...page3].map((e) => e.payload)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => ({ i })));
      expect(page1.every((e) => typeof e.id === "number")).toBe(true);
      const big = await repos.listEvents(t.db.pool, cid, { limit: 10_000 });
      expect(big).toHaveLength(7);
    });
  });
});

describe("embedded PGlite data directory", () => {
  const cleanups: (() => Promise<void>)[] = [];
  /** An initialized but closed PGlite data directory (copied from the template: no slow initdb). */
  async function closedDataDir(): Promise<string> {
    const t = await createTestDatabase("pglite", { migrate: false });
    cleanups.push(t.cleanup);
    await t.db.close();
    return t.dataDir!;
  }
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("[STORE11] a second opener of the same data directory is refused with a clear error", async () => {
    const t = await createTestDatabase("pglite");
    try {
      const err = await openDatabase({ dataDir: t.dataDir! }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirLockedError);
      expect((err as Error).message).toMatch(/in use by process \d+/);
      const lock = JSON.parse(await readFile(path.join(t.dataDir!, DATA_DIR_LOCK_FILE), "utf8")) as { pid: number };
      expect(lock.pid).toBe(process.pid);
      // The refused opener did not break the holder.
      expect((await t.db.pool.query("select 1 as x")).rows[0]?.x).toBe(1);
    } finally {
      await t.cleanup();
    }
  });

  it("[STORE11] a lock held by another live process is refused; a dead process's lock is taken over", async () => {
    const dir = await closedDataDir();
    // A live foreign process: a sleeping child.
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      const lockFile = path.join(dir, DATA_DIR_LOCK_FILE);
      const fake = (pid: number) =>
        JSON.stringify({ pid, hostname: os.hostname(), bootId: null, startTicks: null, createdAt: new Date().toISOString() });
      await writeFile(lockFile, fake(child.pid!));
      await expect(openDatabase({ dataDir: dir })).rejects.toThrow(DataDirLockedError);
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      // Now the recorded pid is dead: the lock is stale and is taken over.
      const db = await openDatabase({ dataDir: dir });
      try {
        const lock = JSON.parse(await readFile(lockFile, "utf8")) as { pid: number };
        expect(lock.pid).toBe(process.pid);
      } finally {
        await db.close();
      }
      // A lock left by an earlier incarnation with OUR pid (container restart) is stale too.
      await writeFile(lockFile, fake(process.pid));
      const again = await openDatabase({ dataDir: dir });
      await again.close();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("[STORE12] data persists across close and reopen of the same data directory; close releases the lock", async () => {
    const t = await createTestDatabase("pglite");
    try {
      const store = new PostgresDocumentStore(t.db.pool);
      await store.store("campaign:c1:dm", updateSetting("3,4", "mountain"));
      await t.db.close();
      const reopened = await openDatabase({ dataDir: t.dataDir! });
      try {
        expect(await migrate(reopened.pool)).toEqual([]);
        const fetched = await new PostgresDocumentStore(reopened.pool).fetch("campaign:c1:dm");
        expect(terrainOf(fetched)).toEqual({ "3,4": "mountain" });
      } finally {
        await reopened.close();
      }
    } finally {
      await t.cleanup();
    }
  });

  it("[STORE12] TCP transport works too (only when asked for explicitly: DATA2)", async () => {
    const dir = await closedDataDir();
    const db = await openDatabase({ dataDir: dir, pgliteTransport: "tcp" });
    try {
      expect((await db.pool.query("select 2 as x")).rows[0]?.x).toBe(2);
    } finally {
      await db.close();
    }
  });
});
