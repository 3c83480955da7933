import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  CONNECT_TIMEOUT_MS,
  QUERY_TIMEOUT_MS,
  openDatabase,
  type Database,
} from "../../src/db/Database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { PostgresDocumentStore } from "../../src/db/DocumentStore.ts";
import { RetryingStore, STORE_BACKOFF } from "../../src/collab/RetryingStore.ts";
import { createTestStore, type TestStore } from "../support/app.ts";
import { eventually } from "../support/http.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.ts";
import { missingServices } from "./support.ts";

const missing = await missingServices({ postgres: true });

/** Timers fire late under load, never early: slack on top of the bound for a busy CI machine. */
const TIMER_SLACK_MS = 3_000;
/** An operation on an unanswering database fails within this: a query timeout, or a connect timeout when it needed a new connection. */
const FAILURE_BOUND_MS = Math.max(QUERY_TIMEOUT_MS, CONNECT_TIMEOUT_MS) + TIMER_SLACK_MS;
/** After the database answers again, a retrying store lands within: an in-flight attempt's timeout + the backoff cap + one store. */
const RECOVERY_BOUND_MS = Math.max(QUERY_TIMEOUT_MS, CONNECT_TIMEOUT_MS) + STORE_BACKOFF.maxDelayMs + TIMER_SLACK_MS;

function update(key: string, value: string): { doc: Y.Doc; state: () => Uint8Array } {
  const doc = new Y.Doc();
  doc.getMap<string>("terrain").set(key, value);
  return { doc, state: () => Y.encodeStateAsUpdate(doc) };
}

/** Time until `p` settles, and its rejection (null when it resolved). */
async function timed(p: Promise<unknown>): Promise<{ ms: number; error: Error | null }> {
  const started = Date.now();
  try {
    await p;
    return { ms: Date.now() - started, error: null };
  } catch (err) {
    return { ms: Date.now() - started, error: err instanceof Error ? err : new Error(String(err)) };
  }
}

describe.skipIf(missing)("Postgres that accepts connections but never answers", () => {
  let store: TestStore;
  let proxy: TcpProxy;
  let db: Database;
  const poolErrors: string[] = [];

  beforeAll(async () => {
    store = await createTestStore("postgres");
    const directUrl = store.options.databaseUrl ?? "";
    proxy = await startTcpProxy(Number(new URL(directUrl).port || 5432));
    db = await openDatabase({
      databaseUrl: proxy.rewrite(directUrl),
      dataDir: store.options.dataDir ?? "",
      onPoolError: (err) => poolErrors.push(err.message),
    });
    await migrate(db.pool);
  });

  afterAll(async () => {
    proxy?.restore();
    await db?.close();
    await proxy?.close();
    await store?.cleanup();
  });

  it("[DUR7] fetch and store fail with a timeout within the bound; the retrying store lands once the database answers again", async () => {
    const docs = new PostgresDocumentStore(db.pool);
    const name = "campaign:hang:dm";
    const before = update("0,0", "before");
    const first = await docs.store(name, before.state());
    // Warm pool: several idle connections opened through the proxy, caught by the blackhole below.
    await Promise.all(Array.from({ length: 4 }, () => db.pool.query("select pg_sleep(0.05)")));

    proxy.blackhole();
    const retrying = new RetryingStore((n, s) => docs.store(n, s));
    const during = update("1,0", "during");
    // The retrying store the persistence extension uses, started in the blackhole; it must land after it.
    let landedAt = 0;
    const retried = retrying.store(name, () => ({ update: during.state() })).then(() => {
      landedAt = Date.now();
    });
    // In parallel: a plain read, a merge-store (no base: transaction — begin, insert, select for update, update,
    // commit) and a fast-path store (current base: one update statement).
    before.doc.getMap<string>("terrain").set("3,0", "lost too");
    const [fetchResult, storeResult, fastResult] = await Promise.all([
      timed(docs.fetch(name)),
      timed(docs.store(name, update("2,0", "lost").state())),
      timed(docs.store(name, before.state(), first.version)),
    ]);
    console.info(
      `[DUR7] blackhole: fetch failed after ${fetchResult.ms} ms (${fetchResult.error?.message}), ` +
        `merge-store failed after ${storeResult.ms} ms (${storeResult.error?.message}), ` +
        `fast-path store failed after ${fastResult.ms} ms (${fastResult.error?.message}); bound ${FAILURE_BOUND_MS} ms`,
    );
    for (const r of [fetchResult, storeResult, fastResult]) {
      expect(r.error?.message).toMatch(/timeout/i);
      expect(r.ms).toBeLessThan(FAILURE_BOUND_MS);
    }
    // The retrying store keeps trying while the database hangs (each attempt bounded, not one hung forever).
    await eventually(() => expect(retrying.stats.failedAttempts).toBeGreaterThanOrEqual(1), FAILURE_BOUND_MS);
    expect(landedAt).toBe(0);

    proxy.restore();
    const restoredAt = Date.now();
    await eventually(() => expect(landedAt).toBeGreaterThan(0), RECOVERY_BOUND_MS, 50);
    await retried;
    const recoveryMs = landedAt - restoredAt;
    console.info(
      `[DUR7] retrying store landed ${recoveryMs} ms after the database answered again ` +
        `(${retrying.stats.failedAttempts} failed attempts; bound ${RECOVERY_BOUND_MS} ms)`,
    );
    const stored = await docs.fetch(name);
    const check = new Y.Doc();
    Y.applyUpdate(check, stored?.state ?? new Uint8Array());
    expect(check.getMap("terrain").get("0,0")).toBe("before");
    expect(check.getMap("terrain").get("1,0")).toBe("during");
    // The pool works normally again, with every hung connection replaced.
    await expect(db.pool.query("select 1 as one")).resolves.toMatchObject({ rows: [{ one: 1 }] });
    retrying.stop();
  });
});
