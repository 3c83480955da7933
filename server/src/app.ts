import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Hocuspocus, type Extension } from "@hocuspocus/server";
import { Redis as RedisExtension } from "@hocuspocus/extension-redis";
import { toNodeHandler } from "better-auth/node";
import { defaultConfig, type AppConfig } from "./config.ts";
import { openDatabase, type Database } from "./db/Database.ts";
import { isDatabaseUnavailable } from "./db/errors.ts";
import { migrate } from "./db/migrate.ts";
import { PostgresDocumentStore } from "./db/DocumentStore.ts";
import { CLIENT_IP_HEADER, createAuth, sessionUser, type Auth } from "./auth.ts";
import type { AppContext } from "./context.ts";
import { ApiError } from "@hexcrawl/shared/httpApi";
import { sendError } from "./http/errors.ts";
import { handleApi } from "./http/api.ts";
import { serveStatic } from "./http/static.ts";
import { AuthExtension } from "./collab/AuthExtension.ts";
import { WsBridge } from "./collab/wsBridge.ts";
import { createPersistence } from "./collab/persistence.ts";
import { createGuards } from "./collab/guards.ts";
import { REDIS_CLIENT_OPTIONS, logRedisErrors } from "./collab/redisClientOptions.ts";
import type { GameExtension } from "./game/GameExtension.ts";
import { createGame } from "./game/createGame.ts";
import { LocalBus, RedisBus, type ClusterBus } from "./cluster/ClusterBus.ts";
import { isOriginAllowed } from "./collab/origin.ts";
import { DEFAULT_COLLAB_LIMITS, type CollabLimits } from "./collab/limits.ts";
import { AccessWatch } from "./collab/AccessWatch.ts";
import { clientAddressOf, type TrustProxy } from "./http/clientAddress.ts";
import * as repos from "./db/repos.ts";

/** A running Hex Crawl server. */
export interface App {
  /** http://127.0.0.1:{port} */
  url: string;
  port: number;
  ctx: AppContext;
  bridge: WsBridge;
  /** The game server (its rooms, for tests and diagnostics). */
  game: GameExtension;
  /** Stop accepting, close sockets, store every loaded document, close the database. */
  close(): Promise<void>;
}

export interface StartOptions extends Partial<AppConfig> {
  limits?: Partial<CollabLimits>;
  /** Extra Hocuspocus extensions (tests, later features). */
  extensions?: Extension[];
  /** Check every DM command answer against the protocol's result schema before sending it (tests). */
  verifyAnswers?: boolean;
  /** How often open connections' sessions and roles are checked again (default ACCESS_CHECK_INTERVAL_MS). */
  accessCheckIntervalMs?: number;
  /**
   * Journal entries of one document that force its compaction (default JOURNAL_COMPACT_ROWS, DUR11). 1 writes the row
   * after every client update, as before lazy compaction (DUR14): tests of row merges between instances use it.
   */
  journalCompactRows?: number;
}

/** How long shutdown waits for documents to be stored and unloaded. */
const SHUTDOWN_STORE_TIMEOUT_MS = 10_000;

async function loadAuthSecret(db: Database, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  // One secret shared by every instance on the same database, created once.
  const candidate = randomBytes(32).toString("base64url");
  await db.pool.query(
    "insert into app_setting (key, value) values ('auth_secret', $1) on conflict (key) do nothing",
    [candidate],
  );
  const { rows } = await db.pool.query<{ value: string }>("select value from app_setting where key = 'auth_secret'");
  const secret = rows[0]?.value;
  if (!secret) throw new Error("Could not load the auth secret");
  return secret;
}

function clientAddress(req: http.IncomingMessage, trustProxy: TrustProxy): string {
  return clientAddressOf(req.socket.remoteAddress, req.headers["x-forwarded-for"], trustProxy);
}

function redisOptions(url: string): { host: string; port: number; options: { password?: string; db?: number } } {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    options: {
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    },
  };
}

