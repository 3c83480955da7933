import * as Y from "yjs";
import { dmDocName, partyDocName, playerDocName } from "@hexcrawl/shared/docNames";
import type { HexKey } from "@hexcrawl/shared/hex";
import { ALL_PLAYERS, DmMap, revealKey, setDmSetting } from "@hexcrawl/shared/model";
import type { Command } from "@hexcrawl/shared/protocol";
import { HttpUser } from "../../server/test/support/http.ts";
import {
  CommandChannel,
  connectClient,
  connectMany,
  sleep,
  waitAcked,
  waitFor,
  type BenchClient,
  type CommandOutcome,
} from "../lib/clients.ts";
import { cpuMs, retainedBytes, type ServerProcess } from "../lib/childServer.ts";
import { Arrival, shown, typeAndTrack, type Receiver } from "../lib/fanout.ts";
import { fillDmDoc, mapHexes, writeReveals } from "../lib/map.ts";
import { mean, summarize } from "../lib/stats.ts";
import {
  blocks,
  PUBLISH_HEXES,
  ROUND_TIMEOUT_MS,
  SETTLE_MS,
  WARMUP_ROUNDS,
  type IdleRow,
  type NotAvailable,
  type PublishRow,
  type TypingRow,
} from "./common.ts";

/**
 * Hex Crawl scenarios against the real server: users and campaigns through the HTTP API, a DM and
 * players on real providers with session cookies, DM commands as stateless messages.
 */

/** How long to wait for the server to answer a probe command before declaring publish unavailable. */
const PROBE_TIMEOUT_MS = 5000;
/** How long to wait for the first immediate-mode keystroke before declaring the mode unavailable. */
const IMMEDIATE_PROBE_MS = 5000;
/** Parallel HTTP calls while creating accounts and invites. */
const HTTP_PARALLEL = 8;

/** Reveal to every player through `*`, or to each player by their own key. */
export const RevealMode = { all: "all", each: "each" } as const;
export type RevealMode = (typeof RevealMode)[keyof typeof RevealMode];

/** Why publish rows are not measured. */
export const PUBLISH_NA = "publish not available";

async function inBatches<T>(items: readonly T[], parallel: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += parallel) {
    await Promise.all(items.slice(i, i + parallel).map((item, j) => fn(item, i + j)));
  }
}

/** Sign up `count` players and one DM through the real API. */
export async function signUpUsers(server: ServerProcess, count: number): Promise<{ dm: HttpUser; players: HttpUser[] }> {
  const run = `${process.pid}-${Date.now()}`;
  const dm = await new HttpUser(server.url, `dm-${run}@bench.test`).signUp();
  const players = Array.from({ length: count }, (_, i) => new HttpUser(server.url, `p${i}-${run}@bench.test`));
  await inBatches(players, HTTP_PARALLEL, async (p) => {
    await p.signUp();
  });
  return { dm, players };
}

function collabUrl(server: ServerProcess, campaignId: string): string {
  return `${server.url.replace(/^http/, "ws")}/collab?campaign=${campaignId}`;
}

/** One campaign: its DM connection, its players, its map. */
export class Campaign {
  readonly cmd: CommandChannel;
  dmClient: BenchClient;
  playerClients: BenchClient[] = [];
  /** Non-null once a probe found publish unusable. */
  publishNa: string | null = null;

  readonly server: ServerProcess;
  readonly id: string;
  readonly dm: HttpUser;
  readonly players: readonly HttpUser[];
  readonly hexes: readonly HexKey[];

  private constructor(server: ServerProcess, id: string, dm: HttpUser, players: readonly HttpUser[], hexes: readonly HexKey[]) {
    this.server = server;
    this.id = id;
    this.dm = dm;
    this.players = players;
    this.hexes = hexes;
    this.cmd = new CommandChannel(() => this.dmClient.provider);
    this.dmClient = this.connectDm();
  }

