import { cp, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { describe, it } from "vitest";
import { openDatabase, PGLITE_SUBDIR, type Database } from "../../src/db/Database.ts";
import { migrate } from "../../src/db/migrate.ts";

/** The stores the contract suite runs against. */
export const StoreKind = { pglite: "pglite", postgres: "postgres" } as const;
export type StoreKind = (typeof StoreKind)[keyof typeof StoreKind];

/** Admin connection used to create and drop throw-away databases. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const AVAILABILITY_TIMEOUT_MS = 3_000;

export interface TestDatabase {
  db: Database;
  /** Postgres only: connection string of the fresh database (for a second pool or a second server instance). */
  url?: string;
  /** PGlite only: the data directory (reopen it with openDatabase({ dataDir }) after db.close()). */
  dataDir?: string;
  /** Closes the database (if still open) and deletes it. Idempotent. */
  cleanup(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Run migrate() before returning. Default true. */
  migrate?: boolean;
}

/**
 * A fresh, empty database of the given kind.
 * - pglite: a new temp directory (copied from a per-process template: initdb takes seconds, a copy does not).
 * - postgres: a new database `hexcrawl_t_<random>` on TEST_DATABASE_URL's server, dropped WITH (FORCE) on cleanup.
 */
export async function createTestDatabase(kind: StoreKind, opts: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const result = kind === StoreKind.pglite ? await createPglite() : await createPostgres();
  if (opts.migrate ?? true) {
    try {
      await migrate(result.db.pool);
    } catch (err) {
      await result.cleanup();
      throw err;
    }
  }
  return result;
}

let templateDir: Promise<string> | null = null;

/**
 * An initialized, empty (unmigrated) PGlite data directory, shared by test processes and runs: initdb takes
 * ~6 s, a copy ~1 s. Keyed by PGlite's build (its dist entry's mtime and size) and the user id, built in a
 * private temp dir and renamed into place, so a half-built template is never used.
 */
function pgliteTemplate(): Promise<string> {
  templateDir ??= (async () => {
    const entry = await stat(fileURLToPath(import.meta.resolve("@electric-sql/pglite")));
    const key = `${Math.trunc(entry.mtimeMs)}-${entry.size}-${process.getuid?.() ?? "u"}`;
    const final = path.join(os.tmpdir(), `hexcrawl-pglite-template-${key}`);
    if (await exists(path.join(final, TEMPLATE_READY_FILE))) return final;
    const building = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-pglite-building-"));
    try {
      const db = await openDatabase({ dataDir: building });
      await db.close(); // a clean shutdown, so copies are consistent
      await writeFile(path.join(building, TEMPLATE_READY_FILE), "ok\n");
      await rename(building, final);
    } catch (err) {
      await rm(building, { recursive: true, force: true });
      // Another process renamed its template into place first: use that one.
      if (!(await exists(path.join(final, TEMPLATE_READY_FILE)))) throw err;
    }
    return final;
  })();
  return templateDir;
}

const TEMPLATE_READY_FILE = "template-ready";

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

async function createPglite(): Promise<TestDatabase> {
  const template = await pgliteTemplate();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-pglite-"));
  await cp(path.join(template, PGLITE_SUBDIR), path.join(dataDir, PGLITE_SUBDIR), { recursive: true });
  const db = await openDatabase({ dataDir });
  let done: Promise<void> | null = null;
  return {
    db,
    dataDir,
    cleanup: () =>
      (done ??= (async () => {
        await db.close();
        await rm(dataDir, { recursive: true, force: true });
      })()),
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const name = `hexcrawl_t_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ databaseUrl: url.toString(), dataDir: os.tmpdir() });
  let done: Promise<void> | null = null;
  return {
    db,
    url: url.toString(),
    cleanup: () =>
      (done ??= (async () => {
        await db.close();
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        try {
          // FORCE: a test that leaked a connection must not leave the database behind.
          await c.query(`drop database if exists ${name} with (force)`);
        } finally {
          await c.end();
        }
      })()),
  };
}

let availability: Promise<{ ok: true } | { ok: false; reason: string }> | null = null;

function checkPostgres(): Promise<{ ok: true } | { ok: false; reason: string }> {
  availability ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: AVAILABILITY_TIMEOUT_MS });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.query("select 1");
      return { ok: true as const };
    } catch (err) {
      return { ok: false as const, reason: (err as Error).message || String(err) };
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return availability;
}

/** True when TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) answers. Cached per process. */
export async function postgresAvailable(): Promise<boolean> {
  return (await checkPostgres()).ok;
}

/**
 * Register `fn`'s suite once per store: always for PGlite, and for Postgres when it is reachable.
 * Unreachable Postgres registers one skipped test whose title says why — or, with CI=true, a failing test.
 * `fn` receives the kind; it creates its databases itself (usually `createTestDatabase(kind)` in beforeAll).
 */
export function describeEachStore(title: string, fn: (kind: StoreKind) => void): void {
  describe(`${title} [pglite]`, () => fn(StoreKind.pglite));
  describe(`${title} [postgres]`, async () => {
    const status = await checkPostgres();
    if (status.ok) {
      fn(StoreKind.postgres);
      return;
    }
    const why = `Postgres unreachable at ${TEST_DATABASE_URL}: ${status.reason}`;
    if (process.env.CI === "true") {
      it(`requires Postgres in CI — ${why}`, () => {
        throw new Error(`${why} (CI=true: a missing service is a failure)`);
      });
    } else {
      it.skip(`skipped: ${why}`, () => undefined);
    }
  });
}
