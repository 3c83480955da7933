import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import {
  ALL_PLAYERS,
  PlayerMap,
  dmDocName,
  parseHexKey,
  partyDocName,
  playerDocName,
  project,
  readPlayerView,
  hide,
  reveal,
  setDmNotes,
  moveParty,
  placeParty,
  readCrawlView,
  roll,
  setLost,
  setParty,
  setTableEntry,
  setTravelSetting,
  setDmSetting,
  setExplored,
  setLabel,
  setLandmark,
  setNotes,
  setRumour,
  setTerrain,
} from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { eventually, HttpUser, uniqueEmail } from "../support/http.ts";
import { connectClient, connectOnSocket, type TestClient } from "../support/providers.ts";
import { command } from "../support/commands.ts";
import { createTestStore, redisReachable, REDIS_URL, startTestApp, storeKinds, type StoreKind, type TestStore } from "../support/app.ts";
import { setUpTable, viewOf, viewToObject, type Table } from "./fixture.ts";

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
/** Where a lost party really is: a hex nothing else uses, so any appearance of it is a leak. */
const TRUE_POSITION = "-45,43";
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

/** The document a Hocuspocus frame is about (every message starts with its name), and its message type. */
function frameHeader(frame: Buffer): { doc: string; type: number } | null {
  try {
    const d = decoding.createDecoder(new Uint8Array(frame));
    const doc = decoding.readVarString(d);
    return { doc, type: decoding.readVarUint(d) };
  } catch {
    return null;
  }
}

/** Hocuspocus message types (MessageType) and Auth sub-types (AuthMessageType) the probes look for. */
const MSG_SYNC = 0;
const MSG_AWARENESS = 1;
const MSG_AUTH = 2;
const MSG_SYNC_REPLY = 4;
const AUTH_PERMISSION_DENIED = 1;
const AUTH_AUTHENTICATED = 2;

