import { z } from "zod";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseTrustProxy, type TrustProxy } from "./http/clientAddress.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Default WebSocket frame cap. Measured: a 10,000-hex DM document syncs in well under this. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

const csv = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
  .pipe(z.array(z.url()));


/** Environment variables (documented in README "Configuration"). */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).optional(),
  DATA_DIR: z.string().default("./data"),
  PUBLIC_URL: z.url().optional(),
  ALLOWED_ORIGINS: csv.optional(),
  // HDR3: a placeholder copied from an example would be a secret everyone knows.
  AUTH_SECRET: z
    .string()
    .min(32)
    .refine((v) => !/^change[-_ ]?me/i.test(v) && !/placeholder|example/i.test(v), "is a placeholder: use 32+ random characters, or leave it unset")
    .optional(),
  TRUST_PROXY: z
    .string()
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (parsed === null) {
        ctx.addIssue({ code: "custom", message: "expected false, true, a hop count (0–10) or a comma-separated list of proxy IP addresses" });
        return z.NEVER;
      }
      return parsed;
    })
    .default(false),
  MAX_PAYLOAD_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(DEFAULT_MAX_PAYLOAD_BYTES),
  INSTANCE_NAME: z.string().optional(),
});

/** Everything `startApp` needs. Tests build it directly; `main.ts` builds it from the environment. */
export interface AppConfig {
  /** 0 picks a free port (tests). */
  port: number;
  host: string;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  /** PGlite data directory, used when no databaseUrl is given. */
  dataDir: string;
  /** Built client (vite output). Missing dir → API only, with a hint page. */
  clientDir: string;
  /** The origin users reach the app at; defaults to http://localhost:{port}. */
  publicUrl?: string | undefined;
  /** Browser origins allowed to open WebSockets and make cookie-authenticated writes. Default: the server's own origin. */
  allowedOrigins?: string[] | undefined;
  /** Secret for signing session cookies. Without it, a random one is generated and stored in the database. */
  authSecret?: string | undefined;
  /**
   * Which proxies' X-Forwarded-For to believe: false (none), true or a hop count, or a list of proxy addresses. The
   * client is the right-most address that is not a trusted proxy (PROXY1–PROXY3).
   */
  trustProxy: TrustProxy;
  maxPayloadBytes: number;
  instanceName: string;
  /** Hocuspocus store debounce; tests shorten it. */
  storeDebounceMs: number;
  storeMaxDebounceMs: number;
  /** Sign-in attempts per client address per minute (better-auth limiter, stored in Postgres). */
  signInAttemptsPerMinute: number;
  /** Account creations per client address per minute. */
  signUpsPerMinute: number;
}

export function defaultConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    port: 8080,
    host: "0.0.0.0",
    dataDir: path.join(REPO_ROOT, "data"),
    clientDir: path.join(REPO_ROOT, "client/dist"),
    trustProxy: false,
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    instanceName: `hexcrawl-${process.pid}`,
    storeDebounceMs: 1000,
    storeMaxDebounceMs: 5000,
    signInAttemptsPerMinute: 5,
    signUpsPerMinute: 30,
    ...overrides,
  };
}

/** Parse the environment; throws a readable error listing every bad variable. */
export function configFromEnv(env: NodeJS.ProcessEnv): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return defaultConfig({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl: e.PUBLIC_URL,
    allowedOrigins: e.ALLOWED_ORIGINS,
    authSecret: e.AUTH_SECRET,
    trustProxy: e.TRUST_PROXY,
    maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
    instanceName: e.INSTANCE_NAME ?? `hexcrawl-${process.pid}`,
  });
}
