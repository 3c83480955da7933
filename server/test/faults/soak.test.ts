import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import pg from "pg";
import {
  ALL_PLAYERS,
  TERRAIN_IDS,
  dmDocName,
  hide,
  indexReveals,
  partyDocName,
  playerDocName,
  project,
  projectPrivate,
  readPlayerView,
  reveal,
  setLabel,
  setNotes,
  setTerrain,
} from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { openDatabase } from "../../src/db/Database.ts";
import { createTestStore, startTestApp, storeKinds, type StoreKind, type TestStore } from "../support/app.ts";
import { eventually, HttpUser, uniqueEmail } from "../support/http.ts";
import { connectClient, connectOnSocket, type TestClient } from "../support/providers.ts";
import { command } from "../support/commands.ts";
import { shownView, viewToObject } from "../game/fixture.ts";

/**
 * SOAK1: one server, a few hundred provider connections, two DMs editing steadily and publishing, for a bounded
 * time. No loss, heap roughly flat, no unhandled rejection. Everything runs in this process (server and clients),
 * so heap numbers include both sides.
 */

const { kinds, skipped } = await storeKinds();
const kind: StoreKind = kinds.includes("postgres") ? "postgres" : "pglite";
if (skipped) it.skip(`[SOAK1] real Postgres soak skipped, running on PGlite: ${skipped}`, () => undefined);

/** Sign-ups cost ~0.5 s each here (password hashing in this process): 40 accounts, 6 sockets each. */
const PLAYERS = 40;
const SOCKETS_PER_PLAYER = 6;
/** Each DM edits every this often: two DMs → 20 edits/s in total. */
const EDIT_INTERVAL_MS = 100;
const PUBLISH_INTERVAL_MS = 3_000;
/** Bounded load; setup (~52 sign-ups, ~250 sockets) and checks come on top, the file stays under ~90 s. */
const LOAD_MS = 40_000;
const HEAP_SAMPLE_INTERVAL_MS = 2_500;
/** Hexes each DM edits (disjoint ranges, so every key has one writer and the expected final value is known). */
const HEXES_PER_DM = 40;
/** Generous: memory growth only, never a timing. */
const HEAP_MAX_RATIO = 2;
const HEAP_MAX_GROWTH_BYTES = 150 * 1024 * 1024;
const CONNECT_BATCH = 50;

/** A gc() when this process can get one: exposed by --expose-gc, or enabled at run time through v8 flags. */
function gcFunction(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === "function") return exposed as () => void;
  try {
    v8.setFlagsFromString("--expose-gc");
    const fn: unknown = vm.runInNewContext("gc");
    return typeof fn === "function" ? (fn as () => void) : null;
  } catch {
    return null;
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The stored state of `names` — each document's row and its journal entries (DUR14: a document only clients edited may
 * hold its last edits in the journal alone) — read after the app closed (real Postgres, or the PGlite data directory).
 */
async function readRows(store: TestStore, names: string[]): Promise<Map<string, Y.Doc>> {
  const out = new Map<string, Y.Doc>();
  const read = async (query: (sql: string, params: unknown[]) => Promise<{ rows: { name: string; state: Buffer }[] }>) => {
    const r = await query(
      `select name, state, 0 as part, 0::bigint as id from document where name = any($1)
       union all select name, update, 1, id from document_journal where name = any($1)
       order by part, id`,
      [names],
    );
    for (const row of r.rows) {
      let doc = out.get(row.name);
      if (!doc) out.set(row.name, (doc = new Y.Doc()));
      Y.applyUpdate(doc, new Uint8Array(row.state));
    }
  };
  if (store.kind === "postgres") {
    const client = new pg.Client({ connectionString: store.options.databaseUrl });
    await client.connect();
    try {
      await read((sql, params) => client.query(sql, params));
    } finally {
      await client.end();
    }
  } else {
    const db = await openDatabase({ dataDir: store.options.dataDir ?? "" });
    try {
      await read((sql, params) => db.pool.query(sql, params));
    } finally {
      await db.close();
    }
  }
  return out;
}

/** Yjs structs held by `docs` (items and tombstones): what a document's history costs in memory. */
function structCount(docs: Iterable<Y.Doc>): number {
  let n = 0;
  for (const doc of docs) for (const structs of doc.store.clients.values()) n += structs.length;
  return n;
}

/** Yjs clock of `clientId` in `doc` (how many of that client's structs it has integrated). */
function clockOf(doc: Y.Doc, clientId: number): number {
  return Y.decodeStateVector(Y.encodeStateVector(doc)).get(clientId) ?? 0;
}

