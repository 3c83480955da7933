/**
 * Entry point for fault tests that need the server as a real child process (kill -9).
 * Reads StartOptions as JSON from HEXCRAWL_TEST_OPTIONS, starts the app and prints one line
 * `HEXCRAWL_READY {"port":…}` on stdout. Unlike main.ts it keeps Node's default: an unhandled rejection
 * kills the process, so a fault test notices one.
 */
import { startApp, type StartOptions } from "../../src/app.ts";

/** The line a parent waits for. */
export const READY_PREFIX = "HEXCRAWL_READY ";

const options = JSON.parse(process.env["HEXCRAWL_TEST_OPTIONS"] ?? "{}") as StartOptions;
const app = await startApp(options);
process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port: app.port })}\n`);

process.on("SIGTERM", () => {
  void app.close().finally(() => process.exit(0));
});
