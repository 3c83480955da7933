import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import {
  ALL_PLAYERS,
  PlayerMap,
  dmDocName,
  parseHexKey,
  partyDocName,
  playerDocName,
  hide,
  reveal,
  setDmNotes,
  setDmSetting,
  setLabel,
  setNotes,
  setTerrain,
} from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { eventually, HttpUser } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";
import { command } from "../support/commands.ts";
import { createTestStore, redisReachable, REDIS_URL, startTestApp, storeKinds, type StoreKind, type TestStore } from "../support/app.ts";
import { setUpTable, viewOf, type Table } from "./fixture.ts";

const { kinds, skipped } = await storeKinds();
if (skipped) it.skip(`[SEC0] real Postgres secrecy run skipped: ${skipped}`, () => undefined);
const withRedis = kinds.includes("postgres") && (await redisReachable());
if (!withRedis) {
  if (process.env["CI"] === "true") throw new Error("CI=true but Postgres or Redis is unreachable");
  it.skip("[SEC0] two-instance secrecy run skipped: Postgres or Redis unreachable", () => undefined);
}

/** Where the DM and the players connect: one instance, or the DM on A and the players on B over Redis. */
interface Setup {
  name: string;
  kind: StoreKind;
  twoInstances: boolean;
}
const setups: Setup[] = [
  ...kinds.map((kind) => ({ name: `${kind}, one instance`, kind, twoInstances: false })),
  ...(withRedis ? [{ name: "postgres, DM on A and players on B over Redis", kind: "postgres" as const, twoInstances: true }] : []),
];

const canaries: string[] = [];
function canary(where: string): string {
  const c = `CANARY-${where}-${randomBytes(8).toString("hex")}`;
  canaries.push(c);
  return c;
}

/** Every frame a socket received, for searching. */
interface Recorder {
  frames: Buffer[];
}

/** A `ws` subclass that records every frame it receives (what a player's browser would get). */
function recordingSocket(cookie: string, origin: string, rec: Recorder) {
  return class RecordingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie, origin } });
      this.on("message", (data: Buffer) => rec.frames.push(Buffer.from(data)));
      this.on("error", () => undefined);
    }
  };
}

function findCanaries(haystack: Buffer | string): string[] {
  const text = typeof haystack === "string" ? haystack : haystack.toString("latin1");
  return canaries.filter((c) => text.includes(c));
}

/** Raw Hocuspocus client messages: [documentName][type][...]. */
function authMessage(doc: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, doc);
  encoding.writeVarUint(e, 2); // Auth
  encoding.writeVarUint(e, 0); // Token
  encoding.writeVarString(e, "cookie");
  return encoding.toUint8Array(e);
}
function syncStep1(doc: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, doc);
  encoding.writeVarUint(e, 0); // Sync
  encoding.writeVarUint(e, 0); // step 1
  encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
  return encoding.toUint8Array(e);
}
function queryAwareness(doc: string): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, doc);
  encoding.writeVarUint(e, 3);
  return encoding.toUint8Array(e);
}

/** A raw socket that tries to open `names` and records everything it is sent. */
async function rawProbe(app: App, cookie: string, names: string[], rec: Recorder): Promise<void> {
  const ws = new WebSocket(app.url.replace("http", "ws") + "/collab", { headers: { cookie, origin: app.url } });
  ws.on("message", (d: Buffer) => rec.frames.push(Buffer.from(d)));
  await new Promise<void>((resolve, reject) => {
    ws.on("open", () => resolve());
    ws.on("error", reject);
  });
  for (const n of names) {
    ws.send(authMessage(n));
    ws.send(syncStep1(n));
    ws.send(queryAwareness(n));
  }
  await new Promise((r) => setTimeout(r, 400));
  ws.close();
}

/** The keys a player document may hold at the top level and per map. */
const PLAYER_TOP = new Set<string>(Object.values(PlayerMap));
const META_KEYS = new Set(["name", "orientation", "hexSize", "generation", "schemaVersion"]);
const SESSION_KEYS = new Set(["status", "updatedAt"]);

/**
 * Load a player document update into a fresh doc and list every top-level type, key and value
 * that is not allowed. Deleted entries count too (a Y.Map keeps the last item of every key).
 */
