import pg from "pg";

/**
 * Counts what a server child writes to Postgres, at its pg driver: every statement that is an insert, update or delete
 * (whatever module sends it — document stores, the journal, the event log, auth), and the bytes of its parameters
 * (the payload the server sends, mostly Yjs state and updates). Bench-only: installed by the server entries before
 * anything opens a pool. Postgres' own statistics cannot split bytes per database (`pg_stat_wal` is cluster-wide and
 * other programs share the cluster; `pg_stat_statements` is not preloaded there), so this is the bytes figure.
 */

export interface PgWriteStats {
  /** Writing statements sent (insert / update / delete, including those inside transactions). */
  statements: number;
  /** Bytes of their parameters: byte strings as is, text as UTF-8, anything else as its JSON text. */
  bytes: number;
  /** The same per table written (the first table the statement names). */
  byTable: Record<string, { statements: number; bytes: number }>;
}

const stats: PgWriteStats = { statements: 0, bytes: 0, byTable: {} };
const TABLE = /\b(?:insert\s+into|update|delete\s+from)\s+("?[\w.]+"?)/i;
const WRITING = /^\s*(insert|update|delete|with\b[\s\S]*\b(insert|update|delete)\b)/i;

function paramBytes(value: unknown): number {
  if (value === null || value === undefined) return 0;
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === "string") return Buffer.byteLength(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value).length;
  return Buffer.byteLength(JSON.stringify(value) ?? "");
}

/** The text and parameters of a `Client.query` call, in either of its shapes (text + values, or a config object). */
function statementOf(args: readonly unknown[]): { text: string; values: readonly unknown[] } | null {
  const [first, second] = args;
  if (typeof first === "string") return { text: first, values: Array.isArray(second) ? second : [] };
  if (typeof first === "object" && first !== null && "text" in first && typeof first.text === "string") {
    const values = "values" in first && Array.isArray(first.values) ? first.values : Array.isArray(second) ? second : [];
    return { text: first.text, values };
  }
  return null;
}

let installed = false;

/** Wrap `pg.Client.prototype.query` once (pools call it for every statement). */
export function installPgMeter(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function meteredQuery(this: unknown, ...args: unknown[]): unknown {
    const statement = statementOf(args);
    if (statement && WRITING.test(statement.text)) {
      const bytes = statement.values.reduce<number>((sum, v) => sum + paramBytes(v), 0);
      const table = (TABLE.exec(statement.text)?.[1] ?? "?").replaceAll('"', "");
      const t = (stats.byTable[table] ??= { statements: 0, bytes: 0 });
      stats.statements += 1;
      stats.bytes += bytes;
      t.statements += 1;
      t.bytes += bytes;
    }
    return original.apply(this, args);
  };
}

/** The counters so far (a copy); undefined when this process has no meter. */
export function pgWriteStats(): PgWriteStats | undefined {
  return installed ? { ...stats, byTable: Object.fromEntries(Object.entries(stats.byTable).map(([k, v]) => [k, { ...v }])) } : undefined;
}