/** Start the whole server: HTTP API, static client and Hocuspocus on `/collab`, on one port. */
export async function startApp(options: StartOptions = {}): Promise<App> {
  const { limits: limitOverrides, extensions: extraExtensions, verifyAnswers, accessCheckIntervalMs: _interval, journalCompactRows: _compact, ...configOverrides } = options;
  const config = defaultConfig(configOverrides);
  const limits: CollabLimits = { ...DEFAULT_COLLAB_LIMITS, ...limitOverrides };

  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(db.pool);
  } catch (err) {
    await db.close();
    throw err;
  }
  const secret = await loadAuthSecret(db, config.authSecret);

  let ctx: AppContext | null = null;
  let bridge: WsBridge | null = null;
  let allowedOrigins: string[] = [];

  const server = http.createServer((req, res) => {
    void handleRequest(req, res);
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;

  const authHandler = { current: null as ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | null };

  async function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      if (!ctx || !authHandler.current) throw new ApiError("UNAVAILABLE", "Starting up");
      const url = new URL(req.url ?? "/", "http://localhost");
      // Our address header replaces whatever the client sent (rate limits key on it).
      req.headers[CLIENT_IP_HEADER] = clientAddress(req, config.trustProxy);
      if (url.pathname.startsWith("/api/")) {
        const origin = req.headers.origin;
        if (req.method !== "GET" && req.method !== "HEAD" && origin !== undefined && !isOriginAllowed(origin, req.headers.host, allowedOrigins)) {
          throw new ApiError("FORBIDDEN", "Cross-origin request refused");
        }
        if (url.pathname.startsWith("/api/auth/")) {
          await handleAuth(ctx, req, res, url);
          return;
        }
        await handleApi(ctx, req, res, url);
        return;
      }
      await serveStatic(config.clientDir, req, res, url);
    } catch (err) {
      if (err instanceof ApiError) {
        sendError(res, err);
        return;
      }
      console.error("[http] request failed", req.method, req.url, err);
      sendError(res, isDatabaseUnavailable(err) ? new ApiError("UNAVAILABLE", "Database unavailable, try again") : new ApiError("INTERNAL", "Internal error"));
    }
  }

  async function handleAuth(c: AppContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const signingOut = url.pathname === "/api/auth/sign-out" && req.method === "POST";
    // REVOKE2: any other signed-in write (revoke sessions, change password, delete the account) may end sessions.
    const mayEndSessions = req.method === "POST" && !/^\/api\/auth\/sign-(in|up)\//.test(url.pathname);
    const before = mayEndSessions ? await c.userFromHeaders(req) : null;
    await authHandler.current?.(req, res);
    if (!before) return;
    if (signingOut && bridge) bridge.closeSession(before.sessionId);
    c.bus.publish("sessions", { userId: before.id });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const publicUrl = config.publicUrl ?? `http://localhost:${port}`;
  allowedOrigins = config.allowedOrigins ?? [publicUrl, `http://127.0.0.1:${port}`];

  const auth: Auth = createAuth({ pool: db.pool, secret, baseURL: publicUrl, trustedOrigins: allowedOrigins,
    signInAttemptsPerMinute: config.signInAttemptsPerMinute,
    signUpsPerMinute: config.signUpsPerMinute,
  });
  authHandler.current = toNodeHandler(auth);

  const store = new PostgresDocumentStore(db.pool);
  const hocuspocus = new Hocuspocus({
    name: config.instanceName,
    quiet: true,
    debounce: config.storeDebounceMs,
    maxDebounce: config.storeMaxDebounceMs,
    unloadImmediately: false,
    // LIMIT4: what one socket may queue before a document is authenticated (Hocuspocus' default is 5 MB).
    maxUnauthenticatedQueueSize: limits.unauthenticatedBytesPerSocket,
  });
  bridge = new WsBridge({
    hocuspocus,
    maxPayloadBytes: config.maxPayloadBytes,
    allowedOrigins: config.allowedOrigins,
    limits,
    clientAddress: (req) => clientAddress(req, config.trustProxy),
  });
  const liveBridge = bridge;
  const redisBus = config.redisUrl ? new RedisBus(config.redisUrl, config.instanceName) : null;
  const bus: ClusterBus = redisBus ?? new LocalBus();
  const game = createGame({ hocuspocus, pool: db.pool, bus, verifyAnswers: verifyAnswers ?? false });
  const accessWatch = new AccessWatch({
    source: { liveSessions: (ids) => repos.liveSessions(db.pool, ids), roles: (c, u) => repos.rolesOf(db.pool, c, u) },
    closeSocket: (key, code, reason) => liveBridge.closeSocket(key, code, reason),
    ...(options.accessCheckIntervalMs ? { intervalMs: options.accessCheckIntervalMs } : {}),
  });
  const stopWatching = [
    bus.subscribe("members", ({ campaignId }) => void accessWatch.checkCampaign(campaignId)),
    bus.subscribe("sessions", ({ userId }) => void accessWatch.checkUser(userId)),
  ];
  const extensions: Extension[] = [
    new AuthExtension(() => {
      if (!ctx) throw new Error("not ready");
      return ctx;
    }, {
      onAuthFailure: (key, userId) => liveBridge.recordAuthFailure(key, userId),
      onAuthSuccess: (key, sessionId) => liveBridge.recordAuthSuccess(key, sessionId),
    }),
    ...createGuards({ maxPayloadBytes: config.maxPayloadBytes, pool: db.pool }),
    accessWatch,
    game,
    ...createPersistence(store, options.journalCompactRows === undefined ? {} : { compactRows: options.journalCompactRows }),
  ];
  if (config.redisUrl) {
    const r = redisOptions(config.redisUrl);
    const redis = new RedisExtension({ host: r.host, port: r.port, options: { ...REDIS_CLIENT_OPTIONS, ...r.options }, identifier: config.instanceName });
    // DUR8: one log line per interval during an outage instead of ioredis' "Unhandled error event" per reconnect.
    logRedisErrors([redis.pub, redis.sub, ...(redisBus?.clients ?? [])]);
    extensions.push(redis);
  }
  extensions.push(...(extraExtensions ?? []));
  hocuspocus.configure({ extensions });

  ctx = {
    config,
    db,
    auth,
    hocuspocus,
    redisEnabled: Boolean(config.redisUrl),
    bus,
    userFromHeaders: async (req) => {
      const headers = new Headers();
      const cookie = req.headers.cookie;
      if (cookie) headers.set("cookie", cookie);
      return sessionUser(auth, headers);
    },
  };
  server.on("upgrade", liveBridge.handleUpgrade);

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      server.off("upgrade", liveBridge.handleUpgrade);
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      liveBridge.close();
      hocuspocus.closeConnections();
      hocuspocus.flushPendingStores();
      const deadline = Date.now() + SHUTDOWN_STORE_TIMEOUT_MS;
      while (hocuspocus.getDocumentsCount() > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      if (hocuspocus.getDocumentsCount() > 0) console.warn(`[shutdown] ${hocuspocus.getDocumentsCount()} documents still loaded`);
      await hocuspocus.hooks("onDestroy", { instance: hocuspocus });
      for (const stop of stopWatching) stop();
      await bus.close();
      await httpClosed;
      await db.close();
    })();
    return closing;
  };

  return { url: `http://127.0.0.1:${port}`, port, ctx, bridge: liveBridge, game, close };
}
