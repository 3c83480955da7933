import * as Y from "yjs";
import type { HexKey } from "@hexcrawl/shared/hex";
import { ALL_PLAYERS, DmMap, revealKey, TERRAIN_IDS } from "@hexcrawl/shared/model";
import type { HttpUser } from "../../server/test/support/http.ts";
import type { ServerProcess } from "../lib/childServer.ts";
import { connectClient, connectMany, waitAcked, type BenchClient } from "../lib/clients.ts";
import type { LatencySink } from "../lib/capacity.ts";
import { Arrival, shown, Watch, type Receiver } from "../lib/fanout.ts";
import { fillDmDoc, mapHexes, writeReveals } from "../lib/map.ts";
import { blocks, ROUND_TIMEOUT_MS } from "./common.ts";
import { Campaign } from "./hexcrawl.ts";
import { acked } from "./journal.ts";

/**
 * One campaign of the capacity scenario (issue 14), on either server: two DMs on the DM document, each making one edit
 * a second — painting a hex's terrain, then typing a character into a hex's notes, in turn — and a publish every 20 s
 * (the owner reveals the next hexes to everyone; Hex Crawl also sends `publish`), with players reading.
 * - Fan-out: each edit is timestamped inside its transaction and timed to the *other* DM's provider showing it.
 * - Acknowledgement: from the same edit until the editing DM's provider has nothing unacknowledged (`unsyncedChanges`
 *   back at 0; Hex Crawl acknowledges once the update is in the journal, the baseline once it is in memory).
 * - Publish: Hex Crawl from the `publish` command (its reveal edit acknowledged first, as the publish rows do), the
 *   baseline from the owner's reveal transaction, to the last player's provider showing every revealed hex.
 */

/** One edit a second per DM (the issue). */
export const EDIT_EVERY_MS = 1000;
/** A publish every 20 s per campaign (the issue). */
export const PUBLISH_EVERY_MS = 20_000;
/** Hexes revealed to everyone before the load starts: the area the DMs paint and type in. */
export const INITIAL_REVEALED = 100;
/** Hexes each publish reveals (a party's next stretch of travel). */
export const REVEAL_PER_PUBLISH = 20;

/** Where latency samples go; both loads of a run share them. */
export interface CapacitySinks {
  fanout: LatencySink;
  publish: LatencySink;
  /** The editing DM's own wait: from the edit until its provider has nothing unacknowledged (issue 14's ack goal). */
  ack: LatencySink;
}

/** A running campaign. */
export interface CampaignLoad {
  /** Start the edit and publish timers, their first ticks at a random phase (campaigns do not act in lockstep). */
  start(sinks: CapacitySinks): void;
  /** Stop the timers and close every connection. */
  stop(): void;
}

