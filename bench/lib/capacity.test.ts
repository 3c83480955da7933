import { describe, expect, it } from "vitest";
import {
  capacityVerdict,
  DEFAULT_CAPACITY_LIMITS,
  judgeStep,
  LatencySink,
  nextStep,
  RampStop,
  rampOutcome,
  type CapacityStep,
  type WindowLatency,
} from "./capacity.ts";
import { capacityGoals, renderCapacity } from "./capacityReport.ts";
import type { CapacityResult } from "../scenarios/capacity.ts";

const lat = (p99Ms: number, rounds = 40): WindowLatency => ({ rounds, p50Ms: p99Ms / 3, p99Ms, maxMs: p99Ms, unseen: 0 });
const idle = { cpuCores: 0.3, lagP99Ms: 12, machineBusy: 0.6, cores: 2 };

function step(campaigns: number, fanoutP99: number, publishP99: number, generator = idle): CapacityStep {
  const m = { fanout: lat(fanoutP99), publish: lat(publishP99, 4), generator, ack: lat(fanoutP99 / 2) };
  return {
    campaigns,
    windowS: 20,
    ...m,
    serverCpuCores: 0.1 * campaigns,
    heapDeltaBytes: campaigns * 2_000_000,
    rssDeltaBytes: campaigns * 3_000_000,
    pg: { rowsPerS: 12, commitsPerS: 30, statementsPerS: 10, bytesPerS: 40_000, byTable: { document: { statementsPerS: 2, bytesPerS: 30_000 }, document_journal: { statementsPerS: 8, bytesPerS: 10_000 } } },
    ...judgeStep(m, DEFAULT_CAPACITY_LIMITS),
  };
}

describe("capacity stopping rule", () => {
  it("[BENCH13] a step fails when the co-DM fan-out p99 passes 100 ms or the publish p99 passes 250 ms; no sample is no pass", () => {
    expect(step(4, 100, 250).passed).toBe(true);
    expect(step(4, 101, 20).reasons).toEqual(["fan-out p99 101 ms > 100 ms"]);
    expect(step(4, 20, 251).reasons).toEqual(["publish p99 251 ms > 250 ms"]);
    const empty = judgeStep({ fanout: lat(5), publish: lat(0, 0), generator: idle }, DEFAULT_CAPACITY_LIMITS);
    expect(empty).toMatchObject({ passed: false, reasons: ["no publish measured"] });
  });

  it("[BENCH13] the ramp adds steps until a failing step, the maximum, or a step that would overrun the budget", () => {
    const opts = { step: 3, growth: 1, max: 9, elapsedMs: 0, budgetMs: 100_000 };
    expect(nextStep([], opts)).toEqual({ campaigns: 3 });
    expect(nextStep([step(3, 10, 10)], { ...opts, elapsedMs: 30_000 })).toEqual({ campaigns: 6 });
    expect(nextStep([step(3, 10, 10), step(6, 150, 10)], opts)).toEqual({ stop: RampStop.latency });
    expect(nextStep([step(3, 10, 10), step(6, 10, 10), step(9, 10, 10)], opts)).toEqual({ stop: RampStop.max });
    // Two steps took 60 s: a third would end at ~90 s + 30 s > 100 s.
    expect(nextStep([step(3, 10, 10), step(6, 10, 10)], { ...opts, elapsedMs: 60_000 })).toEqual({ campaigns: 9 });
    expect(nextStep([step(3, 10, 10), step(6, 10, 10)], { ...opts, elapsedMs: 80_000 })).toEqual({ stop: RampStop.budget });
    // The second server is tried at every count the first one held, whatever the budget; never past the heap guard.
    expect(nextStep([step(3, 10, 10), step(6, 10, 10)], { ...opts, elapsedMs: 80_000, evenTo: 9 })).toEqual({ campaigns: 9 });
    // 3 campaigns added 300 MB: 6 would add 300 more, over 75 % of the 1 GB limit; garbage of an earlier ramp is not growth.
    const heap = (used: number, atStart: number) => ({ ...opts, generatorHeap: { used: used * 1e6, atStart: atStart * 1e6, limit: 1000e6 } });
    expect(nextStep([step(3, 10, 10)], heap(500, 200))).toEqual({ stop: RampStop.generatorMemory });
    expect(nextStep([step(3, 10, 10)], heap(400, 200))).toEqual({ campaigns: 6 });
    expect(nextStep([step(3, 10, 10)], heap(600, 700))).toEqual({ campaigns: 6 });
    // Geometric: ×1.5 once that is more than +3.
    const geometric = { ...opts, growth: 1.5, max: 100 };
    expect([3, 6, 9, 12].map((n) => nextStep([step(n, 10, 10)], geometric))).toEqual([{ campaigns: 6 }, { campaigns: 9 }, { campaigns: 14 }, { campaigns: 18 }]);
  });

  it("[BENCH13] the campaigns held are the last passing step's; a failure while the bench is saturated is only a lower bound", () => {
    const exact = rampOutcome("x", [step(3, 10, 10), step(6, 40, 90), step(9, 130, 90)], RampStop.latency);
    expect(exact).toMatchObject({ held: 6, bound: "exact" });
    const busy = { cpuCores: 0.97, lagP99Ms: 80, machineBusy: 0.99, cores: 2 };
    const bound = rampOutcome("x", [step(3, 10, 10), step(6, 130, 90, busy)], RampStop.latency);
    expect(bound).toMatchObject({ held: 3, bound: "lower" });
    expect(bound.boundWhy).toMatch(/load generator/);
    expect(rampOutcome("x", [step(3, 10, 10)], RampStop.max)).toMatchObject({ held: 3, bound: "lower" });
    // Other programs keeping the machine ≥ 80 % busy: the failure may be theirs.
    const shared = rampOutcome("x", [step(3, 10, 10), step(6, 130, 90, { ...idle, machineBusy: 0.85 })], RampStop.latency);
    expect(shared).toMatchObject({ held: 3, bound: "lower" });
    expect(shared.boundWhy).toMatch(/machine was saturated/);
  });

  it("[BENCH13] the capacity goal is decided only where the bounds decide it", () => {
    const run = (held: number, bound: "exact" | "lower") => ({ ...rampOutcome("x", [], RampStop.latency), held, bound });
    expect(capacityVerdict(run(6, "exact"), run(6, "exact"))).toEqual({ ratio: 1, pass: true });
    expect(capacityVerdict(run(3, "exact"), run(6, "exact")).pass).toBe(false);
    expect(capacityVerdict(run(9, "lower"), run(6, "exact")).pass).toBe(true);
    expect(capacityVerdict(run(3, "lower"), run(6, "exact")).pass).toBeNull();
    expect(capacityVerdict(run(3, "exact"), run(6, "lower")).pass).toBe(false);
    expect(capacityVerdict(run(9, "exact"), run(6, "lower")).pass).toBeNull();
  });
});

