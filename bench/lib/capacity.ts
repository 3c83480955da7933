import { summarize, type LatencySummary } from "./stats.ts";

/**
 * The pure side of the capacity scenario (issue 14): latency samples per measuring window, the stopping rule of the
 * ramp, and what the ramp found. No timers, no sockets — unit-tested in capacity.test.ts.
 */

/** When a step fails, and when the load generator (this process) is too busy for its figures to be the server's. */
export interface CapacityLimits {
  /** Co-DM edit fan-out p99 above this fails the step. */
  fanoutP99Ms: number;
  /** Publish p99 above this fails the step. */
  publishP99Ms: number;
  /** The bench process using this many cores or more (one JS thread: at most ~1) is saturated. */
  generatorCpuCores: number;
  /** Or its event loop p99 delay above this: its own timestamps are late by about that much. */
  generatorLagP99Ms: number;
  /**
   * The whole machine busier than this share (0..1): the server competes for CPU with the generator, Postgres and
   * other programs (measured on a shared 2-core machine: at 80 % and more, p99 follows the other programs).
   */
  machineBusyShare: number;
}

export const DEFAULT_CAPACITY_LIMITS: CapacityLimits = {
  fanoutP99Ms: 100,
  publishP99Ms: 250,
  generatorCpuCores: 0.9,
  generatorLagP99Ms: 50,
  machineBusyShare: 0.8,
};

/** One timed change: sent at `sentAt` (performance.now()), seen by the last receiver at `doneAt`. */
interface Sample {
  sentAt: number;
  doneAt: number | null;
}

/** The latencies of one window: every change sent in it, an unseen one counted as its age so far (a lower bound). */
export interface WindowLatency extends LatencySummary {
  /** Changes sent in the window not yet seen when the window was read. */
  unseen: number;
}

/**
 * Latency samples of changes that may overlap (many campaigns, one edit a second each). A sample belongs to the window
 * its change was *sent* in; one still unseen when the window is read counts with its age so far, so a server that
 * never delivers fails the step instead of dropping out of the percentile.
 */
export class LatencySink {
  private samples: Sample[] = [];
  /** Bound on kept samples (BENCH5): an overloaded run cannot grow this without limit. */
  private readonly maxSamples: number;

  constructor(maxSamples = 200_000) {
    this.maxSamples = maxSamples;
  }

  /** A change sent now (`sentAt`); call the returned function when the last receiver has it. */
  begin(sentAt: number): (doneAt: number) => void {
    const s: Sample = { sentAt, doneAt: null };
    this.samples.push(s);
    if (this.samples.length > this.maxSamples) this.samples.splice(0, this.samples.length - this.maxSamples);
    return (doneAt) => {
      s.doneAt ??= doneAt;
    };
  }

  /** Latencies of changes sent in [from, to), read at `now`; samples sent before `from` are dropped. */
  window(from: number, to: number, now: number): WindowLatency {
    this.samples = this.samples.filter((s) => s.sentAt >= from);
    const inWindow = this.samples.filter((s) => s.sentAt < to);
    const latencies = inWindow.map((s) => (s.doneAt ?? now) - s.sentAt);
    return { ...summarize(latencies), unseen: inWindow.filter((s) => s.doneAt === null).length };
  }

  /** Changes sent in [from, to) not yet seen. */
  unseen(from: number, to: number): number {
    return this.samples.filter((s) => s.sentAt >= from && s.sentAt < to && s.doneAt === null).length;
  }
}

/** What the bench process and the machine did during a window. */
export interface GeneratorLoad {
  /** CPU of the bench process (the load generator) in cores: CPU ms per wall ms. */
  cpuCores: number;
  /** p99 delay of its event loop, ms. */
  lagP99Ms: number;
  /** Share of the whole machine busy (all processes, all cores), 0..1. */
  machineBusy: number;
  /** Cores of the machine, to turn `machineBusy` into cores. */
  cores: number;
}

/** Postgres write load during a window, per second. null where the store cannot tell (PGlite has no statistics). */
export interface PgLoad {
  /** Rows inserted + updated + deleted in the run's database (pg_stat_database). */
  rowsPerS: number | null;
  /** Committed transactions in the run's database, reads included (pg_stat_database.xact_commit). */
  commitsPerS: number | null;
  /** Insert / update / delete statements the server sent (its pg driver, pgMeter.ts). */
  statementsPerS: number | null;
  /** Bytes of their parameters (Yjs states and updates, mostly). */
  bytesPerS: number | null;
  /** Statements and bytes per second by table written (the server's pg driver). */
  byTable: Record<string, { statementsPerS: number; bytesPerS: number }>;
}

