import { startApp, type StartOptions } from "../../server/src/app.ts";
import { failStartup, sendToDriver, serveBenchRpc } from "./harness.ts";
import { installPgMeter } from "./pgMeter.ts";

/**
 * The real Hex Crawl server (auth, projection, persistence) as started in production, with only the
 * limits that a single-address load generator would trip raised. Options come as JSON in
 * BENCH_SERVER_OPTIONS: `{dataDir}` (PGlite) or `{databaseUrl}`, optional `clientDir`.
 */

/** High enough that 200+ users from one address never hit a limit meant for abuse. */
const BENCH_LIMIT = 1_000_000;

async function main(): Promise<void> {
  const raw = process.env["BENCH_SERVER_OPTIONS"];
  const given = (raw ? JSON.parse(raw) : {}) as Pick<StartOptions, "dataDir" | "databaseUrl" | "clientDir">;
  // Before startApp opens its pool: the capacity scenario reports the statements and bytes written.
  installPgMeter();
  const app = await startApp({
    port: 0,
    host: "127.0.0.1",
    authSecret: "bench-secret-bench-secret-bench-secret-0123",
    signUpsPerMinute: BENCH_LIMIT,
    signInAttemptsPerMinute: BENCH_LIMIT,
    limits: {
      upgradesPerWindow: BENCH_LIMIT,
      connectionsPerAddress: BENCH_LIMIT,
      authFailuresPerAddress: BENCH_LIMIT,
    },
    ...given,
  });
  serveBenchRpc(app.ctx.hocuspocus, () => app.close());
  sendToDriver({ type: "ready", url: app.url, port: app.port });
}

main().catch(failStartup);
