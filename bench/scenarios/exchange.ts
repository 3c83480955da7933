import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/**
 * The exchange scenario (`--only exchange`, issue 16, BENCH12): a map imported from our campaign file and from a
 * Worldographer `.wxx`, against the same map built through the CRDT API (one writer call per field, as DMs build
 * it), and its export — each in a fresh child process (`exchangeWork.ts`) so peak RSS is its own; three runs each,
 * the median time and the highest peak. Memory is the peak RSS above an empty run's.
 */

const exec = promisify(execFile);
const WORK = path.join(path.dirname(fileURLToPath(import.meta.url)), "exchangeWork.ts");
const RUNS = 3;

export interface ExchangeRow {
  what: string;
  ms: number;
  peakMiB: number;
}
export interface ExchangeResult {
  hexes: number;
  rows: ExchangeRow[];
  /** Import time and peak memory over the CRDT build's (goal ≤ 2). */
  importTimeRatio: number;
  importMemoryRatio: number;
}

async function measure(mode: string, hexes: number): Promise<{ ms: number; maxRssMiB: number }> {
  const times: number[] = [];
  let peak = 0;
  for (let i = 0; i < RUNS; i++) {
    const { stdout } = await exec(process.execPath, ["--import", "tsx", WORK, mode, String(hexes)], { timeout: 120_000 });
    const r = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { ms: number; maxRssMiB: number };
    times.push(r.ms);
    peak = Math.max(peak, r.maxRssMiB);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? 0, maxRssMiB: peak };
}

export async function exchangeBench(hexes: number): Promise<ExchangeResult> {
  const base = await measure("noop", hexes);
  const row = async (what: string, mode: string): Promise<ExchangeRow> => {
    const m = await measure(mode, hexes);
    return { what, ms: m.ms, peakMiB: Math.max(0, m.maxRssMiB - base.maxRssMiB) };
  };
  const crdt = await row("build through the CRDT API (one writer call per field)", "crdt");
  const imported = await row("import our campaign file (parse, check, one transaction)", "import");
  const wxx = await row("import a Worldographer .wxx (gunzip, UTF-16, XML, mapping)", "wxx");
  const exported = await row("export the campaign file (read, JSON)", "export");
  return {
    hexes,
    rows: [crdt, imported, wxx, exported],
    importTimeRatio: imported.ms / Math.max(crdt.ms, 1e-9),
    importMemoryRatio: imported.peakMiB / Math.max(crdt.peakMiB, 1e-9),
  };
}