/** Drift-free repeating timer: tick `n` runs at start + phase + n × period (skipped while the previous one runs). */
function every(periodMs: number, phaseMs: number, tick: (n: number) => void | Promise<void>): () => void {
  const started = performance.now() + phaseMs;
  let n = 0;
  let busy = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, Math.max(0, started + n * periodMs - performance.now()));
  };
  const run = () => {
    const k = n++;
    if (!busy) {
      busy = true;
      void Promise.resolve(tick(k))
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }
    schedule();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** One DM's edits on `client`, each timed to the other DM's document `watcher`, and to its own acknowledgement. */
function dmEdits(client: BenchClient, watcher: Y.Doc, paintHexes: readonly HexKey[], textHex: HexKey, sinks: CapacitySinks): (n: number) => void {
  const writer = client.doc;
  const sink = sinks.fanout;
  const watch = new Watch([watcher]);
  const timeAck = (sentAt: number) => {
    const done = sinks.ack.begin(sentAt);
    acked(client, sentAt).then((ms) => done(sentAt + ms), () => undefined);
  };
  const terrain = writer.getMap<unknown>(DmMap.terrain);
  const seenTerrain = watcher.getMap<unknown>(DmMap.terrain);
  const seenNotes = watcher.getMap<unknown>(DmMap.notes);
  return (n) => {
    let sentAt = 0;
    if (n % 2 === 0) {
      // Painting: the next hex of this DM's share, a terrain it does not have now.
      const hex = paintHexes[(n / 2) % paintHexes.length] ?? "0,0";
      const now = String(terrain.get(hex));
      const value = TERRAIN_IDS[(TERRAIN_IDS.indexOf(now as never) + 1) % TERRAIN_IDS.length] ?? "plains";
      writer.transact(() => {
        sentAt = performance.now();
        terrain.set(hex, value);
      });
      watch.add(() => seenTerrain.get(hex) === value, sink.begin(sentAt));
      timeAck(sentAt);
    } else {
      // Typing: one character at the end of this DM's own text field (only this DM writes it: length says it arrived).
      const text = writer.getMap<unknown>(DmMap.notes).get(textHex);
      if (!(text instanceof Y.Text)) return;
      writer.transact(() => {
        sentAt = performance.now();
        text.insert(text.length, String.fromCharCode(97 + (n % 26)));
      });
      const length = text.length;
      watch.add(() => {
        const seen = seenNotes.get(textHex);
        return seen instanceof Y.Text && seen.length >= length;
      }, sink.begin(sentAt));
      timeAck(sentAt);
    }
  };
}

/** The shared shape: two DM clients, players, a publish step that measures itself. */
function campaignLoad(
  owner: BenchClient,
  coDm: BenchClient,
  others: readonly BenchClient[],
  hexes: readonly HexKey[],
  publish: (block: readonly HexKey[], sink: LatencySink) => Promise<void>,
): CampaignLoad {
  const stops: (() => void)[] = [];
  const painted = hexes.slice(2, INITIAL_REVEALED);
  const publishBlocks = blocks(hexes.slice(INITIAL_REVEALED), REVEAL_PER_PUBLISH);
  return {
    start(sinks) {
      const a = dmEdits(owner, coDm.doc, painted.filter((_, i) => i % 2 === 0), hexes[0] ?? "0,0", sinks);
      const b = dmEdits(coDm, owner.doc, painted.filter((_, i) => i % 2 === 1), hexes[1] ?? "0,1", sinks);
      stops.push(every(EDIT_EVERY_MS, Math.random() * EDIT_EVERY_MS, a));
      stops.push(every(EDIT_EVERY_MS, Math.random() * EDIT_EVERY_MS, b));
      stops.push(
        every(PUBLISH_EVERY_MS, Math.random() * PUBLISH_EVERY_MS, async (n) => {
          const block = publishBlocks[n % publishBlocks.length];
          if (block) await publish(block, sinks.publish);
        }),
      );
    },
    stop() {
      for (const s of stops) s();
      for (const c of [owner, coDm, ...others]) c.destroy();
    },
  };
}

/** Users of a Hex Crawl capacity campaign: the owner, a co-DM and the players (the same users in every campaign). */
export interface CapacityUsers {
  owner: HttpUser;
  coDm: HttpUser;
  players: readonly HttpUser[];
}

/**
 * A Hex Crawl campaign: created, its `hexes`-hex map drawn, a session started, the first INITIAL_REVEALED hexes
 * revealed to everyone and published, then the co-DM and the players connected (each player with their own document
 * and the party document on one socket, as the browser does).
 */
export async function hexcrawlCampaign(server: ServerProcess, users: CapacityUsers, index: number, mapSize: number): Promise<CampaignLoad> {
  const c = await Campaign.create(server, users.owner, users.players, `bench capacity ${index}`, mapSize);
  let coDm: BenchClient | null = null;
  try {
    await c.inviteDm(users.coDm);
    await c.probe();
    if (c.publishNa) throw new Error(c.publishNa);
    const doc = c.dmClient.doc;
    // The probe gave hexes[0] a Y.Text note revealed to everyone; the co-DM types into hexes[1]'s.
    doc.transact(() => doc.getMap<unknown>(DmMap.notes).set(c.hexes[1] ?? "0,1", new Y.Text("Notes: ")));
    writeReveals(doc, c.hexes.slice(0, INITIAL_REVEALED).map((h) => revealKey(h, ALL_PLAYERS)), true);
    await waitAcked(c.dmClient);
    const r = await c.send({ type: "publish" });
    if (r.kind !== "ok") throw new Error(`first publish: ${r.kind === "error" ? `${r.code} ${r.message}` : "timed out"}`);
    const co = c.connectCoDm(users.coDm);
    coDm = co;
    await co.synced;
    await c.connectPlayers();
    const players = c.playerClients;
    const arrival = new Arrival(players.map((p) => p.view));
    const has = (v: Receiver, h: HexKey) => shown(v, DmMap.terrain, h) !== undefined;
    return campaignLoad(c.dmClient, co, players, c.hexes, async (block, sink) => {
      writeReveals(doc, block.map((h) => revealKey(h, ALL_PLAYERS)), true);
      await waitAcked(c.dmClient);
      await c.cmd.pace();
      const arrived = arrival.arm((v) => block.every((h) => has(v, h)), ROUND_TIMEOUT_MS);
      const done = sink.begin(performance.now());
      const answer = await c.cmd.send({ type: "publish" });
      if (answer.kind !== "ok") return;
      done(await arrived);
    });
  } catch (err) {
    coDm?.destroy();
    c.destroy();
    throw err;
  }
}

const BASELINE_ORIGIN = "http://127.0.0.1";

/**
 * A baseline campaign: one document on plain Hocuspocus holding what the Hex Crawl DM document holds (the same map,
 * the two Y.Text notes, the first INITIAL_REVEALED hexes' reveal keys), two DM clients writing it and the players
 * reading it whole.
 */
export async function baselineCampaign(server: ServerProcess, index: number, mapSize: number, players: number): Promise<CampaignLoad> {
  const url = server.url.replace(/^http/, "ws");
  const name = `capacity-${index}`;
  const hexes = mapHexes(mapSize);
  const connect = () => connectClient(url, name, { origin: BASELINE_ORIGIN });
  const owner = connect();
  const opened: BenchClient[] = [owner];
  try {
    await owner.synced;
    const doc = owner.doc;
    fillDmDoc(doc, hexes);
    doc.transact(() => {
      for (const h of hexes.slice(0, 2)) doc.getMap<unknown>(DmMap.notes).set(h, new Y.Text("Notes: "));
    });
    writeReveals(doc, hexes.slice(0, INITIAL_REVEALED).map((h) => revealKey(h, ALL_PLAYERS)), true);
    await waitAcked(owner);
    const coDm = connect();
    opened.push(coDm);
    await coDm.synced;
    const readers = await connectMany(Array.from({ length: players }, (_, i) => i), connect);
    opened.push(...readers);
    const arrival = new Arrival(readers.map((r) => r.view));
    return campaignLoad(owner, coDm, readers, hexes, async (block, sink) => {
      const keys = block.map((h) => revealKey(h, ALL_PLAYERS));
      const arrived = arrival.arm((v) => keys.every((k) => shown(v, DmMap.reveals, k) !== undefined), ROUND_TIMEOUT_MS);
      let sentAt = 0;
      doc.transact(() => {
        sentAt = performance.now();
        for (const k of keys) doc.getMap<unknown>(DmMap.reveals).set(k, true);
      });
      const done = sink.begin(sentAt);
      done(await arrived);
    });
  } catch (err) {
    for (const c of opened) c.destroy();
    throw err;
  }
}