function disallowedKeys(update: Uint8Array): string[] {
  const bad: string[] = [];
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  for (const [top, type] of doc.share) {
    if (!PLAYER_TOP.has(top)) {
      bad.push(`top-level ${top}`);
      continue;
    }
    const entries = (type as unknown as { _map: Map<string, Y.Item> })._map;
    if (!(entries instanceof Map)) {
      bad.push(`${top} is not a map`);
      continue;
    }
    for (const [key, item] of entries) {
      const ok = top === "meta" ? META_KEYS.has(key) : top === "session" ? SESSION_KEYS.has(key) : parseHexKey(key) !== null;
      if (!ok) bad.push(`${top}.${key}`);
      if (item.content instanceof Y.ContentType) bad.push(`${top}.${key} holds a nested type`);
    }
  }
  doc.destroy();
  // And straight from the wire format: every map key written (parentSub) must be an allowed one.
  for (const s of Y.decodeUpdate(update).structs) {
    if (!(s instanceof Y.Item) || s.parentSub === null) continue;
    const key = s.parentSub;
    if (!(META_KEYS.has(key) || SESSION_KEYS.has(key) || parseHexKey(key) !== null)) bad.push(`decoded key ${key}`);
    if (s.content instanceof Y.ContentType) bad.push(`decoded nested type at ${key}`);
  }
  return bad;
}

