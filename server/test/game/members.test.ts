import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseServerMessage, pendingFor, type PendingList, type Push } from "@hexcrawl/shared";
import type { Member } from "@hexcrawl/shared/httpApi";
import type { App } from "../../src/app.ts";
import { eventually, HttpUser, uniqueEmail } from "../support/http.ts";
import { createTestStore, REDIS_URL, startTestApp, type TestStore } from "../support/app.ts";
import type { TestClient } from "../support/providers.ts";
import { missingServices } from "../faults/support.ts";
import { setUpTable } from "./fixture.ts";

function pushesOf(client: TestClient): Push[] {
  const out: Push[] = [];
  client.provider.on("stateless", ({ payload }: { payload: string }) => {
    const msg = parseServerMessage(payload);
    if (msg && "type" in msg) out.push(msg);
  });
  return out;
}
const lastMembers = (pushes: Push[]): Member[] | undefined => pushes.flatMap((p) => (p.type === "members" ? [p.members] : [])).at(-1);
const lastPending = (pushes: Push[]): PendingList | undefined => pushes.flatMap((p) => (p.type === "pending" ? [p.pending] : [])).at(-1);

/** A new player joins through an invite accepted over HTTP on `joinVia`; the DM is connected to `dmOn`. */
async function joinWhileDmWatches(dmOn: App, joinVia: App): Promise<void> {
  const t = await setUpTable(dmOn, 1);
  try {
    const dm = await t.dm();
    const pushes = pushesOf(dm);
    await eventually(() => expect(lastMembers(pushes)?.map((m) => m.role)).toEqual(["owner", "dm", "player"]));
    const code = await t.owner.invite(t.campaignId, "player");
    const newcomer = await new HttpUser(joinVia.url, uniqueEmail("late")).signUp("Latecomer");
    await newcomer.accept(code);
    // No reload, no request: the member list and the pending list name the newcomer within a second or so.
    await eventually(() => {
      expect(lastMembers(pushes)?.find((m) => m.userId === newcomer.id)).toMatchObject({ name: "Latecomer", role: "player" });
      const pending = lastPending(pushes);
      expect(pending && pendingFor(pending, newcomer.id)).toEqual([]);
      expect(pending?.players.map((p) => p.userId)).toContain(newcomer.id);
    }, 3000);
  } finally {
    t.closeClients();
  }
}

describe("[PUSH4] the member list is pushed to the DMs", () => {
  let store: TestStore;
  let app: App;
  beforeAll(async () => {
    store = await createTestStore("pglite");
    app = await startTestApp(store);
  });
  afterAll(async () => {
    await app?.close();
    await store?.cleanup();
  });

  it("[PUSH4] a player who joins appears in the DM's member and pending lists without a reload", async () => {
    await joinWhileDmWatches(app, app);
  });
});

const missing = await missingServices({ postgres: true, redis: true });
describe.skipIf(missing)("[PUSH4] across instances", () => {
  let store: TestStore;
  let a: App;
  let b: App;
  beforeAll(async () => {
    store = await createTestStore("postgres");
    a = await startTestApp(store, { redisUrl: REDIS_URL, instanceName: "members-a" });
    b = await startTestApp(store, { redisUrl: REDIS_URL, instanceName: "members-b" });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await store?.cleanup();
  });

  it("[PUSH4] [BUS2] a player who joins through instance B appears at once for the DM on instance A", async () => {
    await joinWhileDmWatches(a, b);
  });
});
