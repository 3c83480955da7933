import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.ts";
import { createTestStore, startTestApp, type TestStore } from "../support/app.ts";
import { HttpUser, eventually, uniqueEmail } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.ts";
import { TEST_REDIS_URL, delay, missingKeys, missingServices, ownerWithCampaign, readStoredDoc } from "./support.ts";

const missing = await missingServices({ postgres: true, redis: true });

const OUTAGE_MS = 15_000;
const EDIT_INTERVAL_MS = 100;

describe.skipIf(missing)("Redis outage with two instances", () => {
  let store: TestStore;
  let proxy: TcpProxy;
  let a: App;
  let b: App;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    store = await createTestStore("postgres");
    proxy = await startTcpProxy(Number(new URL(TEST_REDIS_URL).port || 6379), new URL(TEST_REDIS_URL).hostname);
    const redisUrl = proxy.rewrite(TEST_REDIS_URL);
    // Distinct instance names: the Redis extension ignores messages carrying its own identifier.
    a = await startTestApp(store, { redisUrl, instanceName: `redis-out-a-${process.pid}` });
    b = await startTestApp(store, { redisUrl, instanceName: `redis-out-b-${process.pid}` });
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    proxy?.restore();
    await a?.close();
    await b?.close();
    await proxy?.close();
    await store?.cleanup();
  });

  it("[DUR4] edits on both instances during a Redis outage are stored, and the instances converge after it", async () => {
    const { owner, campaignId, dmDoc } = await ownerWithCampaign(a);
    const coDm = await new HttpUser(a.url, uniqueEmail("codm")).signUp("CoDM");
    await coDm.accept(await owner.invite(campaignId, "dm"));
    const onA = connectClient(a.url, dmDoc, owner.cookie);
    const onB = connectClient(b.url, dmDoc, coDm.cookie);
    clients.push(onA, onB);
    expect(await onA.ready).toBe(true);
    expect(await onB.ready).toBe(true);

    // Live across instances before the outage.
    onA.doc.getMap("terrain").set("0,0", "before");
    await eventually(() => expect(onB.doc.getMap("terrain").get("0,0")).toBe("before"), 10_000);

    proxy.cut();
    const fromA = new Map<string, string>();
    const fromB = new Map<string, string>();
    const cutAt = Date.now();
    for (let i = 0; Date.now() - cutAt < OUTAGE_MS; i++) {
      onA.doc.getMap("terrain").set(`${i},2`, `a${i}`);
      fromA.set(`${i},2`, `a${i}`);
      onB.doc.getMap("label").set(`${i},2`, `b${i}`);
      fromB.set(`${i},2`, `b${i}`);
      await delay(EDIT_INTERVAL_MS);
    }
    // Stored during the outage by the instance that received them (Postgres is up).
    const url = store.options.databaseUrl ?? "";
    await eventually(async () => {
      const doc = await readStoredDoc(url, dmDoc);
      expect(missingKeys(doc, "terrain", fromA)).toEqual([]);
      expect(missingKeys(doc, "label", fromB)).toEqual([]);
    }, 30_000, 100);

    proxy.restore();
    const restoredAt = Date.now();
    // DMs keep working; the next change on an instance makes the two exchange state vectors and converge.
    let tick = 0;
    await eventually(async () => {
      tick += 1;
      onA.doc.getMap("meta").set("tickA", tick);
      onB.doc.getMap("meta").set("tickB", tick);
      expect(missingKeys(onB.doc, "terrain", fromA)).toEqual([]);
      expect(missingKeys(onA.doc, "label", fromB)).toEqual([]);
    }, 20_000, 250);
    console.info(`[DUR4] Redis outage ${OUTAGE_MS} ms, ${fromA.size}+${fromB.size} edits: both instances converged ${Date.now() - restoredAt} ms after Redis returned`);
  });
});
