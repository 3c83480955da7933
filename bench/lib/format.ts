import type { NotAvailable } from "../scenarios/common.ts";

/** Formatting shared by the report's sections (report.ts, capacityReport.ts). */

/** One goal of issue 6, checked. `pass` is null when it could not be measured. */
export interface GoalResult {
  id: string;
  goal: string;
  measured: string;
  limit: string;
  pass: boolean | null;
}

export const NA_TEXT = "n/a";

export function ms(x: number): string {
  return Number.isFinite(x) ? x.toFixed(x < 10 ? 2 : 1) : NA_TEXT;
}

export function ratio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : NA_TEXT;
}

export function bytes(x: number): string {
  if (!Number.isFinite(x)) return NA_TEXT;
  if (Math.abs(x) >= 1024 * 1024) return `${(x / 1024 / 1024).toFixed(2)} MiB`;
  if (Math.abs(x) >= 1024) return `${(x / 1024).toFixed(1)} KiB`;
  return `${x.toFixed(0)} B`;
}

export function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

export function naCell(x: NotAvailable): string {
  return `${NA_TEXT} (${x.na})`;
}

/** Ratio of two figures, NaN unless both are measured and the base is positive. */
export function safeRatio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0) return Number.NaN;
  return a / b;
}
