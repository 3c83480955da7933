/** Node network error codes that mean "the database is unreachable right now", not "the query is wrong". */
const UNAVAILABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);
/** Postgres SQLSTATE classes for connection trouble (08) and shutdown/cancel (57P01…, 57014 query_canceled). */
const UNAVAILABLE_SQLSTATE = /^(08|57P0|57014|53300)/;

/**
 * True when an error means the database is (temporarily) unreachable: connection refused or reset,
 * timeouts, server shutting down, too many connections. Callers answer "unavailable, retry" instead of
 * "internal error".
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const code = "code" in err && typeof err.code === "string" ? err.code : "";
  if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)) return true;
  const message = "message" in err && typeof err.message === "string" ? err.message : "";
  return /connection terminated|timeout|cannot use a pool after calling end|connect ECONNREFUSED/i.test(message);
}