/** One step of the ramp: `campaigns` running, measured over one window. */
export interface CapacityStep {
  campaigns: number;
  windowS: number;
  fanout: WindowLatency;
  publish: WindowLatency;
  /** The editing DM's acknowledgement of the same edits (reported, not a stopping rule). */
  ack: WindowLatency;
  /** Server CPU in cores over the window. */
  serverCpuCores: number;
  generator: GeneratorLoad;
  /** Server memory after GC at the end of the window, above the same server before any campaign. */
  heapDeltaBytes: number;
  rssDeltaBytes: number;
  pg: PgLoad;
  passed: boolean;
  /** Why it failed (empty when it passed). */
  reasons: string[];
  /** The generator was saturated: the step's latencies may be the bench's, not the server's. */
  generatorSaturated: boolean;
  machineSaturated: boolean;
  /**
   * Reasons of a first window at this step that failed, when a second one was measured (a failure is confirmed once:
   * on a shared machine one window can fail on another program's burst); null when the first window is this one.
   */
  firstWindowFailed: string[] | null;
}

/** The verdict of a step under `limits`. */
export function judgeStep(
  m: Pick<CapacityStep, "fanout" | "publish" | "generator">,
  limits: CapacityLimits,
): Pick<CapacityStep, "passed" | "reasons" | "generatorSaturated" | "machineSaturated" | "firstWindowFailed"> {
  const reasons: string[] = [];
  // No sample is no evidence: a window without a single publish (or edit) cannot pass.
  if (m.fanout.rounds === 0) reasons.push("no co-DM edit measured");
  else if (!(m.fanout.p99Ms <= limits.fanoutP99Ms)) reasons.push(`fan-out p99 ${m.fanout.p99Ms.toFixed(0)} ms > ${limits.fanoutP99Ms} ms`);
  if (m.publish.rounds === 0) reasons.push("no publish measured");
  else if (!(m.publish.p99Ms <= limits.publishP99Ms)) reasons.push(`publish p99 ${m.publish.p99Ms.toFixed(0)} ms > ${limits.publishP99Ms} ms`);
  return {
    passed: reasons.length === 0,
    reasons,
    generatorSaturated: m.generator.cpuCores >= limits.generatorCpuCores || m.generator.lagP99Ms > limits.generatorLagP99Ms,
    machineSaturated: m.generator.machineBusy >= limits.machineBusyShare,
    firstWindowFailed: null,
  };
}

/** Why the ramp ended. */
export const RampStop = {
  /** A step failed its latency limits. */
  latency: "latency",
  /** `--capacity-max` campaigns held. */
  max: "max",
  /** The time budget ran out before the next step. */
  budget: "budget",
  /** A campaign could not be set up (error text in `error`). */
  error: "error",
  /** The load generator's heap is near its limit: one more step could crash the bench. */
  generatorMemory: "generatorMemory",
} as const;
export type RampStop = (typeof RampStop)[keyof typeof RampStop];

/** The ramp of one server. */
export interface CapacityRun {
  server: string;
  steps: CapacityStep[];
  stoppedBy: RampStop;
  error?: string;
  /** Campaigns of the last step that passed (0: even the first failed). */
  held: number;
  /**
   * `exact` when a step failed on the server's latency with the generator and the machine not saturated; otherwise a
   * lower bound (the ramp stopped for another reason, or the failing step's limit may be the generator's).
   */
  bound: "exact" | "lower";
  /** Why the bound is only a lower one (empty when exact). */
  boundWhy: string;
}

/**
 * Whether the ramp goes on after `steps`, and if not, why. The next step has `step` more campaigns, or `growth` times
 * as many when that is more: a geometric ramp finds a limit of 100 campaigns in a few windows (the figure is then
 * accurate to one step).
 */