/** Per document name: what a raw probe got back (refused, authenticated, any document content). */
function probeOutcome(frames: Buffer[], name: string): { denied: boolean; authenticated: boolean; content: boolean } {
  const out = { denied: false, authenticated: false, content: false };
  for (const f of frames) {
    const h = frameHeader(f);
    if (!h || h.doc !== name) continue;
    if (h.type === MSG_AUTH) {
      const d = decoding.createDecoder(new Uint8Array(f));
      decoding.readVarString(d);
      decoding.readVarUint(d);
      const sub = decoding.readVarUint(d);
      if (sub === AUTH_PERMISSION_DENIED) out.denied = true;
      if (sub === AUTH_AUTHENTICATED) out.authenticated = true;
    }
    if (h.type === MSG_SYNC || h.type === MSG_SYNC_REPLY || h.type === MSG_AWARENESS) out.content = true;
  }
  return out;
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
const SESSION_KEYS = new Set(["status", "updatedAt", "preparing"]);
const CLOCK_KEYS = new Set(["day", "watch", "watchesPerDay"]);
const ENTRY_ID = /^[A-Za-z0-9_-]{1,32}$/;
/** Keys allowed in each top-level map of a player or party document. */
function keyAllowed(top: string, key: string): boolean {
  if (top === "meta") return META_KEYS.has(key);
  if (top === "session") return SESSION_KEYS.has(key);
  if (top === "clock") return CLOCK_KEYS.has(key);
  if (top === "parties") return ENTRY_ID.test(key);
  if (top === "trail") return key.split("|").length === 2 && key.split("|").every((p) => ENTRY_ID.test(p));
  return parseHexKey(key) !== null;
}

/**
 * Load a player (or party) document update into a fresh doc and list every top-level type, key and value
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
      if (!keyAllowed(top, key)) bad.push(`${top}.${key}`);
      if (item.content instanceof Y.ContentType) bad.push(`${top}.${key} holds a nested type`);
    }
  }
  doc.destroy();
  // And straight from the wire format: every map key written (parentSub) must be an allowed one.
  for (const s of Y.decodeUpdate(update).structs) {
    if (!(s instanceof Y.Item) || s.parentSub === null) continue;
    const key = s.parentSub;
    if (![...PLAYER_TOP].some((top) => keyAllowed(top, key))) bad.push(`decoded key ${key}`);
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

  it("[SEC4] no canary reaches a player: frames, player and party documents, Postgres rows, HTTP; every key is allowed; outsiders are refused", async () => {
    const [alice, bob, carol] = t.players as [HttpUser, HttpUser, HttpUser];
    const partyName = partyDocName(t.campaignId);
    const dm = await t.dm();
    const coDm = await t.dm(t.coDm);
    // The DM's awareness carries a canary (in an allowed-looking and a stripped field).
    dm.provider.setAwarenessField("note", canary("dm-awareness"));
    coDm.provider.setAwarenessField("cursor", { hex: "0,0", label: canary("codm-awareness") });

    // Players connect before anything happens, through recording sockets, and stay for the whole session:
    // their own document and the party document on the same socket, as the browser opens them (PROJ15).
    const own = new Map<string, TestClient>();
    const party = new Map<string, TestClient>();
    for (const [i, p] of [alice, bob, carol].entries()) {
      const rec: Recorder = { frames: [] };
      recs.set(p.id, rec);
      const c = connectClient(playerApp.url, playerDocName(t.campaignId, p.id), p.cookie, {
        socketClass: recordingSocket(p.cookie, playerApp.url, rec),
      });
      const pc = connectOnSocket(c, partyName);
      playerClients.push(pc, c);
      expect(await c.ready).toBe(true);
      expect(await pc.ready).toBe(true);
      // Nobody's awareness is accepted on the party document: it must reach no one (not even its sender).
      pc.provider.setAwarenessField("note", canary(`party-awareness-p${i}`));
      own.set(p.id, c);
      party.set(p.id, pc);
    }
    const ownOf = (p: HttpUser) => own.get(p.id) as TestClient;
    const partyOf = (p: HttpUser) => party.get(p.id) as TestClient;
    const shown = (p: HttpUser) => viewOf({ ...ownOf(p), party: partyOf(p) });

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
    // Private to Alice: Bob and Carol must never see these, and they never enter the party document.
    const alicePrivate = canary("alice-private");
    setLabel(dm.doc, "2,2", alicePrivate);
    setNotes(dm.doc, "2,2", canary("alice-private-notes"));
    reveal(dm.doc, "2,2", alice.id);

    // Knowledge levels: every field above a player's level carries a canary (MODEL11, PROJ16).
    // Heard of (rumoured): only the rumour may leave.
    for (const hex of ["7,0", "7,1"]) {
      setTerrain(dm.doc, hex, canary(`rumoured-terrain-${hex}`));
      setLabel(dm.doc, hex, canary(`rumoured-label-${hex}`));
      setNotes(dm.doc, hex, canary(`rumoured-notes-${hex}`));
      setExplored(dm.doc, hex, canary(`rumoured-explored-${hex}`));
      setRumour(dm.doc, hex, `Rumour of ${hex}`);
      reveal(dm.doc, hex, ALL_PLAYERS, undefined, "rumoured");
    }
    // Seen from afar: terrain (and a landmark's name), never the notes or what exploring finds.
    for (const hex of ["8,0", "8,1"]) {
      setTerrain(dm.doc, hex, "mountains");
      setLabel(dm.doc, hex, hex === "8,1" ? "The Spire" : canary(`seen-label-${hex}`));
      setLandmark(dm.doc, hex, hex === "8,1");
      setNotes(dm.doc, hex, canary(`seen-notes-${hex}`));
      setExplored(dm.doc, hex, canary(`seen-explored-${hex}`));
      reveal(dm.doc, hex, ALL_PLAYERS, undefined, "seen");
    }
    // Visited: everything but what exploring finds — except for Alice, who explored 9,0 alone.
    setTerrain(dm.doc, "9,0", "hills");
    setNotes(dm.doc, "9,0", "A barrow");
    setExplored(dm.doc, "9,0", canary("alice-private-explored"));
    reveal(dm.doc, "9,0", ALL_PLAYERS, undefined, "visited");
    reveal(dm.doc, "9,0", alice.id, undefined, "explored");
    setExplored(dm.doc, "9,1", canary("visited-explored-9,1"));
    setTerrain(dm.doc, "9,1", "plains");
    reveal(dm.doc, "9,1", ALL_PLAYERS, undefined, "visited");

    // The crawl: Alice's party travels, gets lost far away; tables and rolls are the DM's alone (TRAVEL12).
    setParty(dm.doc, "scouts", { name: "The Scouts", members: [alice.id], visible: false });
    placeParty(dm.doc, "scouts", "0,0");
    moveParty(dm.doc, "scouts", "1,0", { by: t.owner.id, now: Date.now() });
    setLost(dm.doc, "scouts", true);
    moveParty(dm.doc, "scouts", TRUE_POSITION, { by: t.owner.id, now: Date.now() + 1 });
    setTableEntry(dm.doc, { terrain: "forest" }, "e1", { text: canary("encounter-table"), weight: 1 });
    setTableEntry(dm.doc, "weather", "w1", { text: canary("weather-table"), weight: 1 });
    setTravelSetting(dm.doc, "chance:forest", 1);
    roll(dm.doc, "encounter", { partyId: null, by: t.owner.id, now: Date.now(), rand: () => 0.5 });
    roll(dm.doc, "weather", { partyId: "scouts", by: t.owner.id, now: Date.now(), rand: () => 0.5 });

    await command(dm, { type: "session", action: "start" });
    await command(dm, { type: "publish" });
    await eventually(() => expect(shown(alice)["2,2"]).toBeDefined());
    // Alice sees her party where she believes it is, never where it is.
    await eventually(() => expect(readCrawlView(ownOf(alice).doc).parties.get("scouts")?.hex).toBe("1,0"));
    // Not vacuous: each level reached the players with exactly its fields.
    expect(shown(bob)["7,0"]).toEqual({ rumour: "Rumour of 7,0" });
    expect(shown(bob)["8,0"]).toEqual({ terrain: "mountains" });
    expect(shown(bob)["8,1"]).toEqual({ terrain: "mountains", label: "The Spire" });
    expect(shown(bob)["9,0"]).toEqual({ terrain: "hills", notes: "A barrow" });
    expect(shown(alice)["9,0"]).toMatchObject({ terrain: "hills", notes: "A barrow" });
    expect((shown(alice)["9,0"] as { explored?: string } | undefined)?.explored).toContain("CANARY-alice-private-explored");

    // Immediate mode: live edits to revealed and unrevealed hexes.
    setDmSetting(dm.doc, "broadcastMode", "immediate");
    setNotes(dm.doc, "0,0", "The road north");
    setDmNotes(dm.doc, "0,0", canary("immediate-dmnotes"));
    setNotes(dm.doc, "6,3", canary("immediate-unrevealed"));
    await eventually(() => expect(shown(alice)["0,0"]).toMatchObject({ notes: "The road north" }));

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
    // A DM previews Bob's view, own and party document (read-only; sends no awareness to either).
    const preview = connectClient(playerApp.url, playerDocName(t.campaignId, bob.id), t.owner.cookie);
    const previewParty = connectOnSocket(preview, partyName);
    playerClients.push(previewParty, preview);
    expect(await preview.ready).toBe(true);
    expect(await previewParty.ready).toBe(true);
    preview.provider.setAwarenessField("note", canary("preview-awareness"));
    previewParty.provider.setAwarenessField("note", canary("preview-party-awareness"));
    await command(dm, { type: "session", action: "end" });
    await new Promise((r) => setTimeout(r, 300));

    // Raw probes by a player: the DM doc, another player's doc, guessed names — each refused, nothing sent.
    // (The party document is not among them: every member may read it.)
    const probe: Recorder = { frames: [] };
    const refusedToBob = [
      dmDocName(t.campaignId),
      playerDocName(t.campaignId, alice.id),
      `campaign:${t.campaignId}:dm:x`,
      `campaign:${t.campaignId}:secrets`,
    ];
    await rawProbe(playerApp, bob.cookie, refusedToBob, probe);
    recs.set("probe", probe);
    for (const name of refusedToBob) {
      expect(probeOutcome(probe.frames, name), `Bob probing ${name}`).toEqual({ denied: true, authenticated: false, content: false });
    }
    // Someone signed in but not a member is refused the party document like every other.
    const outsider = await new HttpUser(playerApp.url, uniqueEmail("outsider")).signUp("Outsider");
    const outsiderProbe: Recorder = { frames: [] };
    const refusedToOutsider = [partyName, dmDocName(t.campaignId), playerDocName(t.campaignId, alice.id)];
    await rawProbe(playerApp, outsider.cookie, refusedToOutsider, outsiderProbe);
    recs.set("outsider", outsiderProbe);
    for (const name of refusedToOutsider) {
      expect(probeOutcome(outsiderProbe.frames, name), `an outsider probing ${name}`).toEqual({ denied: true, authenticated: false, content: false });
    }

    // The lost party's true position reaches no player, in any frame or document.
    for (const [who, rec] of recs) for (const f of rec.frames) expect(f.toString("latin1").includes(TRUE_POSITION), `true position in a frame to ${who}`).toBe(false);

    // 1. Frames. The party document's frames carry no canary at all, for anyone (Alice's private hex
    // travels on her own document only).
    for (const [who, rec] of recs) {
      expect(rec.frames.length, who).toBeGreaterThan(0);
      const onOwn: string[] = [];
      const onParty: string[] = [];
      for (const f of rec.frames) (frameHeader(f)?.doc === partyName ? onParty : onOwn).push(...findCanaries(f));
      expect(onParty, `party-document frames received by ${who}`).toEqual([]);
      if (who === alice.id) {
        expect(onOwn.filter((c) => !c.startsWith("CANARY-alice-private"))).toEqual([]);
      } else {
        expect(onOwn, `frames received by ${who}`).toEqual([]);
      }
    }
    const aliceFrames = recs.get(alice.id)?.frames ?? [];
    expect(aliceFrames.some((f) => frameHeader(f)?.doc === playerDocName(t.campaignId, alice.id) && findCanaries(f).includes(alicePrivate))).toBe(true);
    // Not vacuous: every player did receive the party document over that socket.
    for (const p of [alice, bob, carol]) {
      const frames = recs.get(p.id)?.frames ?? [];
      expect(frames.some((f) => frameHeader(f)?.doc === partyName && f.toString("latin1").includes("Public 0,0")), p.email).toBe(true);
    }

    // 2. Decoded player documents and party documents (each client's replica, and the server's party document).
    for (const p of [bob, carol]) {
      expect(findCanaries(Buffer.from(Y.encodeStateAsUpdate(ownOf(p).doc)))).toEqual([]);
      expect(disallowedKeys(Y.encodeStateAsUpdate(ownOf(p).doc))).toEqual([]);
    }
    expect(findCanaries(Buffer.from(Y.encodeStateAsUpdate(ownOf(alice).doc))).filter((c) => !c.startsWith("CANARY-alice-private"))).toEqual([]);
    expect(disallowedKeys(Y.encodeStateAsUpdate(ownOf(alice).doc))).toEqual([]);
    for (const p of [alice, bob, carol]) {
      for (const doc of [ownOf(p).doc, partyOf(p).doc]) expect(Buffer.from(Y.encodeStateAsUpdate(doc)).toString("latin1")).not.toContain(TRUE_POSITION);
    }
    const serverParty = playerApp.ctx.hocuspocus.documents.get(partyName);
    expect(serverParty).toBeDefined();
    for (const [who, doc] of [...[alice, bob, carol, t.owner].map((p) => [p.email, p === t.owner ? previewParty.doc : partyOf(p).doc] as const), ["server", serverParty ?? new Y.Doc()] as const]) {
      const update = Y.encodeStateAsUpdate(doc);
      expect(findCanaries(Buffer.from(update)), `party document of ${who}`).toEqual([]);
      expect(disallowedKeys(update), `party document of ${who}`).toEqual([]);
    }
    // The party document holds exactly what is revealed to everyone; a player document only the rest.
    const serverDm = app.ctx.hocuspocus.documents.get(dmDocName(t.campaignId));
    expect(serverDm).toBeDefined();
    if (serverDm) expect(viewToObject(readPlayerView(partyOf(bob).doc))).toEqual(viewToObject(project(serverDm, ALL_PLAYERS)));
    expect(Object.keys(viewToObject(readPlayerView(partyOf(bob).doc)))).toEqual(["0,0", "0,1", "7,0", "7,1", "8,0", "8,1", "9,0", "9,1"]);
    // Alice's own: her private hexes, and what her party's move showed her (the sight rule around 1,0).
    expect(Object.keys(viewToObject(readPlayerView(ownOf(alice).doc)))).toEqual(expect.arrayContaining(["2,2", "9,0", "2,0"]));
    for (const p of [bob, carol]) expect(readPlayerView(ownOf(p).doc).size).toBe(0);

    // 3. Player and party document rows in Postgres (after the stores have run).
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
    const playerRows = rows.filter((r) => r.name.includes(":player:") || r.name === partyName);
    expect(playerRows.map((r) => r.name).sort()).toEqual([partyName, ...[alice, bob, carol].map((p) => playerDocName(t.campaignId, p.id))].sort());
    for (const row of playerRows) {
      expect(row.state.toString("latin1").includes(TRUE_POSITION), `true position in ${row.name}`).toBe(false);
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

    // 4. Everything a player can fetch over HTTP (the invite routes of issue 10 included: the list is the DMs', an
    // invite's offer is the campaign's name and a role).
    const openInvite = await t.owner.invite(t.campaignId, "player");
    for (const p of [bob, carol]) {
      for (const path of [
        "/api/auth/get-session",
        "/api/campaigns",
        `/api/campaigns/${t.campaignId}`,
        `/api/campaigns/${t.campaignId}/members`,
        `/api/campaigns/${t.campaignId}/events`,
        `/api/campaigns/${t.campaignId}/events?after=0&limit=500`,
        `/api/campaigns/${t.campaignId}/invites`,
        `/api/invites/${openInvite}`,
        // Replay (REPLAY3): a player's own timeline holds only what was published to them; another's is refused.
        `/api/campaigns/${t.campaignId}/timeline/${p.id}`,
        `/api/campaigns/${t.campaignId}/timeline/${(p === bob ? carol : bob).id}`,
        "/",
        `/c/${t.campaignId}`,
      ]) {
        const r = await new HttpUser(playerApp.url, p.email).withCookie(p.cookie).request("GET", path);
        expect(findCanaries(JSON.stringify(r.json)), `${path} for ${p.email}`).toEqual([]);
      }
      // The timeline is not vacuous: the player's own has entries (publishes reached them).
      const own = await new HttpUser(playerApp.url, p.email).withCookie(p.cookie).request("GET", `/api/campaigns/${t.campaignId}/timeline/${p.id}`);
      expect((own.json as { entries: unknown[] }).entries.length, `timeline of ${p.email}`).toBeGreaterThan(0);
    }
    // 5. Exports (XCHG5): a player's map export carries only what their documents hold — built from them, never
    // from the DM document; the campaign export and another player's map are refused to players.
    for (const p of [alice, bob, carol]) {
      const u = new HttpUser(playerApp.url, p.email).withCookie(p.cookie);
      const mine = await u.request("GET", `/api/campaigns/${t.campaignId}/export/player`);
      expect(mine.status, p.email).toBe(200);
      const text = JSON.stringify(mine.json);
      expect(text.includes(TRUE_POSITION), `true position in ${p.email}'s export`).toBe(false);
      expect(text).toContain("Public 0,0");
      const found = findCanaries(text);
      expect(p === alice ? found.filter((c) => !c.startsWith("CANARY-alice-private")) : found, `${p.email}'s map export`).toEqual([]);
      for (const path of [`/api/campaigns/${t.campaignId}/export`, `/api/campaigns/${t.campaignId}/export/player?userId=${t.owner.id}`]) {
        const r = await u.request("GET", path);
        expect(r.status, `${path} for ${p.email}`).toBe(403);
        expect(findCanaries(JSON.stringify(r.json))).toEqual([]);
      }
      const other = await u.request("GET", `/api/campaigns/${t.campaignId}/export/player?userId=${(p === alice ? bob : alice).id}`);
      expect(other.status).toBe(403);
      expect(findCanaries(JSON.stringify(other.json))).toEqual([]);
    }
    // Not vacuous: the DM's export holds the secrets.
    const dmExport = await new HttpUser(playerApp.url, t.owner.email).withCookie(t.owner.cookie).request("GET", `/api/campaigns/${t.campaignId}/export`);
    expect(findCanaries(JSON.stringify(dmExport.json)).length).toBeGreaterThan(10);
  });
});
