import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_PLAYERS,
  dmDocName,
  readSession,
  reveal,
  setDmNotes,
  setDmSetting,
  setLabel,
  setNotes,
  setTerrain,
  type CommandResult,
  type DmServerPresence,
} from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { eventually, type HttpUser } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";
import { collectPushes, command } from "../support/commands.ts";
import { createTestStore, postgresReachable, redisReachable, REDIS_URL, startTestApp, type TestStore } from "../support/app.ts";
import { setUpTable, viewOf, type Table } from "./fixture.ts";
import { isGameOrigin } from "../../src/game/origins.ts";

const missing = [!(await postgresReachable()) && "Postgres", !(await redisReachable()) && "Redis"].filter(Boolean);
if (missing.length > 0 && process.env["CI"] === "true") throw new Error(`CI=true but ${missing.join(" and ")} unreachable`);
const suite = missing.length > 0 ? describe.skip : describe;
if (missing.length > 0) it.skip(`[MULTI0] two-instance suite skipped: ${missing.join(" and ")} unreachable`, () => undefined);

suite("two instances over Redis: DM on A, players on B", () => {
  let store: TestStore;
  let a: App;
  let b: App;
  let t: Table;
  const extra: TestClient[] = [];

  beforeAll(async () => {
    store = await createTestStore("postgres");
    a = await startTestApp(store, { redisUrl: REDIS_URL, instanceName: "test-a" });
    b = await startTestApp(store, { redisUrl: REDIS_URL, instanceName: "test-b" });
    t = await setUpTable(a, 2);
  });
  afterAll(async () => {
    for (const c of extra) c.destroy();
    t?.closeClients();
    await a?.close();
    await b?.close();
    await store?.cleanup();
  });

  const onB = async (p: HttpUser) => {
    const c = connectClient(b.url, `campaign:${t.campaignId}:player:${p.id}`, p.cookie, { campaignParam: t.campaignId });
    extra.push(c);
    expect(await c.ready).toBe(true);
    return c;
  };

  it("[MULTI1] publish, immediate edits, lifecycle and presence cross instances; events are logged once", async () => {
    const [alice, bob] = t.players as [HttpUser, HttpUser];
    const dm = await t.dm();
    const pa = await onB(alice);
    const pb = await onB(bob);
    const pushesB = collectPushes(pb);

    // Presence: the DM on A sees both players connected to B.
    const online = () => {
      const ids = new Set<string>();
      dm.provider.awareness?.getStates().forEach((s) => {
        for (const u of (s as Partial<DmServerPresence>).presence?.players ?? []) ids.add(u.userId);
      });
      return [...ids].sort();
    };
    await eventually(() => expect(online()).toEqual([alice.id, bob.id].sort()), 10_000);
    // Players on B learn that a DM (on A) is online: a stateless push, re-sent as a heartbeat.
    await eventually(() => {
      const last = pushesB.filter((p) => p.type === "presence").at(-1);
      expect(last?.type === "presence" && last.online.map((u) => u.name)).toEqual(["Dungeon Master"]);
    }, 12_000);

    setTerrain(dm.doc, "0,0", "forest");
    setLabel(dm.doc, "0,0", "Crossroads");
    setDmNotes(dm.doc, "0,0", "MULTI-SECRET-1");
    reveal(dm.doc, "0,0", ALL_PLAYERS);
    setTerrain(dm.doc, "1,1", "hills");
    setLabel(dm.doc, "1,1", "MULTI-PRIVATE-alice");
    reveal(dm.doc, "1,1", alice.id);
    await eventually(async () => {
      const p = await command<CommandResult<"pending">>(dm, { type: "pending" });
      expect(p.players.find((x) => x.userId === alice.id)?.changes).toHaveLength(2);
    });
    // Count the game server's own writes to Alice's document on each instance during the publish.
    const writes = { a: 0, b: 0 };
    const aliceDocName = `campaign:${t.campaignId}:player:${alice.id}`;
    const countOn = (app: App, key: "a" | "b") => {
      const doc = app.ctx.hocuspocus.documents.get(aliceDocName);
      const onUpdate = (_u: Uint8Array, origin: unknown) => {
        if (isGameOrigin(origin)) writes[key] += 1;
      };
      doc?.on("update", onUpdate);
      return () => doc?.off("update", onUpdate);
    };
    const stopA = countOn(a, "a");
    const stopB = countOn(b, "b");
    const published = await command<CommandResult<"publish">>(dm, { type: "publish" });
    expect(published.hexes).toBe(2);
    await eventually(() => {
      expect(viewOf(pa)).toEqual({ "0,0": { terrain: "forest", label: "Crossroads" }, "1,1": { terrain: "hills", label: "MULTI-PRIVATE-alice" } });
      expect(viewOf(pb)).toEqual({ "0,0": { terrain: "forest", label: "Crossroads" } });
    }, 10_000);
    stopA();
    stopB();
    // Written once, by the instance the command arrived on (A); B only relays it (origin "redis").
    expect(writes).toEqual({ a: 1, b: 0 });

    setDmSetting(dm.doc, "broadcastMode", "immediate");
    setNotes(dm.doc, "0,0", "Four roads meet here");
    await eventually(() => expect(viewOf(pb)["0,0"]).toMatchObject({ notes: "Four roads meet here" }), 10_000);

    await command(dm, { type: "session", action: "start" });
    await eventually(() => expect(readSession(pb.doc).status).toBe("active"), 10_000);

    // Nothing secret crossed to B's players.
    for (const c of [pa, pb]) expect(JSON.stringify(viewOf(c))).not.toContain("MULTI-SECRET");
    expect(JSON.stringify(viewOf(pb))).not.toContain("MULTI-PRIVATE");

    // Each event once, even though both instances saw every change.
    await eventually(async () => {
      const r = await t.owner.request("GET", `/api/campaigns/${t.campaignId}/events?limit=500`);
      const types = (r.json as { events: Array<{ type: string }> }).events.map((e) => e.type);
      expect(types.filter((x) => x === "publish").length).toBeGreaterThanOrEqual(2);
      expect(types.filter((x) => x === "session_start")).toHaveLength(1);
      expect(types.filter((x) => x === "player_join")).toHaveLength(2);
      const reveals = (r.json as { events: Array<{ type: string; payload: { reveals?: unknown[] } }> }).events
        .filter((e) => e.type === "reveal")
        .flatMap((e) => e.payload.reveals ?? []);
      expect(reveals).toHaveLength(2);
    }, 10_000);
  });

  it("[MULTI2] a second DM on B co-edits with the DM on A and can publish from B", async () => {
    const [alice] = t.players as [HttpUser, HttpUser];
    const dmA = await t.dm();
    const coOnB = connectClient(b.url, dmDocName(t.campaignId), t.coDm.cookie, { campaignParam: t.campaignId });
    extra.push(coOnB);
    expect(await coOnB.ready).toBe(true);
    setDmSetting(dmA.doc, "broadcastMode", "staged");
    setTerrain(coOnB.doc, "3,3", "swamp");
    reveal(coOnB.doc, "3,3", ALL_PLAYERS);
    setTerrain(dmA.doc, "4,4", "mountains");
    reveal(dmA.doc, "4,4", ALL_PLAYERS);
    await eventually(() => {
      expect(coOnB.doc.getMap("terrain").get("4,4")).toBe("mountains");
      expect(dmA.doc.getMap("terrain").get("3,3")).toBe("swamp");
    }, 10_000);
    await eventually(async () => {
      const p = await command<CommandResult<"pending">>(coOnB, { type: "pending" });
      expect(p.players.find((x) => x.userId === alice.id)?.changes.map((c) => c.hex)).toEqual(["3,3", "4,4"]);
    }, 10_000);
    await command(coOnB, { type: "publish" });
    const pa = await onB(alice);
    await eventually(() => expect(Object.keys(viewOf(pa)).sort()).toEqual(["0,0", "1,1", "3,3", "4,4"]), 10_000);
  });
});
