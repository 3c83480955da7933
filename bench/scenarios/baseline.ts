import * as Y from "yjs";
import { DmMap } from "@hexcrawl/shared/model";
import { connectClient, connectMany, sleep, type BenchClient } from "../lib/clients.ts";
import { cpuMs, retainedBytes, type ServerProcess } from "../lib/childServer.ts";
import { Arrival, shown, typeAndTrack, type Receiver } from "../lib/fanout.ts";
import { mapHexes, visibleContent } from "../lib/map.ts";
import { mean, summarize } from "../lib/stats.ts";
import { blocks, PUBLISH_HEXES, ROUND_TIMEOUT_MS, SETTLE_MS, WARMUP_ROUNDS, type IdleRow, type PublishRow, type TypingRow } from "./common.ts";

/**
 * The plain Hocuspocus baseline, no auth, no persistence: 1 writer + N readers on one document, or N documents with
 * one reader each (the per-player baseline). A round = the writer sets 100 hexes (measured), then deletes them (not measured),
 * so the document stays the same size across rounds — exactly like the Hex Crawl reveal / hide rounds.
 * The hexes carry what a Hex Crawl player receives for the same block of the same seeded map (terrain,
 * and the labels and notes of those that have them), so both sides move the same content.
 */

const ORIGIN = "http://127.0.0.1";

function wsUrl(server: ServerProcess): string {
  return server.url.replace(/^http/, "ws");
}

function connect(server: ServerProcess, name: string): BenchClient {
  return connectClient(wsUrl(server), name, { origin: ORIGIN });
}

/** The hexes' content (what a Hex Crawl player receives for them), set or deleted by a writer in one transaction. */
const PUBLISH_FIELDS = ["terrain", "label", "notes"] as const;

/**
 * Rounds of the baseline's publish: each round `write` sets one 100-hex block (measured, from the first write to the
 * last receiver holding the block), then `erase` deletes it (not measured), so documents keep their size.
 */
async function publishRounds(
  server: ServerProcess,
  receivers: readonly BenchClient[],
  writers: readonly BenchClient[],
  rounds: number,
): Promise<PublishRow> {
  const arrival = new Arrival(receivers.map((c) => c.view));
  const hexes = mapHexes(1000);
  const content = visibleContent(hexes);
  // The blocks Hex Crawl reveals (Campaign.roundBlocks skips the first block, used for typing).
  const hexBlocks = blocks(hexes.slice(PUBLISH_HEXES), PUBLISH_HEXES);
  const latencies: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < WARMUP_ROUNDS + rounds; r++) {
    const block = hexBlocks[r % hexBlocks.length] ?? [];
    const cpu0 = await server.cpu();
    const arrived = arrival.arm((r) => block.every((h) => shown(r, DmMap.terrain, h) !== undefined), ROUND_TIMEOUT_MS);
    const t0 = performance.now();
    for (const writer of writers) {
      writer.doc.transact(() => {
        for (const h of block) {
          const view = content.get(h) ?? {};
          for (const f of PUBLISH_FIELDS) {
            const v = view[f];
            if (v !== undefined) writer.doc.getMap<unknown>(f).set(h, v);
          }
        }
      });
    }
    const t1 = await arrived;
    const cpu1 = await server.cpu();
    if (r >= WARMUP_ROUNDS) {
      latencies.push(t1 - t0);
      cpus.push(cpuMs(cpu0, cpu1));
    }
    const gone = arrival.arm((r) => block.every((h) => shown(r, DmMap.terrain, h) === undefined), ROUND_TIMEOUT_MS);
    for (const writer of writers) {
      writer.doc.transact(() => {
        for (const h of block) for (const f of PUBLISH_FIELDS) writer.doc.getMap<unknown>(f).delete(h);
      });
    }
    await gone;
    await sleep(10);
  }
  return { receivers: receivers.length, ...summarize(latencies), cpuMsPerPublish: mean(cpus) };
}

