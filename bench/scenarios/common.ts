import type { LatencySummary } from "../lib/stats.ts";

/** Warm-up rounds run before the measured ones (JIT, first-use allocations), on both servers alike. */
export const WARMUP_ROUNDS = 3;
/** Hexes per publish, as in the issue. */
export const PUBLISH_HEXES = 100;
/** Deadline for one round's change to reach every receiver. */
export const ROUND_TIMEOUT_MS = 30_000;
/** Settle time after connecting many clients, before measuring idle memory / CPU. */
export const SETTLE_MS = 1000;

/** One publish row: latency from the change (or the publish command) to the last receiver, and server CPU. */
export interface PublishRow extends LatencySummary {
  receivers: number;
  /** Server CPU per round, ms (mean). */
  cpuMsPerPublish: number;
}

/** Idle connections row. */
export interface IdleRow {
  connections: number;
  /** Growth of heapUsed + arrayBuffers per connection (after GC), bytes. */
  bytesPerConnection: number;
  /** Server CPU per second with every connection idle, ms. */
  idleCpuMsPerS: number;
}

/** Typing row (immediate mode, or its plain Hocuspocus equivalent). */
export interface TypingRow extends LatencySummary {
  receivers: number;
  keystrokes: number;
  lost: number;
  cpuMsPerS: number;
}

/** A figure that could not be measured, and why. */
export interface NotAvailable {
  na: string;
}

export function isNa(x: unknown): x is NotAvailable {
  return typeof x === "object" && x !== null && "na" in x;
}

/** Split `keys` into consecutive blocks of `size` (the last may be short and is dropped). */
export function blocks<T>(keys: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i + size <= keys.length; i += size) out.push(keys.slice(i, i + size));
  return out;
}
