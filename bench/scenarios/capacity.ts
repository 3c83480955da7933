import os from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { cpuMs, retainedBytes, ServerProcess } from "../lib/childServer.ts";
import { sleep } from "../lib/clients.ts";
import {
  judgeStep,
  LatencySink,
  nextStep,
  RampStop,
  rampOutcome,
  type CapacityLimits,
  type CapacityRun,
  type CapacityStep,
  type GeneratorLoad,
  type PgLoad,
} from "../lib/capacity.ts";
import { PgStatsReader, type PgCounters } from "../lib/pgStats.ts";
import type { StatsResult } from "../lib/ipc.ts";
import {
  baselineCampaign,
  EDIT_EVERY_MS,
  hexcrawlCampaign,
  PUBLISH_EVERY_MS,
  REVEAL_PER_PUBLISH,
  type CampaignLoad,
  type CapacitySinks,
} from "./capacityLoad.ts";
import { isNa, type NotAvailable } from "./common.ts";
import { signUpUsers } from "./hexcrawl.ts";

/**
 * The capacity ramp (issue 14): campaigns are added `step` at a time, each running its load from the moment it is set
 * up; after every step, once the new campaigns are connected, one window is measured — co-DM fan-out and publish
 * latency of every change sent in it, server CPU and memory, Postgres writes, and the load generator's own CPU — and
 * the ramp stops at the first step over a limit (or at `max`, or when the time budget would run out).
 */

export interface CapacityOptions {
  /** Campaigns added per step (the first step too), or `growth` times as many when that is more. */
  step: number;
  growth: number;
  max: number;
  windowMs: number;
  /** Ramp time budget per server (setup included); the ramp stops before a step that would end after it. */
  budgetMs: number;
  mapHexes: number;
  players: number;
  limits: CapacityLimits;
}

/** How one server's campaigns are made. */
export interface CampaignFactory {
  label: string;
  server: ServerProcess;
  create(index: number): Promise<CampaignLoad>;
}

/** Quiet time after the step's setup (connections, first syncs, the stores they trigger) before the window opens. */
const SETTLE_MS = 2000;
/** After the window closes, how long changes sent in it may still arrive before their age counts instead. */
const GRACE_MS = 3000;
/** Campaigns set up at once. */
const SETUP_PARALLEL = 4;

/** CPU of this process, its event loop delay and the machine's busy share, from `start` to `stop`. */
function meterGenerator(): { stop(): GeneratorLoad } {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const machine = () => os.cpus().reduce((a, c) => ({ idle: a.idle + c.times.idle, total: a.total + Object.values(c.times).reduce((x, y) => x + y, 0) }), { idle: 0, total: 0 });
  const m0 = machine();
  return {
    stop() {
      loop.disable();
      const cpu = process.cpuUsage(cpu0);
      const m1 = machine();
      const total = m1.total - m0.total;
      return {
        cpuCores: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0),
        lagP99Ms: loop.percentile(99) / 1e6,
        machineBusy: total > 0 ? 1 - (m1.idle - m0.idle) / total : Number.NaN,
        cores: os.cpus().length,
      };
    },
  };
}

/** Postgres and pg-driver counters of a server at one instant. */
async function pgSnapshot(server: ServerProcess, pg: PgStatsReader | null): Promise<{ db: PgCounters | null; driver: StatsResult["pgWrites"] | null }> {
  const [db, stats] = await Promise.all([pg ? pg.sample().catch(() => null) : Promise.resolve(null), server.stats()]);
  return { db, driver: stats.pgWrites ?? null };
}

function pgLoad(a: Awaited<ReturnType<typeof pgSnapshot>>, b: Awaited<ReturnType<typeof pgSnapshot>>, seconds: number): PgLoad {
  const rate = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? null : (y - x) / seconds);
  return {
    rowsPerS: rate(a.db?.rows, b.db?.rows),
    commitsPerS: rate(a.db?.commits, b.db?.commits),
    statementsPerS: rate(a.driver?.statements, b.driver?.statements),
    bytesPerS: rate(a.driver?.bytes, b.driver?.bytes),
    byTable: Object.fromEntries(
      Object.entries(b.driver?.byTable ?? {}).map(([table, t]) => {
        const before = a.driver?.byTable[table] ?? { statements: 0, bytes: 0 };
        return [table, { statementsPerS: (t.statements - before.statements) / seconds, bytesPerS: (t.bytes - before.bytes) / seconds }];
      }),
    ),
  };
}

