import type { BigMapResult } from "../scenarios/hexcrawl.ts";
import type { PanRow } from "../scenarios/client.ts";
import type { AckRow, JournalResult } from "../scenarios/journal.ts";
import type { ExchangeResult } from "../scenarios/exchange.ts";
import type { CapacityResult } from "../scenarios/capacity.ts";
import { capacityGoals, renderCapacity } from "./capacityReport.ts";
import { bytes, ms, naCell, NA_TEXT, ratio, safeRatio, table, type GoalResult } from "./format.ts";

export { safeRatio, type GoalResult };
import { isNa, type IdleRow, type NotAvailable, type PublishRow, type TypingRow } from "../scenarios/common.ts";

/** What one run measured; written as bench/results/latest.json. */
export interface BenchResults {
  machine: { cpuModel: string; cores: number; memoryGiB: number; node: string; os: string };
  config: Record<string, unknown>;
  store: string;
  startedAt: string;
  durationS: number;
  baseline: {
    publish: Record<string, PublishRow | NotAvailable>;
    /**
     * N documents, one reader each, the writer putting the block into every one: the baseline of the per-player rows
     * (issue 14; absent in results of older runs, whose per-player rows were judged against `publish`).
     */
    publishEach?: Record<string, PublishRow | NotAvailable>;
    typing: TypingRow | NotAvailable;
    idle: IdleRow | NotAvailable;
  };
  hexcrawl: {
    publish: { all: Record<string, PublishRow | NotAvailable>; each: Record<string, PublishRow | NotAvailable> };
    immediate: TypingRow | NotAvailable;
    idle: IdleRow | NotAvailable;
    mapCompare: { smallHexes: number; bigHexes: number; small: PublishRow | NotAvailable; big: PublishRow | NotAvailable };
    bigMap: BigMapResult | NotAvailable;
    client: PanRow[] | NotAvailable;
  };
  /** Acknowledgement latency with and without the update journal (absent in results of older runs). */
  journal?: JournalResult | NotAvailable;
  /** Import and export of a big map (issue 16; absent in results of older runs). */
  exchange?: ExchangeResult | NotAvailable;
  /** Campaigns per server against Hocuspocus + extension-database (issue 14; absent in results of older runs). */
  capacity?: CapacityResult | NotAvailable;
  goals: GoalResult[];
}

