import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { dmDocName } from "@hexcrawl/shared/docNames";
import type { StartOptions } from "../../src/app.ts";
import { defaultConfig } from "../../src/config.ts";
import { createTestStore, type TestStore } from "../support/app.ts";
import { HttpUser, eventually, uniqueEmail } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";
import { startChildServer, type ChildServer } from "./childServer.ts";
import { TEST_REDIS_URL, delay, missingKeys, missingServices, readStoredDoc } from "./support.ts";

const missing = await missingServices({ postgres: true });
const missingRedis = missing ?? (await missingServices({ redis: true }));

const EDIT_INTERVAL_MS = 20;
/** Kill after this long of continuous editing: past one maxDebounce store, inside the next. */
const KILL_AFTER_MS = 7_500;
/** The burst before a kill right after the acknowledgement: longer than the store debounce, so much is unstored. */
const BURST_MS = 3_000;
const OFFLINE_EDITS = 10;
const PRODUCTION = defaultConfig();
const DEFAULT_STORE_DEBOUNCE = { debounceMs: PRODUCTION.storeDebounceMs, maxDebounceMs: PRODUCTION.storeMaxDebounceMs };

/** A child server's options: production store debounce (config.ts defaults), so the loss window is the real one. */
function childOptions(store: TestStore, port: number, instanceName: string, extra: StartOptions = {}): StartOptions {
  return {
    ...store.options,
    port,
    host: "127.0.0.1",
    clientDir: path.join(os.tmpdir(), "hexcrawl-no-client"),
    authSecret: "test-secret-test-secret-test-secret-0123456789",
    signUpsPerMinute: 1000,
    storeDebounceMs: DEFAULT_STORE_DEBOUNCE.debounceMs,
    storeMaxDebounceMs: DEFAULT_STORE_DEBOUNCE.maxDebounceMs,
    instanceName,
    ...extra,
  };
}

/** Edits `count`-keyed terrain of `client` and remembers what it wrote. */
function editor(client: TestClient, prefix: string, column: number) {
  const terrain = client.doc.getMap<string>("terrain");
  const expected = new Map<string, string>();
  const editedAt: number[] = [];
  return {
    expected,
    editedAt,
    edit(label = prefix) {
      const key = `${editedAt.length},${column}`;
      const value = `${label}${editedAt.length}`;
      terrain.set(key, value);
      expected.set(key, value);
      editedAt.push(Date.now());
    },
  };
}

/** The client's count of updates the server has not acknowledged yet (SyncStatus). */
const unsynced = (client: TestClient) => client.provider.unsyncedChanges;

