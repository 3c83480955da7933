/**
 * The RPC between the bench driver and a bench server child (Node IPC channel of `fork`).
 * Every server figure (CPU, memory, load time) is measured inside the server process and sent back
 * here, so the driver's own work never pollutes it.
 */

/** Operations every bench server answers. */
export const ServerOp = {
  /** process.cpuUsage() in microseconds. */
  cpu: "cpu",
  /** process.memoryUsage() after two forced garbage collections. */
  mem: "mem",
  /** Loaded documents and open connections. */
  stats: "stats",
  /** Open a document server-side (cold if not loaded) and measure load time and heap growth. */
  load: "load",
  /** Drop the direct connection opened by `load`. */
  release: "release",
  /** Heap of a plain Y.Doc holding only the player-visible hexes of a loaded document. */
  plainCopy: "plainCopy",
  /** Store every pending document now and wait until the named documents are unloaded. */
  waitUnloaded: "waitUnloaded",
  /** Store everything and wait until no document is loaded at all (before a memory baseline). */
  waitQuiet: "waitQuiet",
} as const;
export type ServerOp = (typeof ServerOp)[keyof typeof ServerOp];

/** Driver -> server. */
export interface RpcRequest {
  id: number;
  op: ServerOp;
  args?: Record<string, unknown>;
}

/** Server -> driver: an answer, or the one-time ready message. */
export type ServerMessage =
  | { type: "ready"; url: string; port: number }
  | { type: "fatal"; message: string }
  | { type: "rpc"; id: number; ok: true; result: unknown }
  | { type: "rpc"; id: number; ok: false; error: string };

/** CPU time in microseconds (process.cpuUsage shape). */
export interface CpuSample {
  user: number;
  system: number;
}

/** Memory in bytes, measured after forced GC. */
export interface MemSample {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/** Result of `load`. */
export interface LoadResult {
  loadMs: number;
  /** Growth of heapUsed + arrayBuffers while the document is held open, after GC. */
  heapBytes: number;
  encodedBytes: number;
  hexes: number;
  /** Every document loaded once the load settled (the server may open others with it). */
  loadedAfter: string[];
}

/** Result of `plainCopy`. */
export interface PlainCopyResult {
  heapBytes: number;
  encodedBytes: number;
  hexes: number;
}

/** Result of `stats`. */
export interface StatsResult {
  documents: number;
  connections: number;
  names: string[];
  /** The update journal's counters, when the server has one: entries committed and statements that carried them. */
  journal?: { appended: number; batches: number };
  /** Writing statements and their parameter bytes sent to Postgres, when the server meters its pg driver (pgMeter.ts). */
  pgWrites?: { statements: number; bytes: number; byTable: Record<string, { statements: number; bytes: number }> };
}
