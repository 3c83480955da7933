import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { dmDocName, partyDocName, playerDocName } from "@hexcrawl/shared/docNames";
import type { App } from "../src/app.ts";
import { HttpUser, eventually, uniqueEmail } from "./support/http.ts";
import { connectClient, type TestClient } from "./support/providers.ts";
import { createTestStore, startTestApp, storeKinds, type TestStore } from "./support/app.ts";

const { kinds, skipped } = await storeKinds();
if (skipped) it.skip(`[STORE0] real Postgres suite skipped: ${skipped}`, () => undefined);

/** Open a raw WebSocket upgrade and report the HTTP status it was refused with (or 101). */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      resolve(101);
      ws.close();
    });
    ws.on("error", () => undefined);
  });
}

describe.each(kinds)("collaboration auth and persistence (%s)", (kind) => {
  let store: TestStore;
  let app: App;
  let owner: HttpUser;
  let coDm: HttpUser;
  let player: HttpUser;
  let otherPlayer: HttpUser;
  let outsider: HttpUser;
  let campaignId: string;
  const clients: TestClient[] = [];
  const track = (c: TestClient) => {
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    store = await createTestStore(kind);
    app = await startTestApp(store);
    owner = await new HttpUser(app.url, uniqueEmail("owner")).signUp("Owner");
    coDm = await new HttpUser(app.url, uniqueEmail("codm")).signUp("CoDM");
    player = await new HttpUser(app.url, uniqueEmail("player")).signUp("Player");
    otherPlayer = await new HttpUser(app.url, uniqueEmail("player2")).signUp("Player Two");
    outsider = await new HttpUser(app.url, uniqueEmail("outsider")).signUp("Outsider");
    campaignId = await owner.createCampaign("The Barrowmaze");
    await coDm.accept(await owner.invite(campaignId, "dm"));
    await player.accept(await owner.invite(campaignId, "player"));
    await otherPlayer.accept(await owner.invite(campaignId, "player"));
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await app?.close();
    await store?.cleanup();
  });

  it("[AUTH1] a DM edits the DM document and a second DM sees it live", async () => {
    const a = track(connectClient(app.url, dmDocName(campaignId), owner.cookie, { campaignParam: campaignId }));
    const b = track(connectClient(app.url, dmDocName(campaignId), coDm.cookie, { campaignParam: campaignId }));
    expect(await a.ready).toBe(true);
    expect(await b.ready).toBe(true);
    a.doc.getMap("terrain").set("0,0", "forest");
    a.doc.getMap("label").set("0,0", "Whispering Wood");
    await eventually(() => {
      expect(b.doc.getMap("terrain").get("0,0")).toBe("forest");
      expect(b.doc.getMap("label").get("0,0")).toBe("Whispering Wood");
    });
  });

  it("[AUTH2] a player is refused on the DM document", async () => {
    const c = track(connectClient(app.url, dmDocName(campaignId), player.cookie));
    expect(await c.ready).toBe(false);
    expect(c.doc.getMap("terrain").size).toBe(0);
  });

  it("[AUTH3] a player is refused on another player's document", async () => {
    const c = track(connectClient(app.url, playerDocName(campaignId, otherPlayer.id), player.cookie));
    expect(await c.ready).toBe(false);
  });

  it("[AUTH4] a player opens their own document read-only: a write changes nothing on the server nor for others", async () => {
    const name = playerDocName(campaignId, player.id);
    const mine = track(connectClient(app.url, name, player.cookie));
    const preview = track(connectClient(app.url, name, owner.cookie));
    expect(await mine.ready).toBe(true);
    expect(await preview.ready).toBe(true);
    mine.doc.getMap("terrain").set("5,5", "lava");
    mine.doc.getMap("notes").set("5,5", "forged by the player");
    // Give the server every chance to (wrongly) apply and relay it, then check both sides.
    const marker = track(connectClient(app.url, name, owner.cookie));
    expect(await marker.ready).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const serverDoc = app.ctx.hocuspocus.documents.get(name);
    expect(serverDoc?.getMap("terrain").get("5,5")).toBeUndefined();
    expect(preview.doc.getMap("terrain").get("5,5")).toBeUndefined();
    expect(marker.doc.getMap("notes").get("5,5")).toBeUndefined();
  });

  it("[AUTH5] a DM may open a player document read-only (preview) and cannot write it", async () => {
    const name = playerDocName(campaignId, otherPlayer.id);
    const preview = track(connectClient(app.url, name, coDm.cookie));
    expect(await preview.ready).toBe(true);
    preview.doc.getMap("label").set("1,1", "dm wrote here");
    await new Promise((r) => setTimeout(r, 200));
    expect(app.ctx.hocuspocus.documents.get(name)?.getMap("label").get("1,1")).toBeUndefined();
  });

  it("[AUTH6] an outsider, a missing cookie, a forged cookie and unknown document names are refused", async () => {
    const cases: Array<[string, string]> = [
      [dmDocName(campaignId), outsider.cookie],
      [playerDocName(campaignId, outsider.id), outsider.cookie],
      [dmDocName(campaignId), ""],
      [dmDocName(campaignId), "better-auth.session_token=forged.signature"],
      [dmDocName(campaignId), owner.cookie.replace(/=([^.;]+)/, "=AAAA$1")],
      [`campaign:${campaignId}:secrets`, owner.cookie],
      ["../etc/passwd", owner.cookie],
      [`campaign:${campaignId}:dm:extra`, owner.cookie],
    ];
    for (const [name, cookie] of cases) {
      const c = track(connectClient(app.url, name, cookie));
      expect(await c.ready, `${name} with cookie "${cookie.slice(0, 30)}"`).toBe(false);
    }
  });

  it("[AUTH7] a signed-out session is refused and its open sockets are closed", async () => {
    const leaving = await new HttpUser(app.url, uniqueEmail("leaving")).signUp("Leaving");
    await leaving.accept(await owner.invite(campaignId, "dm"));
    const cookie = leaving.cookie;
    const open = track(connectClient(app.url, dmDocName(campaignId), cookie));
    expect(await open.ready).toBe(true);
    const out = await leaving.request("POST", "/api/auth/sign-out", {}, { origin: app.url });
    expect(out.status).toBe(200);
    await eventually(() => expect(open.socket.status).not.toBe("connected"));
    const again = track(connectClient(app.url, dmDocName(campaignId), cookie));
    expect(await again.ready).toBe(false);
  });

  it("[GAME9] [AUTH6] the party document: every member reads it read-only, outsiders are refused, writes are not applied, no awareness is accepted", async () => {
    const name = partyDocName(campaignId);
    // Every member opens it, read-only: both players and a DM.
    const mine = track(connectClient(app.url, name, player.cookie, { campaignParam: campaignId }));
    const other = track(connectClient(app.url, name, otherPlayer.cookie, { campaignParam: campaignId }));
    const dm = track(connectClient(app.url, name, coDm.cookie, { campaignParam: campaignId }));
    for (const c of [mine, other, dm]) expect(await c.ready).toBe(true);
    // Not a member, or not signed in: refused.
    for (const cookie of [outsider.cookie, "", "better-auth.session_token=forged.signature"]) {
      const c = track(connectClient(app.url, name, cookie));
      expect(await c.ready, `cookie "${cookie.slice(0, 30)}"`).toBe(false);
      expect(c.deniedReason).not.toBeNull();
    }

    // Writes from a player and from a DM change nothing on the server nor for anyone else.
    mine.doc.getMap("terrain").set("7,7", "lava");
    mine.doc.getMap("label").set("7,7", "forged by a player");
    dm.doc.getMap("notes").set("7,7", "written by a DM on the party document");
    mine.doc.getMap("session").set("status", "ended");
    const marker = track(connectClient(app.url, name, otherPlayer.cookie));
    expect(await marker.ready).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const serverDoc = app.ctx.hocuspocus.documents.get(name);
    expect(serverDoc).toBeDefined();
    for (const doc of [serverDoc, other.doc, marker.doc]) {
      expect(doc?.getMap("terrain").get("7,7")).toBeUndefined();
      expect(doc?.getMap("label").get("7,7")).toBeUndefined();
      expect(doc?.getMap("notes").get("7,7")).toBeUndefined();
      expect(doc?.getMap("session").get("status")).not.toBe("ended");
    }

    // Awareness: nobody's state is accepted there (players would otherwise see each other, and a DM).
    mine.provider.setAwarenessField("cursor", { hex: "1,1" });
    other.provider.setAwarenessField("selection", ["2,2"]);
    dm.provider.setAwarenessField("cursor", { hex: "3,3" });
    await new Promise((r) => setTimeout(r, 300));
    const others = (c: TestClient) => [...(c.provider.awareness?.getStates().keys() ?? [])].filter((id) => id !== c.doc.clientID);
    for (const c of [mine, other, dm, marker]) expect(others(c), "awareness states seen on the party document").toEqual([]);
    const serverStates = [...(serverDoc?.awareness.getStates().keys() ?? [])].filter((id) => id !== serverDoc?.awareness.clientID);
    expect(serverStates).toEqual([]);
  });

  it("[SEC1] a foreign Origin gets HTTP 403 at the upgrade and the server keeps serving others", async () => {
    const wsUrl = app.url.replace("http", "ws") + "/collab";
    expect(await upgradeStatus(wsUrl, { origin: "https://evil.example", cookie: owner.cookie })).toBe(403);
    expect(await upgradeStatus(app.url.replace("http", "ws") + "/not-collab", { origin: app.url })).toBe(404);
    const c = track(connectClient(app.url, dmDocName(campaignId), owner.cookie));
    expect(await c.ready).toBe(true);
    const health = await fetch(app.url + "/api/healthz");
    expect(health.status).toBe(200);
  });

  it("[SEC2] a frame over the payload cap closes that socket only", async () => {
    const ws = new WebSocket(app.url.replace("http", "ws") + "/collab", { headers: { origin: app.url, cookie: owner.cookie } });
    await new Promise<void>((resolve, reject) => {
      ws.on("open", () => resolve());
      ws.on("error", reject);
    });
    const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
    ws.send(Buffer.alloc(app.ctx.config.maxPayloadBytes + 1));
    expect(await closed).toBe(1009);
    const c = track(connectClient(app.url, dmDocName(campaignId), owner.cookie));
    expect(await c.ready).toBe(true);
  });

  it("[PERS1] after a restart the DM document content is back from the database", async () => {
    const name = dmDocName(campaignId);
    const a = track(connectClient(app.url, name, owner.cookie));
    expect(await a.ready).toBe(true);
    a.doc.getMap("notes").set("3,-2", "The ruined tower");
    a.doc.getMap("dmNotes").set("3,-2", "A lich sleeps below");
    await eventually(() => expect(app.ctx.hocuspocus.documents.get(name)?.getMap("notes").get("3,-2")).toBe("The ruined tower"));
    for (const c of clients.splice(0)) c.destroy();
    await app.close();
    app = await startTestApp(store);
    owner = Object.assign(new HttpUser(app.url, owner.email), { cookie: owner.cookie, id: owner.id });
    const b = track(connectClient(app.url, name, owner.cookie));
    expect(await b.ready).toBe(true);
    expect(b.doc.getMap("notes").get("3,-2")).toBe("The ruined tower");
    expect(b.doc.getMap("dmNotes").get("3,-2")).toBe("A lich sleeps below");
    expect(b.doc.getMap("terrain").get("0,0")).toBe("forest");
  });
});
