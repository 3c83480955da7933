import { isNa, type NotAvailable } from "../scenarios/common.ts";
import type { CapacityResult } from "../scenarios/capacity.ts";
import { capacityVerdict, commonCampaigns, memoryPerCampaign, type CapacityRun, type CapacityStep, type PgLoad } from "./capacity.ts";
import { bytes, ms, naCell, NA_TEXT, ratio, safeRatio, table, type GoalResult } from "./format.ts";

/** The capacity section of the report and its goals (issue 14). */

/** Capacity goals: Hex Crawl holds ≥ 1.0× the baseline's campaigns, with ≤ 1.5× its memory per campaign. */
export const CAPACITY_MIN_RATIO = 1;
export const MEMORY_PER_CAMPAIGN_MAX_RATIO = 1.5;

const rate = (x: number | null, f: (v: number) => string) => (x === null ? NA_TEXT : f(x));
const perS = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)}/s`;

function pgCells(pg: PgLoad): string[] {
  return [rate(pg.rowsPerS, perS), rate(pg.statementsPerS, perS), rate(pg.bytesPerS, (v) => `${bytes(v)}/s`)];
}

function latencyCell(l: CapacityStep["fanout"]): string {
  if (l.rounds === 0) return NA_TEXT;
  return `${ms(l.p50Ms)} / ${ms(l.p99Ms)} (${l.rounds}${l.unseen ? `, ${l.unseen} unseen` : ""})`;
}

function stepRow(server: string, s: CapacityStep): string[] {
  const flags = [s.generatorSaturated ? "bench saturated" : "", s.machineSaturated ? "machine saturated" : ""].filter(Boolean).join(", ");
  return [
    server,
    String(s.campaigns),
    latencyCell(s.fanout),
    latencyCell(s.publish),
    latencyCell(s.ack),
    s.serverCpuCores.toFixed(2),
    `${s.generator.cpuCores.toFixed(2)} / ${ms(s.generator.lagP99Ms)}`,
    `${(s.generator.machineBusy * 100).toFixed(0)} % (others ${Math.max(0, s.generator.machineBusy * s.generator.cores - s.serverCpuCores - s.generator.cpuCores).toFixed(2)})`,
    bytes(s.heapDeltaBytes / s.campaigns),
    bytes(s.rssDeltaBytes / s.campaigns),
    ...pgCells(s.pg),
    `${s.passed ? "held" : `**over**: ${s.reasons.join("; ")}`}${s.firstWindowFailed ? ` (second window; the first: ${s.firstWindowFailed.join("; ")})` : ""}${flags ? ` (${flags})` : ""}`,
  ];
}

/** The step a summary row describes: the last one held, else the first. */
function headlineStep(run: CapacityRun): CapacityStep | undefined {
  return run.steps.find((s) => s.campaigns === run.held) ?? run.steps[0];
}

function summaryRow(label: string, run: CapacityRun | NotAvailable, memAt: number | undefined): string[] {
  if (isNa(run)) return [label, naCell(run), "", "", "", "", "", "", ""];
  const mem = memoryPerCampaign(run, memAt);
  const step = headlineStep(run);
  return [
    label,
    `${run.bound === "lower" ? "≥ " : ""}${run.held}`,
    run.bound === "lower" ? `lower bound: ${run.boundWhy}` : `stopped by latency at ${run.steps[run.steps.length - 1]?.campaigns ?? "?"}`,
    mem ? `${bytes(mem.heapBytes)} / ${bytes(mem.rssBytes)} (at ${mem.campaigns})` : NA_TEXT,
    ...(step ? pgCells(step.pg) : [NA_TEXT, NA_TEXT, NA_TEXT]),
    step ? `${step.serverCpuCores.toFixed(2)} (at ${step.campaigns})` : NA_TEXT,
    step && step.serverCpuCores > 0 ? (step.campaigns / step.serverCpuCores).toFixed(0) : NA_TEXT,
  ];
}

/** Markdown lines of the capacity section. */
export function renderCapacity(c: CapacityResult | NotAvailable): string[] {
  const out = ["### Capacity: campaigns per server (issue 14)", ""];
  if (isNa(c)) return [...out, naCell(c)];
  const o = c.options;
  out.push(
    `Each campaign: a ${o.mapHexes}-hex map, 2 DMs each making one edit every ${o.editEveryMs / 1000} s (painting a hex's terrain and typing into a hex's notes, in turn), ${o.players} players, a publish every ${o.publishEveryMs / 1000} s revealing ${o.revealPerPublish} more hexes to everyone. ` +
      `Each step adds ${o.step} campaigns${o.growth > 1 ? ` or ×${o.growth}, whichever is more` : ""} (at most ${o.max}, ramp budget ${(o.budgetMs / 1000).toFixed(0)} s per server), so the figure is accurate to one step; each step is measured over one ${(o.windowMs / 1000).toFixed(0)} s window (a failing one once more, to confirm it) and fails when the co-DM edit fan-out p99 passes ${o.limits.fanoutP99Ms} ms or the publish p99 passes ${o.limits.publishP99Ms} ms. ` +
      "Fan-out: from the edit's transaction to the other DM's provider showing it; ack: from the same edit until the editing DM's provider has nothing unacknowledged (Hex Crawl: in the journal; the baseline: in memory). Publish: Hex Crawl from the `publish` command, the baseline from the owner's reveal transaction, to the last player's provider showing every revealed hex. " +
      `Baseline: plain Hocuspocus with \`@hocuspocus/extension-database\` storing full state to the same database (default debounce), one document per campaign that both DMs write and the players read. Memory: server heap + array buffers (RSS after the slash) after GC, above the idle server, per campaign. Postgres: ${c.pgSource}.`,
  );
  out.push("");
  const runs = [c.baseline, c.hexcrawl];
  const memAt = !isNa(c.baseline) && !isNa(c.hexcrawl) ? commonCampaigns(c.baseline, c.hexcrawl) : undefined;
  out.push(
    table(
      ["server", "campaigns held", "why it stopped", "memory per campaign (heap / RSS)", "Postgres rows", "write statements", "bytes written", "server CPU cores", "campaigns per server core (extrapolated)"],
      [summaryRow("plain Hocuspocus + extension-database", c.baseline, memAt), summaryRow("Hex Crawl", c.hexcrawl, memAt)],
    ),
  );
  out.push("");
  out.push("The last column is the headline step's campaigns over the server's CPU cores there: where a ramp ends below the server's limit (this machine's load generator holds 128 campaigns), it is what each server needs per campaign, extrapolated linearly.");
  out.push("");
  const rows = runs.flatMap((run, i) => (isNa(run) ? [] : run.steps.map((s) => stepRow(i === 0 ? "baseline" : "Hex Crawl", s))));
  out.push(
    table(
      ["server", "campaigns", "fan-out p50 / p99 ms (edits)", "publish p50 / p99 ms (publishes)", "DM's ack p50 / p99 ms", "server cores", "bench cores / loop p99 ms", "machine busy (other cores: Postgres and the rest)", "heap / campaign", "RSS / campaign", "Postgres rows", "write statements", "bytes written", "step"],
      rows,
    ),
  );
  out.push("");
  out.push("Postgres writes by table at each server's headline step (the server's pg driver):");
  out.push("");
  for (const [label, run] of [["baseline", c.baseline], ["Hex Crawl", c.hexcrawl]] as const) {
    const step = isNa(run) ? undefined : headlineStep(run);
    if (!step) continue;
    const tables = Object.entries(step.pg.byTable)
      .filter(([, v]) => v.statementsPerS > 0)
      .sort((a, b) => b[1].bytesPerS - a[1].bytesPerS)
      .map(([t, v]) => `\`${t}\` ${perS(v.statementsPerS)} ${bytes(v.bytesPerS)}/s`);
    out.push(`- ${label} (${step.campaigns} campaigns): ${tables.length > 0 ? tables.join(", ") : NA_TEXT}`);
  }
  const lower = runs.filter((r): r is CapacityRun => !isNa(r) && r.bound === "lower");
  if (lower.some((r) => r.boundWhy.includes("generator") || r.boundWhy.includes("machine"))) {
    out.push("");
    out.push("A step marked *bench saturated* or *machine saturated* may have failed on the load generator or on the shared machine rather than on the server: the figure held is a lower bound for the server.");
  }
  return out;
}