export function nextStep(
  steps: readonly CapacityStep[],
  opts: {
    step: number;
    growth: number;
    max: number;
    elapsedMs: number;
    budgetMs: number;
    /** Steps up to this many campaigns run whatever the budget (the other server's ramp got there: same counts for both). */
    evenTo?: number;
    /** The bench process's heap: used now, used when this ramp started, and its limit (bytes). */
    generatorHeap?: { used: number; atStart: number; limit: number };
  },
): { campaigns: number } | { stop: RampStop } {
  const last = steps[steps.length - 1];
  if (last && !last.passed) return { stop: RampStop.latency };
  const now = last?.campaigns ?? 0;
  const campaigns = Math.max(now + opts.step, Math.round(now * opts.growth));
  if (campaigns > opts.max) return { stop: RampStop.max };
  // Every client holds its documents: what this ramp's campaigns added so far grows with the campaigns.
  const heap = opts.generatorHeap;
  if (now > 0 && heap && (heap.used + Math.max(0, heap.used - heap.atStart) * (campaigns / now - 1)) / heap.limit > GENERATOR_HEAP_SHARE_MAX) {
    return { stop: RampStop.generatorMemory };
  }
  if (campaigns <= (opts.evenTo ?? 0)) return { campaigns };
  // A step takes about as long as the last one did (setup + window); do not start one that cannot end in time.
  const perStep = steps.length > 0 ? opts.elapsedMs / steps.length : 0;
  if (steps.length > 0 && opts.elapsedMs + perStep > opts.budgetMs) return { stop: RampStop.budget };
  return { campaigns };
}

/** The bench process's heap may grow to this share of its limit (V8 slows down, then crashes, near it). */
export const GENERATOR_HEAP_SHARE_MAX = 0.75;

/** What a finished ramp found. */
export function rampOutcome(server: string, steps: readonly CapacityStep[], stoppedBy: RampStop, error?: string): CapacityRun {
  const held = Math.max(0, ...steps.filter((s) => s.passed).map((s) => s.campaigns));
  const failing = steps.find((s) => !s.passed);
  let boundWhy = "";
  if (stoppedBy === RampStop.max) boundWhy = "the ramp's maximum was held";
  else if (stoppedBy === RampStop.budget) boundWhy = "the time budget ran out";
  else if (stoppedBy === RampStop.error) boundWhy = `setup failed: ${error ?? "unknown"}`;
  else if (stoppedBy === RampStop.generatorMemory) boundWhy = "the load generator's heap would outgrow its limit at the next step";
  else if (failing?.generatorSaturated) boundWhy = "the load generator was saturated in the failing step";
  else if (failing?.machineSaturated) boundWhy = "the machine was saturated in the failing step (generator, Postgres and others share it)";
  return { server, steps: [...steps], stoppedBy, ...(error ? { error } : {}), held, bound: boundWhy ? "lower" : "exact", boundWhy };
}

/** Memory per campaign at the step with `campaigns` (or the last step when it has none). */
export function memoryPerCampaign(run: CapacityRun, campaigns?: number): { campaigns: number; heapBytes: number; rssBytes: number } | null {
  const step = (campaigns === undefined ? undefined : run.steps.find((s) => s.campaigns === campaigns)) ?? run.steps[run.steps.length - 1];
  if (!step || step.campaigns === 0) return null;
  return { campaigns: step.campaigns, heapBytes: step.heapDeltaBytes / step.campaigns, rssBytes: step.rssDeltaBytes / step.campaigns };
}

/**
 * Capacity of Hex Crawl against the baseline: the ratio, and whether it meets `≥ minRatio` — null when the bounds
 * cannot decide it (a lower bound that is below, or two lower bounds).
 */
export function capacityVerdict(hexcrawl: CapacityRun, baseline: CapacityRun, minRatio = 1): { ratio: number; pass: boolean | null } {
  const ratio = baseline.held > 0 ? hexcrawl.held / baseline.held : hexcrawl.held > 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  const meets = ratio >= minRatio;
  if (Number.isNaN(ratio)) return { ratio, pass: null };
  if (hexcrawl.bound === "exact" && baseline.bound === "exact") return { ratio, pass: meets };
  // Hex Crawl's true capacity is ≥ its figure; the baseline's ≥ its figure.
  if (hexcrawl.bound === "lower" && baseline.bound === "exact") return { ratio, pass: meets ? true : null };
  if (hexcrawl.bound === "exact" && baseline.bound === "lower") return { ratio, pass: meets ? null : false };
  return { ratio, pass: null };
}

/** The largest campaign count both ramps measured a step at (memory is compared there). */
export function commonCampaigns(a: CapacityRun, b: CapacityRun): number | undefined {
  const inB = new Set(b.steps.map((s) => s.campaigns));
  const both = a.steps.map((s) => s.campaigns).filter((n) => inB.has(n));
  return both.length > 0 ? Math.max(...both) : undefined;
}
