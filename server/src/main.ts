import { configFromEnv } from "./config.ts";
import { startApp } from "./app.ts";

// Hocuspocus does not await every hook (onChange): a stray rejection must be logged, never fatal.
process.on("unhandledRejection", (reason) => {
  console.error("[process] unhandled rejection", reason);
});
process.on("uncaughtException", (err) => {
  console.error("[process] uncaught exception", err);
});

const config = configFromEnv(process.env);
const app = await startApp(config);
const shown = config.publicUrl ?? `http://localhost:${app.port}`;
console.log(`Hex Crawl is running at ${shown} (database: ${app.ctx.db.kind}${app.ctx.redisEnabled ? ", redis" : ""})`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`[process] ${signal}: storing documents and shutting down`);
  try {
    await app.close();
  } finally {
    process.exit(0);
  }
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