/** Ramp one server until a limit; every campaign is stopped before this returns. */
export async function capacityRamp(
  factory: CampaignFactory,
  opts: CapacityOptions,
  pg: PgStatsReader | null,
  log: (msg: string) => void,
  /** Run every step up to this many campaigns whatever the budget (the other server's ramp reached it). */
  evenTo = 0,
): Promise<CapacityRun> {
  const { server } = factory;
  const sinks: CapacitySinks = { fanout: new LatencySink(), publish: new LatencySink(), ack: new LatencySink() };
  const loads: CampaignLoad[] = [];
  const steps: CapacityStep[] = [];
  const mem0 = await server.mem();
  const started = performance.now();
  // The previous ramp's clients may still be garbage on the heap: growth is counted from here.
  const heapAtStart = getHeapStatistics().used_heap_size;
  let stoppedBy: RampStop = RampStop.max;
  let error: string | undefined;
  try {
    for (;;) {
      const heap = getHeapStatistics();
      const next = nextStep(steps, {
        step: opts.step,
        growth: opts.growth,
        max: opts.max,
        elapsedMs: performance.now() - started,
        budgetMs: opts.budgetMs,
        evenTo,
        generatorHeap: { used: heap.used_heap_size, atStart: heapAtStart, limit: heap.heap_size_limit },
      });
      if ("stop" in next) {
        stoppedBy = next.stop;
        break;
      }
      try {
        while (loads.length < next.campaigns) {
          const batch = Array.from({ length: Math.min(SETUP_PARALLEL, next.campaigns - loads.length) }, (_, i) => loads.length + i);
          const made = await Promise.allSettled(batch.map((i) => factory.create(i)));
          for (const m of made) {
            if (m.status === "fulfilled") {
              m.value.start(sinks);
              loads.push(m.value);
            }
          }
          const failed = made.find((m) => m.status === "rejected");
          if (failed) throw failed.reason;
        }
      } catch (err) {
        stoppedBy = RampStop.error;
        error = err instanceof Error ? err.message.split("\n")[0]?.slice(0, 200) : String(err);
        break;
      }
      await sleep(SETTLE_MS);
      let step = await measureWindow(server, loads.length, sinks, opts, pg, mem0);
      if (!step.passed) {
        // Confirm a failure with a second window: one burst of another program on this shared machine is not a limit.
        log(`  ${factory.label}: ${step.campaigns} campaigns — ${step.reasons.join("; ")}; measuring a second window`);
        const first = step.reasons;
        step = { ...(await measureWindow(server, loads.length, sinks, opts, pg, mem0)), firstWindowFailed: first };
      }
      steps.push(step);
      log(
        `  ${factory.label}: ${step.campaigns} campaigns — fan-out p99 ${step.fanout.p99Ms.toFixed(0)} ms (${step.fanout.rounds}), publish p99 ${step.publish.p99Ms.toFixed(0)} ms (${step.publish.rounds}), server ${step.serverCpuCores.toFixed(2)} cores, bench ${step.generator.cpuCores.toFixed(2)} cores, machine ${(step.generator.machineBusy * 100).toFixed(0)} %${step.passed ? "" : ` — ${step.reasons.join("; ")}`}`,
      );
    }
  } finally {
    for (const l of loads) l.stop();
  }
  return rampOutcome(factory.label, steps, stoppedBy, error);
}

