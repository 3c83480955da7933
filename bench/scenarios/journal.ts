import { connectClient, connectMany, waitFor, type BenchClient } from "../lib/clients.ts";
import type { ServerProcess } from "../lib/childServer.ts";
import { summarize, type LatencySummary } from "../lib/stats.ts";
import { ROUND_TIMEOUT_MS, WARMUP_ROUNDS } from "./common.ts";

/**
 * Acknowledgement latency with and without the update journal (DUR9): how long a client waits from its edit until the
 * server's SyncStatus brings its `unsyncedChanges` back down — what the UI shows as "sending". Two servers that differ
 * only in the journal (bench/servers/persistenceServer.ts), driven in the same run, rounds alternating between them.
 * - single: one client, one edit at a time (the latency of an append round trip);
 * - burst: `clients` clients on one document, each making one edit in the same instant (group commit: the appends
 *   of a burst share statements; the figure is every client's latency).
 */

const ORIGIN = "http://127.0.0.1";

/** One latency row of the journal scenario. */
export interface AckRow extends LatencySummary {
  clients: number;
  /** Journal entries per append statement during the row (group commit); null without a journal. */
  entriesPerStatement: number | null;
}

/** Both variants, both rows. */
export interface JournalResult {
  withoutJournal: { single: AckRow; burst: AckRow };
  withJournal: { single: AckRow; burst: AckRow };
}

/** Resolves when the client has no unacknowledged update; the time it took, in ms, from `t0`. */
export function acked(client: BenchClient, t0: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.provider.off("unsyncedChanges", onChange);
      reject(new Error(`no acknowledgement in ${ROUND_TIMEOUT_MS} ms`));
    }, ROUND_TIMEOUT_MS);
    const onChange = ({ number }: { number: number }) => {
      if (number !== 0) return;
      clearTimeout(timer);
      client.provider.off("unsyncedChanges", onChange);
      resolve(performance.now() - t0);
    };
    client.provider.on("unsyncedChanges", onChange);
  });
}

/** Every client of `clients` sets one key in the same instant; each one's acknowledgement latency. */
async function editRound(clients: BenchClient[], round: number): Promise<number[]> {
  const t0 = performance.now();
  const waits = clients.map((c) => acked(c, t0));
  clients.forEach((c, i) => c.doc.getMap<string>("terrain").set(`${i},${round}`, `r${round}c${i}`));
  return Promise.all(waits);
}

interface Side {
  server: ServerProcess;
  single: BenchClient;
  burst: BenchClient[];
}

async function side(server: ServerProcess, burstClients: number): Promise<Side> {
  const url = server.url.replace(/^http/, "ws");
  const single = connectClient(url, "journal-single", { origin: ORIGIN });
  await single.synced;
  const burst = await connectMany(Array.from({ length: burstClients }, (_, i) => i), () => connectClient(url, "journal-burst", { origin: ORIGIN }));
  return { server, single, burst };
}

async function journalCounters(server: ServerProcess): Promise<{ appended: number; batches: number } | null> {
  return (await server.stats()).journal ?? null;
}

/** Runs `rounds` measured rounds (after warm-up) of one kind on both sides, alternating which goes first. */
async function rows(
  sides: { off: Side; on: Side },
  pick: (s: Side) => BenchClient[],
  rounds: number,
  roundBase: number,
): Promise<{ off: AckRow; on: AckRow }> {
  const samples = { off: [] as number[], on: [] as number[] };
  const before = await journalCounters(sides.on.server);
  for (let r = 0; r < WARMUP_ROUNDS + rounds; r++) {
    const order = r % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
    for (const which of order) {
      const latencies = await editRound(pick(sides[which]), roundBase + r);
      if (r >= WARMUP_ROUNDS) samples[which].push(...latencies);
    }
  }
  const after = await journalCounters(sides.on.server);
  const perStatement =
    before && after && after.batches > before.batches ? (after.appended - before.appended) / (after.batches - before.batches) : null;
  const clients = pick(sides.on).length;
  return {
    off: { ...summarize(samples.off), clients, entriesPerStatement: null },
    on: { ...summarize(samples.on), clients, entriesPerStatement: perStatement },
  };
}

/** The journal scenario: both servers already started (`off` without the journal, `on` with it). */
export async function ackLatency(off: ServerProcess, on: ServerProcess, rounds: number, burstClients: number): Promise<JournalResult> {
  const sides = { off: await side(off, burstClients), on: await side(on, burstClients) };
  try {
    // Counters move only through the measured servers' own clients; wait for the initial syncs to be acknowledged.
    for (const s of [sides.off, sides.on]) {
      await waitFor("initial sync", () => [s.single, ...s.burst].every((c) => !c.provider.hasUnsyncedChanges));
    }
    const single = await rows(sides, (s) => [s.single], rounds, 0);
    const burst = await rows(sides, (s) => s.burst, Math.max(1, Math.floor(rounds / 4)), 100_000);
    return { withoutJournal: { single: single.off, burst: burst.off }, withJournal: { single: single.on, burst: burst.on } };
  } finally {
    for (const s of [sides.off, sides.on]) for (const c of [s.single, ...s.burst]) c.destroy();
  }
}
