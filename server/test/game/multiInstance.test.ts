import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  ALL_PLAYERS,
  dmDocName,
  partyDocName,
  playerDocName,
  readPlayerView,
  pendingFor,
  readSession,
  reveal,
  setDmNotes,
  setDmSetting,
  setLabel,
  setNotes,
  setTerrain,
  type DmServerPresence,
} from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { apiRoutes } from "@hexcrawl/shared/httpApi";
import { eventually, type HttpUser } from "../support/http.ts";
import { connectClient, connectOnSocket, type TestClient } from "../support/providers.ts";
import { collectPushes, command } from "../support/commands.ts";
import { createTestStore, postgresReachable, redisReachable, REDIS_URL, startTestApp, type TestStore } from "../support/app.ts";
import { setUpTable, viewOf, viewToObject, type PlayerClient, type Table } from "./fixture.ts";
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

  /** A player on B, as the browser connects: their own document and the party document on one socket. */
  const onB = async (p: HttpUser): Promise<PlayerClient> => {
    const c = connectClient(b.url, playerDocName(t.campaignId, p.id), p.cookie, { campaignParam: t.campaignId });
    const party = connectOnSocket(c, partyDocName(t.campaignId), { awareness: false });
    extra.push(party, c);
    expect(await c.ready).toBe(true);
    expect(await party.ready).toBe(true);
    return Object.assign(c, { party });
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
      const p = await command(dm, { type: "pending" });
      expect(pendingFor(p, alice.id)).toHaveLength(2);
    });
    // Count the game server's own writes to the party document and to each player document on each instance
    // during the publish.
    const docs = { party: partyDocName(t.campaignId), alice: playerDocName(t.campaignId, alice.id), bob: playerDocName(t.campaignId, bob.id) };
    type DocKey = keyof typeof docs;
    const writes: Record<DocKey, { a: number; b: number }> = { party: { a: 0, b: 0 }, alice: { a: 0, b: 0 }, bob: { a: 0, b: 0 } };
    const stops: Array<() => void> = [];
    for (const [app, at] of [[a, "a"], [b, "b"]] as const) {
      for (const key of Object.keys(docs) as DocKey[]) {
        const doc = app.ctx.hocuspocus.documents.get(docs[key]);
        const onUpdate = (_u: Uint8Array, origin: unknown) => {
          if (isGameOrigin(origin)) writes[key][at] += 1;
        };
        doc?.on("update", onUpdate);
        stops.push(() => doc?.off("update", onUpdate));
      }
    }
    const published = await command(dm, { type: "publish" });
    expect(published.hexes).toBe(2);
    await eventually(() => {
      expect(viewOf(pa)).toEqual({ "0,0": { terrain: "forest", label: "Crossroads", notes: "" }, "1,1": { terrain: "hills", label: "MULTI-PRIVATE-alice", notes: "" } });
      expect(viewOf(pb)).toEqual({ "0,0": { terrain: "forest", label: "Crossroads", notes: "" } });
    }, 10_000);
    for (const stop of stops) stop();
    // Written once, by the instance the command arrived on (A); B only relays it (origin "redis"). The public
    // hex went into the party document only, Alice's private hex into her document only.
    expect(writes.party).toEqual({ a: 1, b: 0 });
    expect(writes.alice).toEqual({ a: 1, b: 0 });
    // Bob has nothing private: at most the first meta write (map name) of his document, never from B.
    expect(writes.bob.b).toBe(0);
    expect(writes.bob.a).toBeLessThanOrEqual(1);
    expect(Object.keys(viewToObject(readPlayerView(pa.doc)))).toEqual(["1,1"]);
    expect(readPlayerView(pb.doc).size).toBe(0);

    setDmSetting(dm.doc, "broadcastMode", "immediate");
    setNotes(dm.doc, "0,0", "Four roads meet here");
    await eventually(() => expect(viewOf(pb)["0,0"]).toMatchObject({ notes: "Four roads meet here" }), 10_000);

    await command(dm, { type: "session", action: "start" });
    await eventually(() => {
      expect(readSession(pb.doc).status).toBe("active");
      expect(readSession(pb.party.doc).status).toBe("active");
    }, 10_000);

    // Nothing secret crossed to B's players: not in what they see, not anywhere in either document.
    const bytes = (d: Y.Doc) => Buffer.from(Y.encodeStateAsUpdate(d)).toString("latin1");
    for (const c of [pa, pb]) {
      expect(JSON.stringify(viewOf(c))).not.toContain("MULTI-SECRET");
      for (const d of [c.doc, c.party.doc]) expect(bytes(d)).not.toContain("MULTI-SECRET");
      expect(bytes(c.party.doc)).not.toContain("MULTI-PRIVATE");
    }
    expect(JSON.stringify(viewOf(pb))).not.toContain("MULTI-PRIVATE");
    expect(bytes(pb.doc)).not.toContain("MULTI-PRIVATE");

    // Each event once, even though both instances saw every change.
    await eventually(async () => {
      const { events } = await t.owner.call(apiRoutes.listEvents, { params: { id: t.campaignId }, query: { limit: 500 } });
      const types = events.map((e) => e.type);
      expect(types.filter((x) => x === "publish").length).toBeGreaterThanOrEqual(2);
      expect(types.filter((x) => x === "session_start")).toHaveLength(1);
      expect(types.filter((x) => x === "player_join")).toHaveLength(2);
      const reveals = events.filter((e) => e.type === "reveal").flatMap((e) => (e.payload as { reveals?: unknown[] }).reveals ?? []);
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
    // A mode switch is eventually consistent across instances (SPEC GAME8): edit on B once B has it —
    // B's client got it from B's server, so B's server has it.
    await eventually(() => expect(coOnB.doc.getMap("meta").get("broadcastMode")).toBe("staged"), 10_000);
    setTerrain(coOnB.doc, "3,3", "swamp");
    reveal(coOnB.doc, "3,3", ALL_PLAYERS);
    setTerrain(dmA.doc, "4,4", "mountains");
    reveal(dmA.doc, "4,4", ALL_PLAYERS);
    await eventually(() => {
      expect(coOnB.doc.getMap("terrain").get("4,4")).toBe("mountains");
      expect(dmA.doc.getMap("terrain").get("3,3")).toBe("swamp");
    }, 10_000);
    await eventually(async () => {
      const p = await command(coOnB, { type: "pending" });
      expect(pendingFor(p, alice.id).map((c) => c.hex)).toEqual(["3,3", "4,4"]);
    }, 10_000);
    await command(coOnB, { type: "publish" });
    const pa = await onB(alice);
    await eventually(() => expect(Object.keys(viewOf(pa)).sort()).toEqual(["0,0", "1,1", "3,3", "4,4"]), 10_000);
  });
});