  /** Create the campaign, invite every player, open the DM document and draw a `mapSize`-hex map. */
  static async create(server: ServerProcess, dm: HttpUser, players: readonly HttpUser[], name: string, mapSize: number): Promise<Campaign> {
    const id = await dm.createCampaign(name);
    await inBatches(players, HTTP_PARALLEL, async (p) => {
      await p.accept(await dm.invite(id, "player"));
    });
    const c = new Campaign(server, id, dm, players, mapHexes(mapSize));
    await c.dmClient.synced;
    fillDmDoc(c.dmClient.doc, c.hexes);
    await waitAcked(c.dmClient);
    return c;
  }

  get dmDocName(): string {
    return dmDocName(this.id);
  }

  playerDocName(p: HttpUser): string {
    return playerDocName(this.id, p.id);
  }

  connectDm(): BenchClient {
    return connectClient(collabUrl(this.server, this.id), dmDocName(this.id), {
      cookie: this.dm.cookie,
      origin: this.server.url,
      onStateless: (payload) => this.cmd.onStateless(payload),
    });
  }

  /** Make `user` a co-DM of this campaign (an invite with the DM role, accepted). */
  async inviteDm(user: HttpUser): Promise<void> {
    await user.accept(await this.dm.invite(this.id, "dm"));
  }

  /** A co-DM's connection to the DM document (no command channel: the owner sends the commands). */
  connectCoDm(user: HttpUser): BenchClient {
    return connectClient(collabUrl(this.server, this.id), dmDocName(this.id), { cookie: user.cookie, origin: this.server.url });
  }

  /** A player as the browser connects: their own document and the party document on one socket. */
  connectPlayer(p: HttpUser): BenchClient {
    return connectClient(collabUrl(this.server, this.id), playerDocName(this.id, p.id), {
      cookie: p.cookie,
      origin: this.server.url,
      alsoOpen: [partyDocName(this.id)],
    });
  }

  async connectPlayers(): Promise<void> {
    this.playerClients = await connectMany([...this.players], (p) => this.connectPlayer(p));
  }

  /** The hex used for immediate-mode typing (never in a publish round's block). */
  get typingHex(): HexKey {
    return this.hexes[0] ?? "0,0";
  }

  /** Blocks of 100 hexes for reveal rounds, skipping the first block (typing hex, big-map reveals). */
  roundBlocks(skip = PUBLISH_HEXES): HexKey[][] {
    return blocks(this.hexes.slice(skip), PUBLISH_HEXES);
  }

  /** Paced to the server's command limit, then sent. */
  async send(cmd: Command, timeoutMs = ROUND_TIMEOUT_MS): Promise<CommandOutcome> {
    await this.cmd.pace();
    return this.cmd.send(cmd, timeoutMs);
  }

  /**
   * Start the session and publish the typing hex (notes as a Y.Text, revealed to everyone). Sets
   * `publishNa` when the server does not answer or refuses: the publish rows then print n/a.
   */
  async probe(): Promise<void> {
    const session = await this.send({ type: "session", action: "start" }, PROBE_TIMEOUT_MS);
    if (session.kind === "timeout") {
      this.publishNa = PUBLISH_NA;
      return;
    }
    const doc = this.dmClient.doc;
    doc.transact(() => {
      doc.getMap<unknown>(DmMap.notes).set(this.typingHex, new Y.Text("Notes: "));
      doc.getMap<unknown>(DmMap.reveals).set(revealKey(this.typingHex, ALL_PLAYERS), true);
    });
    await waitAcked(this.dmClient);
    const r = await this.send({ type: "publish" }, PROBE_TIMEOUT_MS);
    if (r.kind === "timeout") this.publishNa = PUBLISH_NA;
    else if (r.kind === "error") this.publishNa = `${PUBLISH_NA} (${r.code}: ${r.message})`;
  }

  private revealKeys(block: readonly HexKey[], mode: RevealMode): string[] {
    if (mode === RevealMode.all) return block.map((h) => revealKey(h, ALL_PLAYERS));
    return block.flatMap((h) => this.players.map((p) => revealKey(h, p.id)));
  }

  private async publishOk(what: string): Promise<void> {
    const r = await this.send({ type: "publish" });
    if (r.kind !== "ok") throw new Error(`${what}: publish ${r.kind === "error" ? `${r.code} ${r.message}` : "timed out"}`);
  }