/** Issue 14: a client's acknowledgement p99 under the capacity load (at the most campaigns Hex Crawl held). */
export const ACK_P99_MAX_MS = 50;

/** C1 (capacity) and C2 (memory per campaign) against the same run's baseline; C3 acknowledgement p99 under the load. */
export function capacityGoals(c: CapacityResult | NotAvailable): GoalResult[] {
  const goals: GoalResult[] = [];
  const base = isNa(c) ? null : c.baseline;
  const hc = isNa(c) ? null : c.hexcrawl;
  if (!base || !hc || isNa(base) || isNa(hc)) {
    goals.push({ id: "C1", goal: "campaigns held vs plain Hocuspocus + extension-database", measured: NA_TEXT, limit: `≥ ${ratio(CAPACITY_MIN_RATIO)}`, pass: null });
    goals.push({ id: "C2", goal: "memory per campaign vs the baseline", measured: NA_TEXT, limit: `≤ ${ratio(MEMORY_PER_CAMPAIGN_MAX_RATIO)}`, pass: null });
    goals.push(ackGoal(hc && !isNa(hc) ? hc : null));
    return goals;
  }
  const v = capacityVerdict(hc, base, CAPACITY_MIN_RATIO);
  const held = (r: CapacityRun) => `${r.bound === "lower" ? "≥ " : ""}${r.held}`;
  goals.push({
    id: "C1",
    goal: "campaigns held vs plain Hocuspocus + extension-database",
    measured: `${held(hc)} vs ${held(base)} (${Number.isFinite(v.ratio) ? ratio(v.ratio) : NA_TEXT})`,
    limit: `≥ ${ratio(CAPACITY_MIN_RATIO)}`,
    pass: v.pass,
  });
  const at = commonCampaigns(hc, base);
  const mh = memoryPerCampaign(hc, at);
  const mb = memoryPerCampaign(base, at);
  const memRatio = safeRatio(mh?.heapBytes, mb?.heapBytes);
  goals.push({
    id: "C2",
    goal: `memory (heap) per campaign vs the baseline${at === undefined ? "" : `, at ${at} campaigns`}`,
    measured: mh && mb ? `${bytes(mh.heapBytes)} vs ${bytes(mb.heapBytes)} (${ratio(memRatio)})` : NA_TEXT,
    limit: `≤ ${ratio(MEMORY_PER_CAMPAIGN_MAX_RATIO)}`,
    pass: Number.isFinite(memRatio) ? memRatio <= MEMORY_PER_CAMPAIGN_MAX_RATIO : null,
  });
  goals.push(ackGoal(hc));
  return goals;
}

function ackGoal(hc: CapacityRun | null): GoalResult {
  const step = hc ? hc.steps.find((s) => s.campaigns === hc.held) : undefined;
  const p99 = step && step.ack.rounds > 0 ? step.ack.p99Ms : Number.NaN;
  return {
    id: "C3",
    goal: `DM acknowledgement p99 under the capacity load${step ? ` (Hex Crawl, ${step.campaigns} campaigns)` : ""}`,
    measured: Number.isFinite(p99) ? `${ms(p99)} ms` : NA_TEXT,
    limit: `≤ ${ACK_P99_MAX_MS} ms`,
    pass: Number.isFinite(p99) ? p99 <= ACK_P99_MAX_MS : null,
  };
}
