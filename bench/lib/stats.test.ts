import { describe, expect, it } from "vitest";
import { percentile, summarize } from "./stats.ts";

describe("stats", () => {
  it("[BENCH8] percentiles are nearest-rank over the measured rounds", () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
    expect(summarize([3, 1, 2])).toEqual({ rounds: 3, p50Ms: 2, p99Ms: 3, maxMs: 3 });
  });
});