describe.each(setups)("[SEC] secrecy proof ($name)", ({ kind, twoInstances }) => {
  let store: TestStore;
  let app: App;
  /** The instance players connect to (B in the two-instance setup). */
  let playerApp: App;
  let t: Table;
  const recs = new Map<string, Recorder>();
  const playerClients: TestClient[] = [];

  beforeAll(async () => {
    store = await createTestStore(kind);
    const redis = twoInstances ? { redisUrl: REDIS_URL } : {};
    app = await startTestApp(store, { ...redis, instanceName: "sec-a" });
    playerApp = twoInstances ? await startTestApp(store, { ...redis, instanceName: "sec-b" }) : app;
    t = await setUpTable(app, 3);
  });
  afterAll(async () => {
    for (const c of playerClients) c.destroy();
    t?.closeClients();
    if (playerApp !== app) await playerApp?.close();
    await app?.close();
    await store?.cleanup();
  });

  it("[SEC4] no canary reaches a player: frames, documents, Postgres rows, HTTP; every player key is allowed", async () => {
    const [alice, bob, carol] = t.players as [HttpUser, HttpUser, HttpUser];
    const dm = await t.dm();
    const coDm = await t.dm(t.coDm);
    // The DM's awareness carries a canary (in an allowed-looking and a stripped field).
    dm.provider.setAwarenessField("note", canary("dm-awareness"));
    coDm.provider.setAwarenessField("cursor", { hex: "0,0", label: canary("codm-awareness") });

    // Players connect before anything happens, through recording sockets, and stay for the whole session.
    for (const p of [alice, bob, carol]) {
      const rec: Recorder = { frames: [] };
      recs.set(p.id, rec);
      const c = connectClient(playerApp.url, playerDocName(t.campaignId, p.id), p.cookie, {
        socketClass: recordingSocket(p.cookie, playerApp.url, rec),
      });
      playerClients.push(c);
      expect(await c.ready).toBe(true);
    }

    // A map with secrets everywhere.
    for (let q = -6; q <= 6; q++) {
      for (let r = -3; r <= 3; r++) {
        const hex = `${q},${r}`;
        setTerrain(dm.doc, hex, "forest");
        setDmNotes(dm.doc, hex, canary(`dmnotes-${hex}`));
      }
    }
    // Unrevealed hexes with player-visible fields that must still never leave.
    for (const hex of ["6,3", "-6,-3", "5,-2"]) {
      setLabel(dm.doc, hex, canary(`unrevealed-label-${hex}`));
      setNotes(dm.doc, hex, canary(`unrevealed-notes-${hex}`));
    }
    // Public hexes.
    for (const hex of ["0,0", "1,0", "0,1"]) {
      setLabel(dm.doc, hex, `Public ${hex}`);
      reveal(dm.doc, hex, ALL_PLAYERS);
    }
    // Private to Alice: Bob and Carol must never see these.
    const alicePrivate = canary("alice-private");
    setLabel(dm.doc, "2,2", alicePrivate);
    setNotes(dm.doc, "2,2", canary("alice-private-notes"));
    reveal(dm.doc, "2,2", alice.id);

    await command(dm, { type: "session", action: "start" });
    await command(dm, { type: "publish" });
    const aliceClient = playerClients[0] as TestClient;
    await eventually(() => expect(viewOf(aliceClient)["2,2"]).toBeDefined());

    // Immediate mode: live edits to revealed and unrevealed hexes.
    setDmSetting(dm.doc, "broadcastMode", "immediate");
    setNotes(dm.doc, "0,0", "The road north");
    setDmNotes(dm.doc, "0,0", canary("immediate-dmnotes"));
    setNotes(dm.doc, "6,3", canary("immediate-unrevealed"));
    await eventually(() => expect(viewOf(aliceClient)["0,0"]).toMatchObject({ notes: "The road north" }));

    // Staged again: stage a secret reveal, drop it; hide a hex; pause, resume, end.
    setDmSetting(dm.doc, "broadcastMode", "staged");
    const staged = canary("staged-then-dropped");
    setLabel(dm.doc, "-1,1", staged);
    reveal(dm.doc, "-1,1", ALL_PLAYERS);
    await command(dm, { type: "drop", hex: "-1,1" });
    hide(dm.doc, "1,0");
    await command(dm, { type: "publish" });
    await command(dm, { type: "session", action: "pause" });
    await command(dm, { type: "session", action: "resume" });
    // A DM previews Bob's view (read-only; sends no awareness there).
    const preview = connectClient(playerApp.url, playerDocName(t.campaignId, bob.id), t.owner.cookie);
    playerClients.push(preview);
    expect(await preview.ready).toBe(true);
    preview.provider.setAwarenessField("note", canary("preview-awareness"));
    await command(dm, { type: "session", action: "end" });
    await new Promise((r) => setTimeout(r, 300));

    // Raw probes by players: the DM doc, another player's doc, guessed names.
    const probe: Recorder = { frames: [] };
    await rawProbe(
      playerApp,
      bob.cookie,
      [
        dmDocName(t.campaignId),
        playerDocName(t.campaignId, alice.id),
        `campaign:${t.campaignId}:dm:x`,
        `campaign:${t.campaignId}:secrets`,
        partyDocName(t.campaignId),
      ],
      probe,
    );
    recs.set("probe", probe);

    // 1. Frames.
    for (const [who, rec] of recs) {
      expect(rec.frames.length, who).toBeGreaterThan(0);
      const found = rec.frames.flatMap((f) => findCanaries(f));
      if (who === alice.id) {
        expect(found.filter((c) => !c.startsWith("CANARY-alice-private"))).toEqual([]);
      } else {
        expect(found, `frames received by ${who}`).toEqual([]);
      }
    }
    expect(recs.get(alice.id)?.frames.some((f) => findCanaries(f).includes(alicePrivate))).toBe(true);

    // 2. Decoded player documents.
    for (const c of playerClients.slice(1, 3)) {
      expect(findCanaries(Buffer.from(Y.encodeStateAsUpdate(c.doc)))).toEqual([]);
      expect(disallowedKeys(Y.encodeStateAsUpdate(c.doc))).toEqual([]);
    }
    expect(disallowedKeys(Y.encodeStateAsUpdate(aliceClient.doc))).toEqual([]);

    // 3. Player document rows in Postgres (after the stores have run).
    for (const c of t.clients.splice(0)) c.destroy();
    for (const c of playerClients.splice(0)) c.destroy();
    await eventually(() => {
      expect(app.ctx.hocuspocus.getDocumentsCount()).toBe(0);
      expect(playerApp.ctx.hocuspocus.getDocumentsCount()).toBe(0);
    }, 15_000);
    const { rows } = await app.ctx.db.pool.query<{ name: string; state: Buffer }>(
      "select name, state from document where name like $1",
      [`campaign:${t.campaignId}:%`],
    );
    const playerRows = rows.filter((r) => r.name.includes(":player:") || r.name.endsWith(":party"));
    expect(playerRows.length).toBe(4);
    for (const row of playerRows) {
      const found = findCanaries(row.state);
      if (row.name === playerDocName(t.campaignId, alice.id)) {
        expect(found.filter((c) => !c.startsWith("CANARY-alice-private"))).toEqual([]);
      } else {
        expect(found, row.name).toEqual([]);
      }
      expect(disallowedKeys(new Uint8Array(row.state)), row.name).toEqual([]);
    }
    // The DM row does hold them (the test would be vacuous otherwise).
    const dmRow = rows.find((r) => r.name === dmDocName(t.campaignId));
    expect(dmRow && findCanaries(dmRow.state).length).toBeGreaterThan(10);

    // 4. Everything a player can fetch over HTTP.
    for (const p of [bob, carol]) {
      for (const path of [
        "/api/auth/get-session",
        "/api/campaigns",
        `/api/campaigns/${t.campaignId}`,
        `/api/campaigns/${t.campaignId}/members`,
        `/api/campaigns/${t.campaignId}/events`,
        `/api/campaigns/${t.campaignId}/events?after=0&limit=500`,
        "/",
        `/c/${t.campaignId}`,
      ]) {
        const r = await new HttpUser(playerApp.url, p.email).withCookie(p.cookie).request("GET", path);
        expect(findCanaries(JSON.stringify(r.json)), `${path} for ${p.email}`).toEqual([]);
      }
    }
  });
});
