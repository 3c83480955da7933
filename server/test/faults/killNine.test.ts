import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dmDocName } from "@hexcrawl/shared/docNames";
import type { StartOptions } from "../../src/app.ts";
import { defaultConfig } from "../../src/config.ts";
import { createTestStore, type TestStore } from "../support/app.ts";
import { HttpUser, eventually, uniqueEmail } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";
import { startChildServer, type ChildServer } from "./childServer.ts";
import { delay, missingKeys, missingServices, readStoredDoc } from "./support.ts";

const missing = await missingServices({ postgres: true });

const EDIT_INTERVAL_MS = 20;
/** Kill after this long of continuous editing: past one maxDebounce store, inside the next. */
const KILL_AFTER_MS = 7_500;
const OFFLINE_EDITS = 10;
const PRODUCTION = defaultConfig();
const DEFAULT_STORE_DEBOUNCE = { debounceMs: PRODUCTION.storeDebounceMs, maxDebounceMs: PRODUCTION.storeMaxDebounceMs };

describe.skipIf(missing)("kill -9 of the server during a burst of DM edits", () => {
  let store: TestStore;
  let server: ChildServer | null = null;
  let client: TestClient | null = null;

  beforeAll(async () => {
    store = await createTestStore("postgres");
  });

  afterAll(async () => {
    client?.destroy();
    await server?.kill9();
    await store?.cleanup();
  });

  it("[DUR5] every edit is in Postgres after restart and resync from the client's kept copy; the server alone loses at most the store debounce", async () => {
    const options = (port: number): StartOptions => ({
      ...store.options,
      port,
      host: "127.0.0.1",
      clientDir: path.join(os.tmpdir(), "hexcrawl-no-client"),
      authSecret: "test-secret-test-secret-test-secret-0123456789",
      signUpsPerMinute: 1000,
      // Production debounce (config.ts defaults), so the measured loss window is the real one.
      storeDebounceMs: DEFAULT_STORE_DEBOUNCE.debounceMs,
      storeMaxDebounceMs: DEFAULT_STORE_DEBOUNCE.maxDebounceMs,
      instanceName: "kill9-a",
    });
    server = await startChildServer(options(0));
    const port = server.port;
    const owner = await new HttpUser(server.url, uniqueEmail("owner")).signUp("Owner");
    const campaignId = await owner.createCampaign("Kill nine");
    const name = dmDocName(campaignId);

    // One client for the whole test: its Y.Doc keeps its state across the crash, as IndexedDB would.
    client = connectClient(server.url, name, owner.cookie);
    expect(await client.ready).toBe(true);
    const terrain = client.doc.getMap<string>("terrain");
    const expected = new Map<string, string>();
    const editedAt: number[] = [];
    const edit = (prefix: string) => {
      const key = `${editedAt.length},0`;
      const value = `${prefix}${editedAt.length}`;
      terrain.set(key, value);
      expected.set(key, value);
      editedAt.push(Date.now());
    };

    const start = Date.now();
    while (Date.now() - start < KILL_AFTER_MS) {
      edit("burst");
      await delay(EDIT_INTERVAL_MS);
    }
    // Edits the server acknowledged (SyncStatus) are all but the client's unsynced ones (counted per update).
    const unacked = (client.provider as unknown as { unsyncedChanges: number }).unsyncedChanges;
    const killedAt = Date.now();
    await server.kill9();
    const sent = editedAt.length;

    // What the server alone had stored when it died.
    const stored = await readStoredDoc(store.options.databaseUrl ?? "", name);
    const lost = missingKeys(stored, "terrain", expected);
    const ackedLost = lost.filter((k) => Number(k.split(",")[0]) < sent - unacked);
    const firstLost = lost.length > 0 ? Math.min(...lost.map((k) => Number(k.split(",")[0]))) : sent;
    const lossWindowMs = firstLost < sent ? killedAt - (editedAt[firstLost] ?? killedAt) : 0;
    console.info(
      `[DUR5] debounce ${DEFAULT_STORE_DEBOUNCE.debounceMs}/${DEFAULT_STORE_DEBOUNCE.maxDebounceMs} ms: ${sent} edits in ${killedAt - start} ms, ` +
        `${lost.length} not in Postgres at kill (${ackedLost.length} of them acknowledged), ` +
        `server-side loss window ${lossWindowMs} ms`,
    );
    expect(lossWindowMs).toBeLessThanOrEqual(DEFAULT_STORE_DEBOUNCE.maxDebounceMs + 1_000);

    // Offline edits while the server is down: kept by the client only.
    for (let i = 0; i < OFFLINE_EDITS; i++) edit("offline");

    server = await startChildServer(options(port));
    const restartedAt = Date.now();
    await eventually(() => expect(client?.provider.isSynced && !client.provider.hasUnsyncedChanges).toBe(true), 20_000);
    await eventually(
      async () => expect(missingKeys(await readStoredDoc(store.options.databaseUrl ?? "", name), "terrain", expected)).toEqual([]),
      20_000,
      100,
    );
    console.info(`[DUR5] after restart: all ${expected.size} edits in Postgres ${Date.now() - restartedAt} ms after the new process was up`);
    await server.stop();
    server = null;
  });
});
