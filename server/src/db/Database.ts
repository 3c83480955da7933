import { mkdir, unlink, chmod, mkdtemp, rm, readdir, stat, lstat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { lockDataDir } from "./dataDirLock.ts";

export { DataDirLockedError } from "./dataDirLock.ts";

/** Which store backs the pool. */
export const DatabaseKind = { postgres: "postgres", pglite: "pglite" } as const;
export type DatabaseKind = (typeof DatabaseKind)[keyof typeof DatabaseKind];

/** How the pg pool reaches the embedded PGlite. */
export const PgliteTransport = { unix: "unix", tcp: "tcp" } as const;
export type PgliteTransport = (typeof PgliteTransport)[keyof typeof PgliteTransport];

/** The project's database: one pg Pool, whatever is behind it. better-auth gets the same pool. */
export interface Database {
  pool: pg.Pool;
  kind: DatabaseKind;
  /** Ends the pool, then (PGlite) stops the socket server, closes PGlite and releases the data-dir lock. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Real Postgres. Without it, an embedded PGlite persisted under `dataDir`. */
  databaseUrl?: string | undefined;
  /** Directory for the embedded database (`<dataDir>/pglite`), its socket and its lock file. */
  dataDir: string;
  /**
   * Default: a unix socket inside dataDir, or in a private (0700) directory under the system's temporary directory
   * when that path would be too long — never TCP (PGlite has no authentication: a TCP port is open to every local
   * user). `"tcp"` only when asked for explicitly (tests; platforms without unix sockets).
   */
  pgliteTransport?: PgliteTransport | undefined;
  /** Postgres only: pool size. Default 10. */
  maxConnections?: number | undefined;
  /** Called for errors of idle pool clients (server restart, network drop). Default: console.error. */
  onPoolError?: ((err: Error) => void) | undefined;
}

/** Sub-directory of dataDir holding PGlite's own files. */
export const PGLITE_SUBDIR = "pglite";
/**
 * The pool is capped at ONE connection on PGlite. PGlite is a single Postgres session; pglite-socket 0.2.17
 * multiplexes every socket onto it through one message queue, and while the session is in a transaction it
 * serves only the socket that ran last (a heuristic, not isolation). So with several sockets:
 *  - everything session-scoped is shared: SET, prepared-statement names, temp tables, and advisory locks —
 *    which are re-entrant within a session, so `pg_advisory_xact_lock` excludes nothing between sockets;
 *  - a transaction on socket A that waits for a query on socket B deadlocks (B is held back until A ends);
 *  - a query whose execution throws inside the queue returns without resetting its `processing` flag, which
 *    stalls every socket.
 * With one pooled connection the pool itself serializes queries and transactions, exactly like one session.
 * (A pool transaction that awaits a plain `pool.query` would also wait forever: code must use the tx client.)
 */
const PGLITE_POOL_MAX = 1;
/**
 * The socket server accepts more connections than the pool uses: when the pool destroys a client and reconnects
 * at once, the server has not yet processed the old socket's close and, at its limit, drops the new socket
 * ("Connection terminated unexpectedly"). Measured with pool max 1: server maxConnections 1 → 30 of 30
 * destroy-then-query cycles failed; 4 → 0 of 30. Test "[STORE1] the pool reconnects…" guards it.
 */
const PGLITE_SOCKET_MAX_CONNECTIONS = 4;
/** pg's socket file name convention: it connects to `<host dir>/.s.PGSQL.<port>`. */
const UNIX_SOCKET_PORT = 5432;
/** sockaddr_un.sun_path is 108 bytes on Linux, 104 on macOS. */
const MAX_UNIX_SOCKET_PATH_BYTES = 100;
/**
 * Opening a connection (TCP, TLS, startup, authentication) and waiting for a free pooled connection each fail
 * after this. A Postgres that accepts TCP but never answers fails the connect instead of hanging it.
 */
export const CONNECT_TIMEOUT_MS = 10_000;
/**
 * Postgres only: the server cancels a statement that runs longer than this (`statement_timeout`, SQLSTATE
 * 57014) and the connection stays usable. Legitimate statements take milliseconds: a document store of a large
 * map is ~20 ms, every migration so far < 1 s, the migration advisory lock is held for one migration at a time.
 * A migration that needs longer must run `set local statement_timeout = 0` first (and is still bounded by
 * QUERY_TIMEOUT_MS unless its query passes a larger `query_timeout`).
 */
export const STATEMENT_TIMEOUT_MS = 10_000;
/**
 * Postgres only: the client gives up on a query whose answer has not arrived after this (`query_timeout`) —
 * a server or network that stopped answering, where STATEMENT_TIMEOUT_MS cannot help. Longer than it, so a
 * slow but live server cancels first (clean error, connection kept). The connection is then closed
 * (see closeOnQueryTimeout): a store on an unanswering database fails after this, not after twice this.
 */
export const QUERY_TIMEOUT_MS = 15_000;
/**
 * Postgres only: a transaction left idle this long is ended by the server, releasing its row locks
 * (`select … for update` of a document) when its client vanished without the TCP connection closing
 * (network partition): other instances' stores of that document wait on the lock no longer than this.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;
/** pg's message for a `query_timeout` (client side). */
const QUERY_READ_TIMEOUT_MESSAGE = "Query read timeout";

/**
 * Open the database. With `databaseUrl`: a pg Pool on real Postgres (checked with `select 1`).
 * Without: an embedded PGlite under `dataDir`, served by pglite-socket, behind a one-connection pg Pool.
 * Does not migrate: call `migrate(db.pool)` next.
 * @throws DataDirLockedError if another live process (or this one) has the data directory open.
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const onPoolError = opts.onPoolError ?? ((err: Error) => console.error("[db] idle client error:", err.message));
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts.maxConnections ?? 10, onPoolError);
  return openPglite(opts.dataDir, opts.pgliteTransport, onPoolError);
}

async function openPostgres(url: string, max: number, onPoolError: (err: Error) => void): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  // Without a listener, an idle client's error (Postgres restart) is an uncaught 'error' event: the process dies.
  pool.on("error", onPoolError);
  pool.on("connect", closeOnQueryTimeout);
  pool.on("connect", (client) => listenForClientErrors(client, onPoolError));
  try {
    await pool.query("select 1");
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new Error(`Cannot reach Postgres at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  let closed: Promise<void> | null = null;
  return {
    pool,
    kind: DatabaseKind.postgres,
    close: () => (closed ??= pool.end()),
  };
}

async function openPglite(
  dataDir: string,
  transport: PgliteTransport | undefined,
  onPoolError: (err: Error) => void,
): Promise<Database> {
  const dir = path.resolve(dataDir);
  // 0o700: the unix socket inside accepts anyone who can reach it, with any user name and no password; the files hold
  // the auth secret and session tokens (DATA1).
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await tightenDataDir(dir);
  const lock = await lockDataDir(dir);
  let pglite: PGlite | null = null;
  let server: PGLiteSocketServer | null = null;
  let socketDir = dir;
  let privateSocketDir: string | null = null;
  try {
    const useUnix = transport !== PgliteTransport.tcp;
    if (useUnix && Buffer.byteLength(path.join(dir, `.s.PGSQL.${UNIX_SOCKET_PORT}`)) > MAX_UNIX_SOCKET_PATH_BYTES) {
      // DATA2: a short path in a directory only this user can enter (mkdtemp makes it 0700), instead of TCP.
      privateSocketDir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-pg-"));
      socketDir = privateSocketDir;
      if (Buffer.byteLength(path.join(socketDir, `.s.PGSQL.${UNIX_SOCKET_PORT}`)) > MAX_UNIX_SOCKET_PATH_BYTES) {
        throw new Error(
          `The embedded database's socket path would be longer than ${MAX_UNIX_SOCKET_PATH_BYTES} bytes (in ${dir} and in ${socketDir}). ` +
            "Use a shorter DATA_DIR or TMPDIR, or set DATABASE_URL.",
        );
      }
    }
    if (useUnix && process.platform === "win32") {
      throw new Error("The embedded database needs a unix socket, which this platform lacks: set DATABASE_URL to a Postgres server.");
    }
    const socketPath = path.join(socketDir, `.s.PGSQL.${UNIX_SOCKET_PORT}`);
    pglite = await PGlite.create(path.join(dir, PGLITE_SUBDIR));
    await tightenDataDir(dir);
    if (useUnix) {
      // A socket file left by a killed process would make listen() fail with EADDRINUSE; we hold the lock, so it is not live.
      await unlink(socketPath).catch(() => undefined);
      server = new PGLiteSocketServer({ db: pglite, path: socketPath, maxConnections: PGLITE_SOCKET_MAX_CONNECTIONS });
    } else {
      // Only when asked for: any local user can connect to this port (PGlite has no authentication).
      server = new PGLiteSocketServer({
        db: pglite,
        host: "127.0.0.1",
        port: 0,
        maxConnections: PGLITE_SOCKET_MAX_CONNECTIONS,
      });
    }
    await server.start();
    if (useUnix) await chmod(socketPath, 0o600);
    const conn = useUnix
      ? { host: socketDir, port: UNIX_SOCKET_PORT }
      : { host: "127.0.0.1", port: Number(server.getServerConn().split(":").pop()) };
    const pool = new pg.Pool({
      ...conn,
      user: "postgres",
      database: "postgres",
      max: PGLITE_POOL_MAX,
      // Keep the one connection: no reconnect churn, and no window where the server still counts the old socket.
      idleTimeoutMillis: 0,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    pool.on("error", onPoolError);
    pool.on("connect", (client) => listenForClientErrors(client, onPoolError));
    await pool.query("select 1");
    const srv = server;
    const db = pglite;
    let closed: Promise<void> | null = null;
    return {
      pool,
      kind: DatabaseKind.pglite,
      close: () =>
        (closed ??= (async () => {
          try {
            await pool.end();
          } finally {
            try {
              await srv.stop();
            } finally {
              try {
                await db.close();
              } finally {
                // Socket file first: once the lock is released the next owner may already have created its own.
                if (useUnix) await unlink(socketPath).catch(() => undefined);
                if (privateSocketDir) await rm(privateSocketDir, { recursive: true, force: true }).catch(() => undefined);
                await lock.release();
              }
            }
          }
        })()),
    };
  } catch (err) {
    await server?.stop().catch(() => undefined);
    await pglite?.close().catch(() => undefined);
    if (privateSocketDir) await rm(privateSocketDir, { recursive: true, force: true }).catch(() => undefined);
    await lock.release();
    throw err;
  }
}

/**
 * DATA1: the data directory 0700 and everything in it 0600 (directories 0700) — also an existing one created with a
 * looser mode. New files PGlite writes later are behind the 0700 directory. A directory this process cannot tighten
 * (another user's) stops start-up with a message saying what to do.
 */
export async function tightenDataDir(dir: string): Promise<void> {
  try {
    const info = await stat(dir);
    if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
  } catch (err) {
    throw new Error(
      `DATA_DIR ${dir} must be private (mode 0700) and could not be made so: ${err instanceof Error ? err.message : String(err)}. ` +
        "Run the server as the directory's owner, or choose another DATA_DIR.",
      { cause: err },
    );
  }
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d)) {
      const p = path.join(d, entry);
      const info = await lstat(p).catch(() => null);
      if (!info || info.isSymbolicLink()) continue;
      const want = info.isDirectory() ? 0o700 : 0o600;
      if ((info.mode & 0o777) !== want) await chmod(p, want).catch(() => undefined);
      if (info.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
}

/**
 * After a `query_timeout` pg leaves the connection waiting for the timed-out answer and queues every later
 * query on it behind that answer — in a transaction the ROLLBACK, which then times out too (a store would fail
 * only after 2 × QUERY_TIMEOUT_MS). `client.end()` with a query still active destroys the socket: the queued
 * queries fail at once ("Connection terminated") and the pool replaces the connection. A connection whose
 * server stopped answering is useless anyway. (`pool.query` already discards its client on any error; this
 * covers checked-out clients: transactions, migrations.)
 */
function closeOnQueryTimeout(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const onError = (err: unknown) => {
    if (err instanceof Error && err.message === QUERY_READ_TIMEOUT_MESSAGE) void client.end().catch(() => undefined);
  };
  const wrapped = (...args: unknown[]): unknown => {
    const last = args.at(-1);
    if (typeof last === "function") {
      // Callback style (pool.query uses it): call through, then let the caller see the error.
      args[args.length - 1] = (err: unknown, res: unknown) => {
        onError(err);
        (last as (err: unknown, res: unknown) => void)(err, res);
      };
      return query(...args);
    }
    const result = query(...args);
    // Observe the rejection without handling it for the caller: the caller's own await still sees it.
    if (result instanceof Promise) result.catch(onError);
    return result;
  };
  client.query = wrapped as unknown as typeof client.query;
}

/**
 * pg-pool listens for errors only on idle clients: a checked-out client (inside a transaction, between
 * two queries) whose connection drops emits 'error' with no listener — an uncaught exception that ends
 * the process. Seen in the outage tests. Every client gets a permanent listener; the failed query still
 * rejects for its caller.
 */
function listenForClientErrors(client: pg.PoolClient, onError: (err: Error) => void): void {
  client.on("error", onError);
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
