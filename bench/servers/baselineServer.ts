import { Server } from "@hocuspocus/server";
import { failStartup, listenForDriver } from "./harness.ts";

/**
 * The baseline: a plain Hocuspocus server with no extensions — no auth, no projection, no persistence.
 * Everything Hex Crawl adds is measured against this, in the same run, on the same machine.
 */
async function main(): Promise<void> {
  const server = new Server({ port: 0, address: "127.0.0.1", quiet: true, stopOnSignals: false });
  await listenForDriver(server);
}

main().catch(failStartup);