/** The whole report as Markdown (printed to stdout and written as latest.md). */
export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`## Benchmark (${r.startedAt})`);
  out.push("");
  out.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB RAM, Node ${m.node}, ${m.os}. Store: ${r.store}. Run took ${r.durationS.toFixed(0)} s.`);
  out.push("");

  out.push("### Publish: 100 hexes to N receivers");
  out.push("");
  out.push(
    "Latency: baseline from the writer's (first) transaction, Hex Crawl from the `publish` command, to the last receiver's provider holding all 100 hexes. CPU: server process, per round. " +
      "Ratios: revealed to `*` against plain Hocuspocus with one document (one write, fanned out to N readers); revealed to each player against plain Hocuspocus with N documents, " +
      "the writer putting the block into each reader's own document (the same work: N different documents written, each sent to one reader).",
  );
  out.push("");
  const pubRows: string[][] = [];
  for (const n of Object.keys(r.baseline.publish).concat(Object.keys(r.hexcrawl.publish.all)).filter((v, i, a) => a.indexOf(v) === i).sort((a, b) => Number(a) - Number(b))) {
    const one = r.baseline.publish[n];
    const many = eachBaseline(r)[n];
    // [label, row, the baseline its ratios are against (undefined: it is a baseline)]
    const variants: [string, PublishRow | NotAvailable | undefined, PublishRow | NotAvailable | undefined][] = [
      ["plain Hocuspocus, one document", one, undefined],
      ...(r.baseline.publishEach ? [["plain Hocuspocus, N documents", many, undefined] as [string, PublishRow | NotAvailable | undefined, undefined]] : []),
      ["Hex Crawl, revealed to `*`", r.hexcrawl.publish.all[n], one],
      ["Hex Crawl, revealed to each player", r.hexcrawl.publish.each[n], many],
    ];
    for (const [label, row, base] of variants) {
      if (row === undefined) continue;
      if (isNa(row)) {
        pubRows.push([n, label, naCell(row), "", "", "", "", "", "", ""]);
        continue;
      }
      const b = base && !isNa(base) ? base : undefined;
      const isBase = base === undefined;
      pubRows.push([
        n,
        label,
        String(row.rounds),
        ms(row.p50Ms),
        ms(row.p99Ms),
        ms(row.maxMs),
        ms(row.cpuMsPerPublish),
        isBase ? "" : ratio(safeRatio(row.p50Ms, b?.p50Ms)),
        isBase ? "" : ratio(safeRatio(row.p99Ms, b?.p99Ms)),
        isBase ? "" : ratio(safeRatio(row.cpuMsPerPublish, b?.cpuMsPerPublish)),
      ]);
    }
  }
  out.push(table(["N", "server", "rounds", "p50 ms", "p99 ms", "max ms", "CPU ms/publish", "p50 ×", "p99 ×", "CPU ×"], pubRows));
  out.push("");

  out.push("### Immediate mode: typing in a revealed hex's notes");
  out.push("");
  const typingRow = (label: string, t: TypingRow | NotAvailable): string[] =>
    isNa(t) ? [label, naCell(t), "", "", "", "", ""] : [label, String(t.receivers), `${t.keystrokes - t.lost}/${t.keystrokes}`, ms(t.p50Ms), ms(t.p99Ms), ms(t.maxMs), ms(t.cpuMsPerS)];
  out.push(
    table(
      ["server", "players", "keystrokes seen by all", "p50 ms", "p99 ms", "max ms", "server CPU ms/s"],
      [typingRow("plain Hocuspocus (Y.Text)", r.baseline.typing), typingRow("Hex Crawl immediate mode", r.hexcrawl.immediate)],
    ),
  );
  out.push("");

  out.push("### Big maps");
  out.push("");
  const big = r.hexcrawl.bigMap;
  const mc = r.hexcrawl.mapCompare;
  const bigRows: string[][] = [];
  const val = (x: number | NotAvailable, f: (v: number) => string) => (typeof x === "number" ? f(x) : naCell(x));
  if (isNa(big)) bigRows.push(["big map", naCell(big)]);
  else {
    bigRows.push([`DM document, ${big.mapHexes} hexes: encoded size`, `${bytes(big.dmEncodedBytes)} (${big.dmEncodedBytesPerHex.toFixed(0)} B/hex)`]);
    bigRows.push([
      "server memory per loaded DM document",
      isNa(big.dmLoad)
        ? naCell(big.dmLoad)
        : `${bytes(big.dmLoad.heapBytes)} (${big.dmLoad.bytesPerHex.toFixed(0)} B/hex)${big.dmLoad.alsoLoaded.length ? `, incl. ${big.dmLoad.alsoLoaded.length} other document(s) the server opened with it` : ""}`,
    ]);
    bigRows.push(["cold load of the DM document from the store (server side)", isNa(big.dmLoad) ? naCell(big.dmLoad) : `${ms(big.dmLoad.coldLoadMs)} ms`]);
    bigRows.push(["DM first sync, cold (connect → synced, client side)", val(big.dmFirstSyncColdMs, (v) => `${ms(v)} ms`)]);
    bigRows.push([
      `server memory per player document (${big.revealedHexes} revealed hexes)`,
      isNa(big.playerDoc)
        ? naCell(big.playerDoc)
        : `${bytes(big.playerDoc.heapBytes)} (${big.playerDoc.bytesPerHex.toFixed(0)} B/hex); plain Y.Doc of the same hexes ${bytes(big.playerDoc.plainHeapBytes)} (${big.playerDoc.plainBytesPerHex.toFixed(0)} B/hex): ${ratio(big.playerDoc.ratioToPlain)}`,
    ]);
    if (!isNa(big.playerDoc)) {
      bigRows.push(["player document encoded size vs plain", `${bytes(big.playerDoc.encodedBytes)} vs ${bytes(big.playerDoc.plainEncodedBytes)}`]);
    }
    bigRows.push([`player first sync, ${big.revealedHexes} hexes, cold document`, val(big.playerFirstSyncColdMs, (v) => `${ms(v)} ms`)]);
    bigRows.push([`player first sync, ${big.revealedHexes} hexes, document loaded`, val(big.playerFirstSyncWarmMs, (v) => `${ms(v)} ms`)]);
  }
  const cmp = (row: PublishRow | NotAvailable) => (isNa(row) ? naCell(row) : `p50 ${ms(row.p50Ms)} ms, p99 ${ms(row.p99Ms)} ms, CPU ${ms(row.cpuMsPerPublish)} ms/publish (${row.receivers} players)`);
  bigRows.push([`publish of 100 hexes, ${mc.smallHexes}-hex DM document`, cmp(mc.small)]);
  bigRows.push([`publish of 100 hexes, ${mc.bigHexes}-hex DM document`, cmp(mc.big)]);
  out.push(table(["figure", "value"], bigRows));
  out.push("");

  out.push("### Connections (idle)");
  out.push("");
  const idleRow = (label: string, t: IdleRow | NotAvailable): string[] =>
    isNa(t) ? [label, naCell(t), "", ""] : [label, String(t.connections), bytes(t.bytesPerConnection), ms(t.idleCpuMsPerS)];
  out.push(
    table(
      ["server", "connections", "memory per connection", "idle CPU ms/s"],
      [idleRow("plain Hocuspocus (readers of one document)", r.baseline.idle), idleRow("Hex Crawl (players, each with their document)", r.hexcrawl.idle)],
    ),
  );
  out.push("");

  out.push("### Client: panning in Chromium (requestAnimationFrame deltas)");
  out.push("");
  const client = r.hexcrawl.client;
  out.push(
    isNa(client)
      ? naCell(client)
      : table(
          ["view", "frames", "p50 ms", "p95 ms", "max ms", "draw() p95 ms"],
          client.map((c) => [c.view, String(c.frames), ms(c.p50Ms), ms(c.p95Ms), ms(c.maxMs), ms(c.drawP95Ms)]),
        ),
  );
  out.push("");

  out.push("### Acknowledgement latency: update journal (DUR9)");
  out.push("");
  out.push("From a client's edit to the server's acknowledgement (`unsyncedChanges` back to 0). Both servers run Hex Crawl's persistence alone; one acknowledges once the update is applied in memory, the other once it is in the journal in Postgres.");
  out.push("");
  const j = r.journal ?? { na: "not run" };
  if (isNa(j)) out.push(naCell(j));
  else {
    const ackRow = (label: string, kind: string, row: AckRow, base: AckRow | null): string[] => [
      kind,
      label,
      String(row.clients),
      String(row.rounds),
      ms(row.p50Ms),
      ms(row.p99Ms),
      ms(row.maxMs),
      base ? ratio(safeRatio(row.p50Ms, base.p50Ms)) : "",
      base ? ratio(safeRatio(row.p99Ms, base.p99Ms)) : "",
      row.entriesPerStatement === null ? "" : row.entriesPerStatement.toFixed(1),
    ];
    out.push(
      table(
        ["edits", "server", "clients", "acks", "p50 ms", "p99 ms", "max ms", "p50 ×", "p99 ×", "updates per append statement"],
        [
          ackRow("no journal (acknowledged in memory)", "one at a time", j.withoutJournal.single, null),
          ackRow("journal (acknowledged in Postgres)", "one at a time", j.withJournal.single, j.withoutJournal.single),
          ackRow("no journal (acknowledged in memory)", "burst: every client at once", j.withoutJournal.burst, null),
          ackRow("journal (acknowledged in Postgres)", "burst: every client at once", j.withJournal.burst, j.withoutJournal.burst),
        ],
      ),
    );
  }
  out.push("");

  out.push("### Import and export (issue 16, BENCH12)");
  out.push("");
  const x = r.exchange ?? { na: "not run" };
  if (isNa(x)) out.push(naCell(x));
  else {
    out.push(`One ${x.hexes}-hex map (terrain everywhere, names, notes, DM notes, reveals), each path in a fresh process: median of 3 runs, peak RSS above an empty run.`);
    out.push("");
    out.push(table(["what", "ms", "peak MiB"], x.rows.map((row) => [row.what, ms(row.ms), row.peakMiB.toFixed(1)])));
    out.push("");
    const verdict = (v: number) => `${ratio(v)} ${v <= 2 ? "PASS" : "**FAIL**"}`;
    out.push(`Import vs CRDT build (goal ≤ 2×): time ${verdict(x.importTimeRatio)}, peak memory ${verdict(x.importMemoryRatio)}.`);
  }
  out.push("");

  out.push(...renderCapacity(r.capacity ?? { na: "not run" }));
  out.push("");

  out.push("### Goals (issue 6)");
  out.push("");
  out.push(
    table(
      ["id", "goal", "measured", "limit", "result"],
      r.goals.map((g) => [g.id, g.goal, g.measured, g.limit, g.pass === null ? NA_TEXT : g.pass ? "PASS" : "**FAIL**"]),
    ),
  );
  const passed = r.goals.filter((g) => g.pass === true).length;
  const failed = r.goals.filter((g) => g.pass === false).length;
  const unknown = r.goals.filter((g) => g.pass === null).length;
  out.push("");
  out.push(`${passed} pass, ${failed} fail, ${unknown} not measured.`);
  return out.join("\n");
}

/**
 * The baseline of the per-player rows: N documents (issue 14). Results of runs before it have none: their per-player
 * rows have no fair baseline, so their ratios are n/a rather than judged against the one-document baseline.
 */
function eachBaseline(r: Omit<BenchResults, "goals">): Record<string, PublishRow | NotAvailable> {
  return r.baseline.publishEach ?? {};
}

/** Check every goal of the issue against the measured figures. */
export function evaluateGoals(r: Omit<BenchResults, "goals">): GoalResult[] {
  const goals: GoalResult[] = [];
  const add = (id: string, goal: string, value: number, limit: number, fmt: (v: number) => string = ratio, tolerance = 0) => {
    goals.push({ id, goal, measured: fmt(value), limit: `≤ ${fmt(limit)}`, pass: Number.isFinite(value) ? value <= limit + tolerance : null });
  };
  const ns = Object.keys(r.baseline.publish).sort((a, b) => Number(a) - Number(b));
  const num = (row: PublishRow | NotAvailable | undefined, f: (p: PublishRow) => number) => (row && !isNa(row) ? f(row) : Number.NaN);
  const baselines = { all: r.baseline.publish, each: eachBaseline(r) };
  for (const [mode, label, base] of [["all", "`*`", "one document"], ["each", "each player", "N documents"]] as const) {
    for (const n of ns) {
      const b = baselines[mode][n];
      const h = r.hexcrawl.publish[mode][n];
      add(`G1-${mode}-${n}`, `publish p50 vs baseline (${base}), N=${n}, revealed to ${label}`, safeRatio(num(h, (p) => p.p50Ms), num(b, (p) => p.p50Ms)), 1.5);
      add(`G2-${mode}-${n}`, `publish p99 vs baseline (${base}), N=${n}, revealed to ${label}`, safeRatio(num(h, (p) => p.p99Ms), num(b, (p) => p.p99Ms)), 2);
      add(`G3-${mode}-${n}`, `server CPU per publish vs baseline (${base}), N=${n}, revealed to ${label}`, safeRatio(num(h, (p) => p.cpuMsPerPublish), num(b, (p) => p.cpuMsPerPublish)), 2);
    }
    const lo = ns[0];
    const hi = ns[ns.length - 1];
    if (lo !== undefined && hi !== undefined && lo !== hi) {
      const slope = (rows: Record<string, PublishRow | NotAvailable>) =>
        (num(rows[hi], (p) => p.cpuMsPerPublish) - num(rows[lo], (p) => p.cpuMsPerPublish)) / (Number(hi) - Number(lo));
      add(`G4-${mode}`, `server CPU per extra player vs baseline (${base}) per extra reader (N ${lo}→${hi}), revealed to ${label}`, safeRatio(slope(r.hexcrawl.publish[mode]), slope(baselines[mode])), 3);
    }
  }
  const mc = r.hexcrawl.mapCompare;
  add("G5", `publish CPU on a ${mc.bigHexes}-hex map vs a ${mc.smallHexes}-hex map`, safeRatio(num(mc.big, (p) => p.cpuMsPerPublish), num(mc.small, (p) => p.cpuMsPerPublish)), 1.1);
  const idle = (x: IdleRow | NotAvailable) => (isNa(x) ? Number.NaN : x.bytesPerConnection);
  add("G6", "memory per idle connection vs baseline", safeRatio(idle(r.hexcrawl.idle), idle(r.baseline.idle)), 1.5);
  const big = r.hexcrawl.bigMap;
  add("G7", "memory per player document vs its hexes in a plain Y.Doc", !isNa(big) && !isNa(big.playerDoc) ? big.playerDoc.ratioToPlain : Number.NaN, 1.2);
  const client = r.hexcrawl.client;
  const worst = isNa(client) ? Number.NaN : Math.max(...client.map((c) => c.p95Ms));
  // rAF deltas of a frame that made every 60 Hz vsync scatter ±0.5 ms around 16.67 ms; a missed frame is 33 ms.
  add("G8", "client pan p95 frame time at 10,000 hexes (worst view; ±0.5 ms vsync jitter allowed)", worst, 16.7, (v) => `${v.toFixed(2)} ms`, 0.5);
  goals.push(...capacityGoals(r.capacity ?? { na: "not run" }));
  return goals;
}