  /**
   * Publish rounds: the DM reveals 100 hexes and (once the server has the edit) sends `publish`; timed
   * from the command to the last player's provider holding all 100 hexes. Server CPU is taken over the
   * whole round (the DM's reveal edit + the publish), like the baseline's write + fan-out. The block is
   * then hidden and that published too (not measured), so documents stay the same size across rounds.
   */
  async publishRounds(mode: RevealMode, rounds: number, budgetMs: number): Promise<PublishRow> {
    const arrival = new Arrival(this.playerClients.map((c) => c.view));
    const hexBlocks = this.roundBlocks();
    if (hexBlocks.length === 0) throw new Error("map too small for a 100-hex block");
    const latencies: number[] = [];
    const cpus: number[] = [];
    const has = (r: Receiver, h: HexKey) => shown(r, DmMap.terrain, h) !== undefined;
    let measuringSince = Number.NaN;
    for (let r = 0; r < WARMUP_ROUNDS + rounds; r++) {
      if (r === WARMUP_ROUNDS) measuringSince = performance.now();
      if (latencies.length > 0 && performance.now() - measuringSince > budgetMs) break;
      const block = hexBlocks[r % hexBlocks.length] ?? [];
      const keys = this.revealKeys(block, mode);
      await this.cmd.pace();
      const cpu0 = await this.server.cpu();
      writeReveals(this.dmClient.doc, keys, true);
      await waitAcked(this.dmClient);
      const arrived = arrival.arm((d) => block.every((h) => has(d, h)), ROUND_TIMEOUT_MS);
      const t0 = performance.now();
      const response = this.cmd.send({ type: "publish" });
      // An error answer ends the round at once instead of waiting for hexes that will never come.
      const refused = response.then((res) => {
        if (res.kind !== "ok") throw new Error(`publish round ${r}: ${res.kind === "error" ? `${res.code} ${res.message}` : "timed out"}`);
        return arrived;
      });
      const t1 = await Promise.race([arrived, refused]);
      await refused;
      const cpu1 = await this.server.cpu();
      if (r >= WARMUP_ROUNDS) {
        latencies.push(t1 - t0);
        cpus.push(cpuMs(cpu0, cpu1));
      }
      const gone = arrival.arm((d) => block.every((h) => !has(d, h)), ROUND_TIMEOUT_MS);
      writeReveals(this.dmClient.doc, keys, false);
      await waitAcked(this.dmClient);
      await this.publishOk(`hide after round ${r}`);
      await gone;
      await sleep(10);
    }
    return { receivers: this.playerClients.length, ...summarize(latencies), cpuMsPerPublish: mean(cpus) };
  }

  /**
   * Immediate mode: the DM types into the typing hex's notes (a Y.Text) at `perSecond`; timed from
   * each keystroke to the last player whose notes show it. Server CPU per second over the run.
   */
  async immediateTyping(keystrokes: number, perSecond: number): Promise<TypingRow | NotAvailable> {
    if (this.publishNa) return { na: this.publishNa };
    const hex = this.typingHex;
    const receivers = this.playerClients.map((c) => c.view);
    const len = (r: Receiver) => {
      const v = shown(r, DmMap.notes, hex);
      return typeof v === "string" ? v.length : 0;
    };
    await new Arrival(receivers).arm((d) => len(d) > 0, ROUND_TIMEOUT_MS);
    const text = this.dmClient.doc.getMap<unknown>(DmMap.notes).get(hex);
    if (!(text instanceof Y.Text)) throw new Error("typing hex has no Y.Text notes");
    setDmSetting(this.dmClient.doc, "broadcastMode", "immediate");
    await waitAcked(this.dmClient);
    try {
      // One probe keystroke: without immediate mode on the server, nothing would ever arrive.
      const before = receivers.map(len);
      text.insert(text.length, ".");
      try {
        await new Arrival(receivers).arm((d) => len(d) > (before[receivers.indexOf(d)] ?? 0), IMMEDIATE_PROBE_MS);
      } catch {
        return { na: "immediate mode not available (a keystroke did not reach the players)" };
      }
      const cpu0 = await this.server.cpu();
      const result = await typeAndTrack({
        receivers,
        visibleLength: len,
        type: (ch) => text.insert(text.length, ch),
        keystrokes,
        perSecond,
        tailTimeoutMs: 10_000,
      });
      const cpu1 = await this.server.cpu();
      return {
        receivers: receivers.length,
        keystrokes,
        lost: result.lost,
        ...summarize(result.latenciesMs),
        cpuMsPerS: cpuMs(cpu0, cpu1) / (result.windowMs / 1000),
      };
    } finally {
      setDmSetting(this.dmClient.doc, "broadcastMode", "staged");
      await waitAcked(this.dmClient).catch(() => undefined);
    }
  }