/**
 * Publish rows of the baseline for one N, the same hexes for every reader: 1 writer + N readers on one document, one
 * transaction a round. The fair baseline of Hex Crawl's reveals to `*`.
 */
export async function baselinePublish(server: ServerProcess, readers: number, rounds: number): Promise<PublishRow> {
  const name = `baseline-publish-${readers}`;
  const writer = connect(server, name);
  await writer.synced;
  const clients = await connectMany(Array.from({ length: readers }, (_, i) => i), () => connect(server, name));
  try {
    return await publishRounds(server, clients, [writer], rounds);
  } finally {
    for (const c of clients) c.destroy();
    writer.destroy();
  }
}

/**
 * Publish rows of the baseline for one N, a different secret per reader: N documents, one per reader, and the writer
 * puts the block into each reader's own document (N transactions a round, one connection per document). The fair
 * baseline of Hex Crawl's reveals to each player (issue 14): the same work — N documents written, each sent to one
 * reader — where the one-document baseline writes once and fans out.
 */
export async function baselinePublishEach(server: ServerProcess, readers: number, rounds: number): Promise<PublishRow> {
  const names = Array.from({ length: readers }, (_, i) => `baseline-each-${readers}-${i}`);
  const writers = await connectMany(names, (name) => connect(server, name));
  try {
    const clients = await connectMany(names, (name) => connect(server, name));
    try {
      return await publishRounds(server, clients, writers, rounds);
    } finally {
      for (const c of clients) c.destroy();
    }
  } finally {
    for (const w of writers) w.destroy();
  }
}

/** The baseline of immediate-mode typing: 1 writer types into a Y.Text, N readers see it. */
export async function baselineTyping(server: ServerProcess, readers: number, keystrokes: number, perSecond: number): Promise<TypingRow> {
  const name = "baseline-typing";
  const hex = "0,0";
  const writer = connect(server, name);
  await writer.synced;
  const text = new Y.Text("Notes: ");
  writer.doc.getMap<unknown>(DmMap.notes).set(hex, text);
  const clients = await connectMany(Array.from({ length: readers }, (_, i) => i), () => connect(server, name));
  try {
    const len = (r: Receiver) => {
      const v = shown(r, DmMap.notes, hex);
      return v instanceof Y.Text ? v.length : 0;
    };
    await new Arrival(clients.map((c) => c.view)).arm((r) => len(r) > 0, ROUND_TIMEOUT_MS);
    const cpu0 = await server.cpu();
    const result = await typeAndTrack({
      receivers: clients.map((c) => c.view),
      visibleLength: len,
      type: (ch) => text.insert(text.length, ch),
      keystrokes,
      perSecond,
      tailTimeoutMs: 10_000,
    });
    const cpu1 = await server.cpu();
    return {
      receivers: readers,
      keystrokes,
      lost: result.lost,
      ...summarize(result.latenciesMs),
      cpuMsPerS: cpuMs(cpu0, cpu1) / (result.windowMs / 1000),
    };
  } finally {
    for (const c of clients) c.destroy();
    writer.destroy();
  }
}

/** Memory per idle reader and idle CPU with `count` readers on one document. */
export async function baselineIdle(server: ServerProcess, count: number, windowMs: number): Promise<IdleRow> {
  const name = "baseline-idle";
  await server.waitQuiet();
  const mem0 = await server.mem();
  const clients = await connectMany(Array.from({ length: count }, (_, i) => i), () => connect(server, name));
  try {
    await sleep(SETTLE_MS);
    const mem1 = await server.mem();
    const cpu0 = await server.cpu();
    const t0 = performance.now();
    await sleep(windowMs);
    const cpu1 = await server.cpu();
    return {
      connections: count,
      bytesPerConnection: (retainedBytes(mem1) - retainedBytes(mem0)) / count,
      idleCpuMsPerS: cpuMs(cpu0, cpu1) / ((performance.now() - t0) / 1000),
    };
  } finally {
    for (const c of clients) c.destroy();
  }
}
