import { describe, expect, it } from "vitest";
import { evaluateGoals, renderMarkdown, type BenchResults } from "./report.ts";

function results(): Omit<BenchResults, "goals"> {
  const row = (p50Ms: number, cpuMsPerPublish: number, receivers: number) => ({ rounds: 50, p50Ms, p99Ms: p50Ms * 2, maxMs: p50Ms * 3, receivers, cpuMsPerPublish });
  return {
    machine: { cpuModel: "test cpu", cores: 2, memoryGiB: 8, node: "v20", os: "Linux" },
    config: {},
    store: "test",
    startedAt: "2026-01-01T00:00:00.000Z",
    durationS: 1,
    baseline: {
      publish: { "10": row(10, 2, 10), "200": row(40, 21, 200) },
      typing: { na: "not run" },
      idle: { connections: 200, bytesPerConnection: 10_000, idleCpuMsPerS: 1 },
    },
    hexcrawl: {
      publish: {
        all: { "10": row(14, 4, 10), "200": row(100, 40, 200) },
        each: { "10": { na: "publish not available" }, "200": { na: "publish not available" } },
      },
      immediate: { na: "not run" },
      idle: { connections: 200, bytesPerConnection: 20_000, idleCpuMsPerS: 2 },
      mapCompare: { smallHexes: 1000, bigHexes: 10000, small: row(20, 10, 10), big: row(20, 10.5, 10) },
      bigMap: { na: "not run" },
      client: { na: "not run" },
    },
  };
}

describe("goals", () => {
  it("[BENCH9] each goal of the issue is a ratio against the same run's baseline, with pass/fail", () => {
    const goals = evaluateGoals(results());
    const byId = new Map(goals.map((g) => [g.id, g]));
    expect(byId.get("G1-all-10")?.pass).toBe(true); // 1.4× ≤ 1.5×
    expect(byId.get("G1-all-200")?.pass).toBe(false); // 2.5×
    expect(byId.get("G3-all-10")?.pass).toBe(true); // 2.0× ≤ 2×
    expect(byId.get("G4-all")?.measured).toBe("1.89×"); // (40-4)/190 vs (21-2)/190
    expect(byId.get("G5")?.pass).toBe(true); // 1.05×
    expect(byId.get("G6")?.pass).toBe(false); // 2×
  });

  it("[BENCH14] per-player rows are judged against the N-documents baseline, `*` rows against the one-document baseline", () => {
    const r = results();
    const row = (p50Ms: number, cpuMsPerPublish: number, receivers: number) => ({ rounds: 50, p50Ms, p99Ms: p50Ms * 2, maxMs: p50Ms * 3, receivers, cpuMsPerPublish });
    r.baseline.publishEach = { "10": row(20, 10, 10), "200": row(300, 200, 200) };
    r.hexcrawl.publish.each = { "10": row(25, 30, 10), "200": row(400, 500, 200) };
    const byId = new Map(evaluateGoals(r).map((g) => [g.id, g]));
    expect(byId.get("G1-each-10")?.measured).toBe("1.25×"); // 25 vs 20, not 25 vs the one-document 10
    expect(byId.get("G3-each-200")?.measured).toBe("2.50×"); // 500 vs 200
    expect(byId.get("G4-each")?.measured).toBe("2.47×"); // (500-30)/190 vs (200-10)/190
    expect(byId.get("G1-all-10")?.measured).toBe("1.40×"); // `*` keeps the one-document baseline
    const md = renderMarkdown({ ...r, goals: evaluateGoals(r) });
    expect(md).toContain("| 200 | plain Hocuspocus, N documents |");
    // Results from before the N-documents baseline: no fair baseline, so n/a, never judged against one document.
    const old = results();
    old.hexcrawl.publish.each = r.hexcrawl.publish.each;
    expect(evaluateGoals(old).find((g) => g.id === "G1-each-10")?.pass).toBeNull();
  });

  it("[BENCH6] an unmeasured figure is n/a, never a pass", () => {
    const goals = evaluateGoals(results());
    for (const id of ["G1-each-10", "G2-each-200", "G4-each", "G7", "G8"]) {
      expect(goals.find((g) => g.id === id)?.pass, id).toBeNull();
    }
    const md = renderMarkdown({ ...results(), goals });
    expect(md).toContain("n/a (publish not available)");
    expect(md).toContain("Machine: test cpu, 2 cores");
  });
});