  destroyPlayers(): void {
    for (const c of this.playerClients) c.destroy();
    this.playerClients = [];
  }

  destroy(): void {
    this.destroyPlayers();
    this.dmClient.destroy();
  }
}

/** Memory per idle player connection (with its player document) and idle CPU. */
export async function hexcrawlIdle(server: ServerProcess, dm: HttpUser, players: readonly HttpUser[], windowMs: number): Promise<IdleRow> {
  const campaign = await Campaign.create(server, dm, players, "bench idle", 1);
  // Only players: the DM's own connection and document are not part of "per idle player".
  campaign.dmClient.destroy();
  // Nothing loaded before the baseline sample: the DM document took every player document with it.
  await server.waitQuiet();
  const mem0 = await server.mem();
  await campaign.connectPlayers();
  try {
    await sleep(SETTLE_MS);
    const mem1 = await server.mem();
    const cpu0 = await server.cpu();
    const t0 = performance.now();
    await sleep(windowMs);
    const cpu1 = await server.cpu();
    return {
      connections: players.length,
      bytesPerConnection: (retainedBytes(mem1) - retainedBytes(mem0)) / players.length,
      idleCpuMsPerS: cpuMs(cpu0, cpu1) / ((performance.now() - t0) / 1000),
    };
  } finally {
    campaign.destroyPlayers();
  }
}

/** Figures of the big-map scenario. Any entry may be n/a. */
export interface BigMapResult {
  mapHexes: number;
  revealedHexes: number;
  dmEncodedBytes: number;
  dmEncodedBytesPerHex: number;
  /** Heap growth of loading the DM document (with its player documents already loaded); `alsoLoaded`: other documents the load opened. */
  dmLoad: { coldLoadMs: number; heapBytes: number; bytesPerHex: number; alsoLoaded: string[] } | NotAvailable;
  playerDoc:
    | { heapBytes: number; bytesPerHex: number; plainHeapBytes: number; plainBytesPerHex: number; ratioToPlain: number; encodedBytes: number; plainEncodedBytes: number }
    | NotAvailable;
  playerFirstSyncColdMs: number | NotAvailable;
  playerFirstSyncWarmMs: number | NotAvailable;
  dmFirstSyncColdMs: number | NotAvailable;
  campaignId: string;
}

function na(err: unknown): NotAvailable {
  return { na: err instanceof Error ? err.message.slice(0, 160) : String(err) };
}

/** Connect and time until synced and `ready(view)`; the client is returned for the caller to destroy. */
async function timedSync(connect: () => BenchClient, ready: (r: Receiver) => boolean): Promise<{ ms: number; client: BenchClient }> {
  const t0 = performance.now();
  const client = connect();
  await client.synced;
  await waitFor("first sync content", () => ready(client.view), ROUND_TIMEOUT_MS, 1);
  return { ms: performance.now() - t0, client };
}

/**
 * A big DM document: encoded size; memory per loaded DM document and per player document (against the
 * same hexes in a plain Y.Doc); cold load from the database; first sync of a player with many revealed hexes.
 */