describe.skipIf(missing)("kill -9 of the server", () => {
  let store: TestStore;
  const servers: ChildServer[] = [];
  const clients: TestClient[] = [];

  beforeAll(async () => {
    store = await createTestStore("postgres");
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const s of servers.splice(0)) await s.kill9();
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  async function start(port: number, name: string, extra: StartOptions = {}): Promise<ChildServer> {
    const s = await startChildServer(childOptions(store, port, name, extra));
    servers.push(s);
    return s;
  }
  function connect(url: string, doc: string, cookie: string): TestClient {
    const c = connectClient(url, doc, cookie);
    clients.push(c);
    return c;
  }

  it("[DUR5] during a burst of DM edits: nothing acknowledged is lost, and after restart and resync from the client's kept copy every edit is in Postgres", async () => {
    let server = await start(0, "kill9-a");
    const port = server.port;
    const owner = await new HttpUser(server.url, uniqueEmail("owner")).signUp("Owner");
    const campaignId = await owner.createCampaign("Kill nine");
    const name = dmDocName(campaignId);

    // One client for the whole test: its Y.Doc keeps its state across the crash, as IndexedDB would.
    const client = connect(server.url, name, owner.cookie);
    expect(await client.ready).toBe(true);
    const dm = editor(client, "burst", 0);

    const start0 = Date.now();
    while (Date.now() - start0 < KILL_AFTER_MS) {
      dm.edit();
      await delay(EDIT_INTERVAL_MS);
    }
    // Edits the server acknowledged (SyncStatus) are all but the client's unsynced ones (counted per update).
    const unacked = unsynced(client);
    const killedAt = Date.now();
    await server.kill9();
    const sent = dm.editedAt.length;

    // What the server alone had stored when it died: everything acknowledged (DUR9), at most the unacknowledged rest.
    const lost = missingKeys(await readStoredDoc(store.options.databaseUrl ?? "", name), "terrain", dm.expected);
    const ackedLost = lost.filter((k) => Number(k.split(",")[0]) < sent - unacked);
    console.info(
      `[DUR5] debounce ${DEFAULT_STORE_DEBOUNCE.debounceMs}/${DEFAULT_STORE_DEBOUNCE.maxDebounceMs} ms: ${sent} edits in ${killedAt - start0} ms, ` +
        `${lost.length} not in Postgres at kill, ${unacked} unacknowledged, ${ackedLost.length} acknowledged ones lost`,
    );
    expect(ackedLost).toEqual([]);
    expect(lost.length).toBeLessThanOrEqual(unacked);

    // Offline edits while the server is down: kept by the client only.
    for (let i = 0; i < OFFLINE_EDITS; i++) dm.edit("offline");

    server = await start(port, "kill9-a");
    const restartedAt = Date.now();
    await eventually(() => expect(client.provider.isSynced && !client.provider.hasUnsyncedChanges).toBe(true), 20_000);
    await eventually(
      async () => expect(missingKeys(await readStoredDoc(store.options.databaseUrl ?? "", name), "terrain", dm.expected)).toEqual([]),
      20_000,
      100,
    );
    console.info(`[DUR5] after restart: all ${dm.expected.size} edits in Postgres ${Date.now() - restartedAt} ms after the new process was up`);
  });

  it("[DUR9] killed right after the client saw every edit acknowledged, the client then gone (no resend): 0 edits lost after restart", async () => {
    let server = await start(0, "kill9-b");
    const port = server.port;
    const owner = await new HttpUser(server.url, uniqueEmail("owner")).signUp("Owner");
    const name = dmDocName(await owner.createCampaign("Acknowledged means durable"));
    const client = connect(server.url, name, owner.cookie);
    expect(await client.ready).toBe(true);
    const dm = editor(client, "acked", 0);
    const start0 = Date.now();
    while (Date.now() - start0 < BURST_MS) {
      dm.edit();
      await delay(EDIT_INTERVAL_MS);
    }
    // "Saved": the moment the client counts nothing unsent, kill the server and drop the client with its copy.
    await eventually(() => expect(unsynced(client)).toBe(0), 10_000, 2);
    await server.kill9();
    const lastEditToKillMs = Date.now() - (dm.editedAt.at(-1) ?? 0);
    client.destroy();

    const lost = missingKeys(await readStoredDoc(store.options.databaseUrl ?? "", name), "terrain", dm.expected);
    console.info(`[DUR9] ${dm.expected.size} acknowledged edits, kill ${lastEditToKillMs} ms after the last: ${lost.length} not in Postgres`);
    expect(lost).toEqual([]);

    // A new process serves all of it (row + journal) to a new client, and compacts the journal into the row.
    server = await start(port, "kill9-b");
    const again = connect(server.url, name, owner.cookie);
    expect(await again.ready).toBe(true);
    expect(missingKeys(again.doc, "terrain", dm.expected)).toEqual([]);
  });

  it.skipIf(missingRedis)("[DUR9] two instances over Redis, both killed right after their clients saw every edit acknowledged: 0 edits lost", async () => {
    const a = await start(0, `kill9-redis-a-${process.pid}`, { redisUrl: TEST_REDIS_URL });
    const b = await start(0, `kill9-redis-b-${process.pid}`, { redisUrl: TEST_REDIS_URL });
    const owner = await new HttpUser(a.url, uniqueEmail("owner")).signUp("Owner");
    const campaignId = await owner.createCampaign("Both die");
    const coDm = await new HttpUser(a.url, uniqueEmail("codm")).signUp("CoDM");
    await coDm.accept(await owner.invite(campaignId, "dm"));
    const name = dmDocName(campaignId);
    const onA = connect(a.url, name, owner.cookie);
    const onB = connect(b.url, name, coDm.cookie);
    expect(await onA.ready).toBe(true);
    expect(await onB.ready).toBe(true);
    const fromA = editor(onA, "a", 1);
    const fromB = editor(onB, "b", 2);
    const start0 = Date.now();
    while (Date.now() - start0 < BURST_MS) {
      fromA.edit();
      fromB.edit();
      await delay(EDIT_INTERVAL_MS);
    }
    // Each instance holds the other's edits only from Redis; each client saw all of its own acknowledged.
    await eventually(() => {
      expect(missingKeys(onA.doc, "terrain", fromB.expected)).toEqual([]);
      expect(missingKeys(onB.doc, "terrain", fromA.expected)).toEqual([]);
      expect(unsynced(onA) + unsynced(onB)).toBe(0);
    }, 10_000, 2);
    await Promise.all([a.kill9(), b.kill9()]);
    onA.destroy();
    onB.destroy();

    const stored = await readStoredDoc(store.options.databaseUrl ?? "", name);
    const lost = [...missingKeys(stored, "terrain", fromA.expected), ...missingKeys(stored, "terrain", fromB.expected)];
    console.info(`[DUR9] two instances: ${fromA.expected.size}+${fromB.expected.size} acknowledged edits, ${lost.length} not in Postgres after both were killed`);
    expect(lost).toEqual([]);

    const c = await start(0, `kill9-redis-c-${process.pid}`);
    const again = connect(c.url, name, owner.cookie);
    expect(await again.ready).toBe(true);
    expect(missingKeys(again.doc, "terrain", fromA.expected)).toEqual([]);
    expect(missingKeys(again.doc, "terrain", fromB.expected)).toEqual([]);
  });
});