describe("LatencySink", () => {
  it("[BENCH13] a change belongs to the window it was sent in; one never seen counts its age, not nothing", () => {
    const sink = new LatencySink();
    sink.begin(5)(20); // before the window: dropped
    sink.begin(100)(130);
    sink.begin(150); // never seen
    sink.begin(300)(310); // after the window
    const w = sink.window(100, 200, 1150);
    expect(w).toMatchObject({ rounds: 2, unseen: 1, p50Ms: 30, p99Ms: 1000 });
    expect(sink.unseen(100, 200)).toBe(1);
  });
});

describe("capacity report", () => {
  const base = rampOutcome("baseline", [step(3, 10, 10), step(6, 20, 30), step(9, 120, 40)], RampStop.latency);
  const hc = rampOutcome("Hex Crawl", [step(3, 30, 60), step(6, 90, 140), { ...step(9, 300, 400), firstWindowFailed: ["fan-out p99 200 ms > 100 ms"] }], RampStop.latency);
  const result: CapacityResult = {
    options: { step: 3, growth: 1.5, max: 30, windowMs: 20_000, budgetMs: 150_000, mapHexes: 2000, players: 6, limits: DEFAULT_CAPACITY_LIMITS, editEveryMs: 1000, publishEveryMs: 20_000, revealPerPublish: 20 },
    pgSource: "test",
    baseline: base,
    hexcrawl: hc,
  };

  it("[BENCH13] renders both ramps, every step, and the goals C1 and C2 against the same run's baseline", () => {
    const md = renderCapacity(result).join("\n");
    expect(md).toContain("| plain Hocuspocus + extension-database | 6 | stopped by latency at 9 |");
    expect(md).toContain("**over**: fan-out p99 300 ms > 100 ms; publish p99 400 ms > 250 ms");
    expect(md).toContain("1.91 MiB / 2.86 MiB (at 9)");
    expect(md).toContain("(second window; the first: fan-out p99 200 ms > 100 ms)");
    expect(md).toContain("- Hex Crawl (6 campaigns): `document` 2.0/s 29.3 KiB/s, `document_journal` 8.0/s 9.8 KiB/s");
    expect(md).toContain("60 % (others 0.60)"); // 1.2 cores busy − 0.3 server − 0.3 bench
    const goals = capacityGoals(result);
    expect(goals.map((g) => [g.id, g.measured, g.pass])).toEqual([
      ["C1", "6 vs 6 (1.00×)", true],
      ["C2", "1.91 MiB vs 1.91 MiB (1.00×)", true],
      ["C3", "45.0 ms", true], // ack p99 at the 6 campaigns held: 90 / 2
    ]);
  });

  it("[BENCH6] a ramp that could not run is n/a, never a pass", () => {
    const goals = capacityGoals({ ...result, hexcrawl: { na: "server failed" } });
    expect(goals.every((g) => g.pass === null)).toBe(true);
    expect(renderCapacity({ ...result, hexcrawl: { na: "server failed" } }).join("\n")).toContain("n/a (server failed)");
  });
});