export async function bigMap(server: ServerProcess, dm: HttpUser, player: HttpUser, mapSize: number, revealed: number): Promise<BigMapResult> {
  const c = await Campaign.create(server, dm, [player], `bench big ${mapSize}`, mapSize);
  const dmEncodedBytes = Y.encodeStateAsUpdate(c.dmClient.doc).byteLength;
  const revealedHexes = c.hexes.slice(0, revealed);
  const result: BigMapResult = {
    mapHexes: mapSize,
    revealedHexes: revealedHexes.length,
    dmEncodedBytes,
    dmEncodedBytesPerHex: dmEncodedBytes / mapSize,
    dmLoad: { na: "not measured" },
    playerDoc: { na: "not measured" },
    playerFirstSyncColdMs: { na: PUBLISH_NA },
    playerFirstSyncWarmMs: { na: PUBLISH_NA },
    dmFirstSyncColdMs: { na: "not measured" },
    campaignId: c.id,
  };
  const playerName = c.playerDocName(player);
  // Revealed to this player by their own key, so the hexes are in the player document (what is revealed
  // to `*` lives in the party document, which has the same shape and is shared by every player).
  const hasAll = (r: Receiver) => revealedHexes.every((h) => shown(r, DmMap.terrain, h) !== undefined);
  try {
    await c.probe();
    if (!c.publishNa) {
      writeReveals(c.dmClient.doc, revealedHexes.map((h) => revealKey(h, player.id)), true);
      await waitAcked(c.dmClient);
      await c.connectPlayers();
      const r = await c.send({ type: "publish" });
      if (r.kind !== "ok") throw new Error(`big-map publish: ${r.kind === "error" ? r.code : "timeout"}`);
      const first = c.playerClients[0];
      if (first) await waitFor("player has the revealed hexes", () => hasAll(first.view), ROUND_TIMEOUT_MS);
    } else {
      result.playerDoc = { na: c.publishNa };
    }
    c.destroy();
    await server.waitUnloaded([c.dmDocName, playerName]);

    await server.waitQuiet();
    try {
      if (!c.publishNa) {
        // The player document alone first (the DM document would open it too, for presence).
        const p = await server.load(playerName);
        const plain = await server.plainCopy(playerName);
        result.playerDoc = {
          heapBytes: p.heapBytes,
          bytesPerHex: p.heapBytes / Math.max(1, p.hexes),
          plainHeapBytes: plain.heapBytes,
          plainBytesPerHex: plain.heapBytes / Math.max(1, plain.hexes),
          ratioToPlain: p.heapBytes / plain.heapBytes,
          encodedBytes: p.encodedBytes,
          plainEncodedBytes: plain.encodedBytes,
        };
      }
      const dmLoad = await server.load(c.dmDocName);
      result.dmLoad = {
        coldLoadMs: dmLoad.loadMs,
        heapBytes: dmLoad.heapBytes,
        bytesPerHex: dmLoad.heapBytes / mapSize,
        alsoLoaded: dmLoad.loadedAfter.filter((n) => n !== c.dmDocName && n !== playerName),
      };
    } catch (err) {
      if (!c.publishNa && "na" in result.playerDoc) result.playerDoc = na(err);
      else result.dmLoad = na(err);
    } finally {
      await server.release(c.dmDocName).catch(() => undefined);
      await server.release(playerName).catch(() => undefined);
      await server.waitQuiet();
    }

    if (!c.publishNa) {
      try {
        const cold = await timedSync(() => c.connectPlayer(player), hasAll);
        result.playerFirstSyncColdMs = cold.ms;
        const warm = await timedSync(() => c.connectPlayer(player), hasAll);
        result.playerFirstSyncWarmMs = warm.ms;
        warm.client.destroy();
        cold.client.destroy();
      } catch (err) {
        result.playerFirstSyncColdMs = na(err);
      }
      await server.waitUnloaded([c.dmDocName, playerName]);
    }
    try {
      const dmCold = await timedSync(() => c.connectDm(), ([d]) => (d?.getMap<unknown>(DmMap.terrain).size ?? 0) >= mapSize);
      result.dmFirstSyncColdMs = dmCold.ms;
      dmCold.client.destroy();
    } catch (err) {
      result.dmFirstSyncColdMs = na(err);
    }
    await server.waitUnloaded([c.dmDocName, playerName]);
  } finally {
    c.destroy();
  }
  return result;
}