describe(`[SOAK1] soak on ${kind}`, () => {
  let store: TestStore;
  let app: App;
  const clients: TestClient[] = [];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    process.on("unhandledRejection", onRejection);
    store = await createTestStore(kind);
    // All traffic comes from 127.0.0.1: lift the per-address limits above what the soak opens.
    app = await startTestApp(store, { limits: { upgradesPerWindow: 10_000, connectionsPerAddress: 2_000 } });
  });

  afterAll(async () => {
    process.off("unhandledRejection", onRejection);
    for (const c of clients.splice(0)) c.destroy();
    await app?.close();
    await store?.cleanup();
  });

  it("[SOAK1] a few hundred connections, steady DM edits and publishes: nothing lost, heap flat, no unhandled rejection", { timeout: 150_000 }, async () => {
    const setupStarted = Date.now();
    const owner = await new HttpUser(app.url, uniqueEmail("soak-dm")).signUp("Soak DM");
    const coDm = await new HttpUser(app.url, uniqueEmail("soak-codm")).signUp("Soak Co-DM");
    const campaignId = await owner.createCampaign("Soak");
    await coDm.accept(await owner.invite(campaignId, "dm"));
    const players: HttpUser[] = [];
    for (let i = 0; i < PLAYERS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, PLAYERS - i) }, async (_, j) => {
          const p = await new HttpUser(app.url, uniqueEmail(`soak-p${i + j}`)).signUp(`Player ${i + j}`);
          await p.accept(await owner.invite(campaignId, "player"));
          return p;
        }),
      );
      players.push(...batch);
    }
    const signUpMs = Date.now() - setupStarted;
    const gc = gcFunction();
    gc?.();
    const heapBeforeSockets = process.memoryUsage().heapUsed;

    const open = async (name: string, user: HttpUser): Promise<TestClient> => {
      const c = connectClient(app.url, name, user.cookie, { campaignParam: campaignId });
      clients.push(c);
      if (!(await c.ready)) throw new Error(`${user.email} could not open ${name}: ${c.deniedReason ?? "?"}`);
      return c;
    };
    const dmName = dmDocName(campaignId);
    const dmA = await open(dmName, owner);
    const dmB = await open(dmName, coDm);
    const partyName = partyDocName(campaignId);
    /** A player's socket, as the browser opens it: their own document and the party document (no awareness there). */
    const openPlayer = async (p: HttpUser): Promise<{ own: TestClient; party: TestClient }> => {
      const own = await open(playerDocName(campaignId, p.id), p);
      const party = connectOnSocket(own, partyName, { awareness: false });
      clients.push(party);
      if (!(await party.ready)) throw new Error(`${p.email} could not open ${partyName}: ${party.deniedReason ?? "?"}`);
      return { own, party };
    };
    const playerClients = new Map<string, Array<{ own: TestClient; party: TestClient }>>();
    const wanted = players.flatMap((p) => Array.from({ length: SOCKETS_PER_PLAYER }, () => p));
    for (let i = 0; i < wanted.length; i += CONNECT_BATCH) {
      const batch = await Promise.all(wanted.slice(i, i + CONNECT_BATCH).map((p) => openPlayer(p).then((c) => [p.id, c] as const)));
      for (const [id, c] of batch) playerClients.set(id, [...(playerClients.get(id) ?? []), c]);
    }
    // Sockets at the bridge (each player socket carries two documents); Hocuspocus counts unique sockets plus the
    // game's direct connections (one per player document).
    const connections = app.bridge.connectionCount;
    const hocuspocusConnections = app.ctx.hocuspocus.getConnectionsCount();
    const setupMs = Date.now() - setupStarted;
    expect(connections).toBe(2 + PLAYERS * SOCKETS_PER_PLAYER);

    // What each key must hold at the end: every key has exactly one writer (its DM), who writes in order.
    const expected = new Map<string, string | undefined>();
    let edits = 0;
    const random = (n: number) => Math.floor(Math.random() * n);
    const editOnce = (dm: TestClient, tag: string, offset: number, n: number) => {
      const hex = `${offset + random(HEXES_PER_DM)},${random(3)}`;
      const kindOfEdit = n % 10;
      if (kindOfEdit <= 3) {
        const terrain = TERRAIN_IDS[n % TERRAIN_IDS.length] ?? "plains";
        setTerrain(dm.doc, hex, terrain);
        expected.set(`terrain|${hex}`, terrain);
      } else if (kindOfEdit <= 5) {
        setLabel(dm.doc, hex, `${tag}${n}`);
        expected.set(`label|${hex}`, `${tag}${n}`);
      } else if (kindOfEdit === 6) {
        setNotes(dm.doc, hex, `notes ${tag}${n}`);
        expected.set(`notes|${hex}`, `notes ${tag}${n}`);
      } else if (kindOfEdit <= 8) {
        const target = n % 3 === 0 ? ALL_PLAYERS : (players[random(players.length)]?.id ?? ALL_PLAYERS);
        reveal(dm.doc, hex, target);
        expected.set(`reveals|${hex}|${target}`, "visited");
      } else {
        // Hide from everyone: every reveal key of the hex goes.
        hide(dm.doc, hex);
        for (const k of [...expected.keys()]) if (k.startsWith(`reveals|${hex}|`)) expected.set(k, undefined);
      }
      edits += 1;
    };

    const heap: number[] = [];
    const sampleHeap = () => {
      gc?.();
      heap.push(process.memoryUsage().heapUsed);
    };
    const allDocs = () => [...app.ctx.hocuspocus.documents.values(), ...clients.map((c) => c.doc)];
    sampleHeap();
    const structsAtStart = structCount(allDocs());
    const sampler = setInterval(sampleHeap, HEAP_SAMPLE_INTERVAL_MS);

    const loadStarted = Date.now();
    const editLoop = async (dm: TestClient, tag: string, offset: number) => {
      for (let n = 0; Date.now() - loadStarted < LOAD_MS; n++) {
        editOnce(dm, tag, offset, n);
        // Paced on the schedule, not "sleep after": a slow turn does not lower the rate.
        const next = loadStarted + (n + 1) * EDIT_INTERVAL_MS;
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    };
    const publishLatenciesMs: number[] = [];
    const publishLoop = async () => {
      while (Date.now() - loadStarted < LOAD_MS - PUBLISH_INTERVAL_MS / 2) {
        await new Promise((r) => setTimeout(r, PUBLISH_INTERVAL_MS));
        const t = Date.now();
        await command(dmA, { type: "publish" });
        publishLatenciesMs.push(Date.now() - t);
      }
    };
    try {
      await Promise.all([editLoop(dmA, "A", 0), editLoop(dmB, "B", HEXES_PER_DM), publishLoop()]);
    } finally {
      clearInterval(sampler);
    }
    sampleHeap();
    const loadMs = Date.now() - loadStarted;
    const structsAtEnd = structCount(allDocs());

    // No loss on the server: it integrated every struct each DM made (clock = the DM's own clock), nothing
    // pending, and every key holds its last written value.
    await eventually(() => {
      expect(dmA.provider.hasUnsyncedChanges).toBe(false);
      expect(dmB.provider.hasUnsyncedChanges).toBe(false);
    }, 20_000);
    const serverDm = app.ctx.hocuspocus.documents.get(dmName);
    if (!serverDm) throw new Error("DM document not loaded");
    const checkDm = (doc: Y.Doc, where: string) => {
      for (const dm of [dmA, dmB]) expect(clockOf(doc, dm.doc.clientID), `${where}: structs of DM ${dm.doc.clientID}`).toBe(clockOf(dm.doc, dm.doc.clientID));
      const wrong: string[] = [];
      for (const [key, value] of expected) {
        const [map = "", ...rest] = key.split("|");
        const raw = doc.getMap<unknown>(map).get(rest.join("|"));
        const actual = raw === undefined ? undefined : raw instanceof Y.Text ? raw.toString() : String(raw);
        if (actual !== value) wrong.push(`${key}: ${String(actual)} ≠ ${String(value)}`);
      }
      expect(wrong, where).toEqual([]);
    };
    checkDm(serverDm, "server DM document");
    expect(serverDm.store.pendingStructs).toBeNull();

    // Last publish after the last edit: what every player sees — their own document over the party document
    // (PROJ15), on the server and in all 6 clients — equals the projection; the party document holds exactly what
    // is revealed to everyone and each player document exactly the rest (no copies).
    await command(dmA, { type: "publish" });
    const publishes = publishLatenciesMs.length + 1;
    const index = indexReveals(serverDm);
    const partyWant = viewToObject(project(serverDm, ALL_PLAYERS));
    const privateWant = new Map(players.map((p) => [p.id, viewToObject(projectPrivate(serverDm, p.id, index))]));
    await eventually(() => {
      const serverParty = app.ctx.hocuspocus.documents.get(partyName);
      expect(serverParty && viewToObject(readPlayerView(serverParty)), "server party doc").toEqual(partyWant);
      for (const p of players) {
        const want = viewToObject(project(serverDm, p.id));
        const serverDoc = app.ctx.hocuspocus.documents.get(playerDocName(campaignId, p.id));
        expect(serverDoc && viewToObject(shownView(serverDoc, serverParty)), `server docs of ${p.id}`).toEqual(want);
        expect(serverDoc && viewToObject(readPlayerView(serverDoc)), `server doc of ${p.id} (private only)`).toEqual(privateWant.get(p.id));
        for (const c of playerClients.get(p.id) ?? []) {
          expect(viewToObject(shownView(c.own.doc, c.party.doc)), `client of ${p.id}`).toEqual(want);
          expect(viewToObject(readPlayerView(c.own.doc)), `client of ${p.id} (private only)`).toEqual(privateWant.get(p.id));
        }
      }
    }, 20_000, 100);
    const allDocsCount = allDocs().length;
    const projections = new Map(players.map((p) => [p.id, viewToObject(project(serverDm, p.id))]));
    const revealedHexes = [...projections.values()].reduce((a, v) => a + Object.keys(v).length, 0);
    // Not vacuous: the load revealed hexes both to everyone and privately.
    expect(Object.keys(partyWant).length).toBeGreaterThan(0);
    expect([...privateWant.values()].some((v) => Object.keys(v).length > 0)).toBe(true);

    // After close: the rows hold the same (app.close stores every loaded document).
    for (const c of clients.splice(0)) c.destroy();
    const closeStarted = Date.now();
    await app.close();
    const closeMs = Date.now() - closeStarted;
    // Drop this test's own references to the client replicas, so the sample shows what the server kept.
    playerClients.clear();
    gc?.();
    const heapAfterClose = process.memoryUsage().heapUsed;
    const rows = await readRows(store, [dmName, partyName, ...players.map((p) => playerDocName(campaignId, p.id))]);
    const dmRow = rows.get(dmName);
    if (!dmRow) throw new Error("no DM row");
    checkDm(dmRow, "DM row");
    const partyRow = rows.get(partyName);
    expect(partyRow && viewToObject(readPlayerView(partyRow)), "party row").toEqual(partyWant);
    for (const p of players) {
      const row = rows.get(playerDocName(campaignId, p.id));
      expect(row && viewToObject(shownView(row, partyRow)), `rows of ${p.id}`).toEqual(projections.get(p.id));
      expect(row && viewToObject(readPlayerView(row)), `row of ${p.id} (private only)`).toEqual(privateWant.get(p.id));
    }

    const third = Math.max(1, Math.floor(heap.length / 3));
    const first = mean(heap.slice(0, third));
    const last = mean(heap.slice(-third));
    console.info(
      `[SOAK1] ${kind}: ${connections} sockets (2 DM + ${PLAYERS} players × ${SOCKETS_PER_PLAYER}; ${hocuspocusConnections} Hocuspocus connections incl. direct), setup ${setupMs} ms ` +
        `(sign-ups ${signUpMs} ms); load ${loadMs} ms: ${edits} edits (${(edits / (loadMs / 1000)).toFixed(1)}/s), ` +
        `${publishes} publishes (latency mean ${mean(publishLatenciesMs).toFixed(0)} ms, max ${Math.max(0, ...publishLatenciesMs)} ms), ` +
        `${revealedHexes} revealed hex views across players; close ${closeMs} ms\n` +
        `[SOAK1] heap (${gc ? "after gc" : "no gc available"}), ${heap.length} samples every ${HEAP_SAMPLE_INTERVAL_MS} ms: ` +
        heap.map(mb).join(", ") +
        `\n[SOAK1] first third mean ${mb(first)}, last third mean ${mb(last)}, ratio ${(last / first).toFixed(2)}, rss ${mb(process.memoryUsage().rss)}; ` +
        `Yjs structs in all ${allDocsCount} replicas ${structsAtStart} → ${structsAtEnd} (+${structsAtEnd - structsAtStart}, ` +
        `${((last - first) / Math.max(1, structsAtEnd - structsAtStart)).toFixed(0)} B of heap growth per new struct); ` +
        `heap before sockets ${mb(heapBeforeSockets)}, after clients destroyed and app closed ${mb(heapAfterClose)}`,
    );
    expect(last).toBeLessThan(first * HEAP_MAX_RATIO);
    expect(last - first).toBeLessThan(HEAP_MAX_GROWTH_BYTES);
    expect(rejections).toEqual([]);
  });
});