/** One measuring window with `campaigns` running. */
async function measureWindow(
  server: ServerProcess,
  campaigns: number,
  sinks: CapacitySinks,
  opts: CapacityOptions,
  pg: PgStatsReader | null,
  mem0: Awaited<ReturnType<ServerProcess["mem"]>>,
): Promise<CapacityStep> {
  const pg0 = await pgSnapshot(server, pg);
  const cpu0 = await server.cpu();
  const generator = meterGenerator();
  const from = performance.now();
  await sleep(opts.windowMs);
  const to = performance.now();
  const cpu1 = await server.cpu();
  const gen = generator.stop();
  const pg1 = await pgSnapshot(server, pg);
  const graceEnd = to + GRACE_MS;
  while (performance.now() < graceEnd && sinks.fanout.unseen(from, to) + sinks.publish.unseen(from, to) > 0) await sleep(20);
  const now = performance.now();
  const fanout = sinks.fanout.window(from, to, now);
  const publish = sinks.publish.window(from, to, now);
  const ack = sinks.ack.window(from, to, now);
  const mem = await server.mem();
  const windowS = (to - from) / 1000;
  return {
    campaigns,
    windowS,
    fanout,
    publish,
    ack,
    serverCpuCores: cpuMs(cpu0, cpu1) / (to - from),
    generator: gen,
    heapDeltaBytes: retainedBytes(mem) - retainedBytes(mem0),
    rssDeltaBytes: mem.rss - mem0.rss,
    pg: pgLoad(pg0, pg1, windowS),
    ...judgeStep({ fanout, publish, generator: gen }, opts.limits),
  };
}

/** Both ramps of a run, with what they were run with. */
export interface CapacityResult {
  options: Omit<CapacityOptions, "limits"> & { limits: CapacityLimits; editEveryMs: number; publishEveryMs: number; revealPerPublish: number };
  /** Where the Postgres figures come from. */
  pgSource: string;
  baseline: CapacityRun | NotAvailable;
  hexcrawl: CapacityRun | NotAvailable;
}

/**
 * The capacity scenario: the baseline (plain Hocuspocus + extension-database) ramped first, then Hex Crawl, each a
 * fresh server child on the run's store, never both at once. `pgUrl`: the run's Postgres database (null on PGlite).
 */
export async function capacityBench(
  opts: CapacityOptions,
  storeOptions: Record<string, unknown>,
  pgUrl: string | null,
  log: (msg: string) => void,
): Promise<CapacityResult> {
  const pg = pgUrl ? await PgStatsReader.open(pgUrl).catch(() => null) : null;
  const result: CapacityResult = {
    options: { ...opts, editEveryMs: EDIT_EVERY_MS, publishEveryMs: PUBLISH_EVERY_MS, revealPerPublish: REVEAL_PER_PUBLISH },
    pgSource: pg
      ? "rows: pg_stat_database (tup_inserted + tup_updated + tup_deleted) of the run's database; statements and bytes: the server's pg driver (insert/update/delete and their parameter bytes)"
      : "statements and bytes: the server's pg driver (insert/update/delete and their parameter bytes); rows: n/a (no Postgres statistics on this store)",
    baseline: { na: "not run" },
    hexcrawl: { na: "not run" },
  };
  const env = { BENCH_SERVER_OPTIONS: JSON.stringify(storeOptions) };
  const ramp = async (
    label: string,
    entry: string,
    factory: (server: ServerProcess) => Promise<CampaignFactory>,
    evenTo = 0,
  ): Promise<CapacityRun | NotAvailable> => {
    log(`capacity: ${label}`);
    let server: ServerProcess | null = null;
    try {
      server = await ServerProcess.start(`capacity-${entry}`, entry, env);
      return await capacityRamp(await factory(server), opts, pg, log, evenTo);
    } catch (err) {
      log(`  failed: ${err instanceof Error ? err.message : String(err)}`);
      return { na: err instanceof Error ? (err.message.split("\n")[0]?.slice(0, 200) ?? "failed") : String(err) };
    } finally {
      await server?.stop();
    }
  };
  try {
    result.baseline = await ramp("plain Hocuspocus + extension-database", "databaseBaselineServer.ts", async (server) => ({
      label: "baseline",
      server,
      create: (i) => baselineCampaign(server, i, opts.mapHexes, opts.players),
    }));
    // Hex Crawl is tried at every count the baseline passed, even if its setup is slower and the budget says stop.
    const baselineHeld = isNa(result.baseline) ? 0 : result.baseline.held;
    result.hexcrawl = await ramp(
      "Hex Crawl",
      "hexcrawlServer.ts",
      async (server) => {
        const { dm, players } = await signUpUsers(server, opts.players + 1);
        const [coDm, ...rest] = players;
        if (!coDm) throw new Error("no co-DM signed up");
        return { label: "Hex Crawl", server, create: (i) => hexcrawlCampaign(server, { owner: dm, coDm, players: rest }, i, opts.mapHexes) };
      },
      baselineHeld,
    );
  } finally {
    await pg?.close().catch(() => undefined);
  }
  return result;
}
