import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { startApp, type App, type StartOptions } from "../../src/app.ts";

/** Where the app under test keeps its data. */
export type StoreKind = "pglite" | "postgres";

export const TEST_PG_ADMIN_URL = process.env["TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

/** A database for one app under test: a temp PGlite dir, or a fresh Postgres database. Survives app restarts. */
export interface TestStore {
  kind: StoreKind;
  options: Pick<StartOptions, "dataDir" | "databaseUrl">;
  cleanup(): Promise<void>;
}

export async function createTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === "pglite") {
    const dir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-test-"));
    return { kind, options: { dataDir: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  const name = `hexcrawl_app_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-test-"));
  return {
    kind,
    options: { databaseUrl: url.toString(), dataDir },
    cleanup: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Is the real Postgres reachable? */
export async function postgresReachable(url = TEST_PG_ADMIN_URL): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * The stores an integration suite runs against: PGlite always; real Postgres when reachable.
 * Unreachable Postgres is a skip with a reason locally and a failure in CI (CI=true).
 */
export async function storeKinds(): Promise<{ kinds: StoreKind[]; skipped: string | null }> {
  if (await postgresReachable()) return { kinds: ["pglite", "postgres"], skipped: null };
  if (process.env["CI"] === "true") throw new Error(`CI=true but Postgres is unreachable at ${TEST_PG_ADMIN_URL}`);
  return { kinds: ["pglite"], skipped: `Postgres unreachable at ${TEST_PG_ADMIN_URL}` };
}

/** Start the app on port 0 against a test store, with short store debounce. */
export async function startTestApp(store: TestStore, extra: StartOptions = {}): Promise<App> {
  return startApp({
    port: 0,
    host: "127.0.0.1",
    clientDir: path.join(os.tmpdir(), "hexcrawl-no-client"),
    storeDebounceMs: 50,
    verifyAnswers: true,
    storeMaxDebounceMs: 200,
    authSecret: "test-secret-test-secret-test-secret-0123456789",
    signUpsPerMinute: 1000,
    ...store.options,
    ...extra,
  });
}

/**
 * One app on a fresh test store for the enclosing suite: the store is created and the app started in a `beforeAll`,
 * the app closed and the store dropped in an `afterAll` (after the suite's own after-hooks registered later, which
 * run first). Read `suite.app` and `suite.store` in tests and in hooks registered after this call.
 */
export function useTestApp(kind: StoreKind, extra: StartOptions = {}): { readonly app: App; readonly store: TestStore } {
  let app: App | undefined;
  let store: TestStore | undefined;
  beforeAll(async () => {
    store = await createTestStore(kind);
    app = await startTestApp(store, extra);
  });
  afterAll(async () => {
    await app?.close();
    await store?.cleanup();
  });
  return {
    get app(): App {
      if (!app) throw new Error("useTestApp: the app is started in beforeAll; read it in a test or a later hook");
      return app;
    },
    get store(): TestStore {
      if (!store) throw new Error("useTestApp: the store is created in beforeAll; read it in a test or a later hook");
      return store;
    },
  };
}

export const REDIS_URL = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** Is Redis answering PING at `url`? Raw RESP over a socket, so the check needs no client library. */
export function redisReachable(url = REDIS_URL): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(u.port || 6379), u.hostname);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}
