import { Server } from "@hocuspocus/server";
import { defaultConfig } from "../../server/src/config.ts";
import { openDatabase } from "../../server/src/db/Database.ts";
import { migrate } from "../../server/src/db/migrate.ts";
import { PostgresDocumentStore } from "../../server/src/db/DocumentStore.ts";
import { createPersistence } from "../../server/src/collab/persistence.ts";
import { failStartup, listenForDriver } from "./harness.ts";

/**
 * Hex Crawl's persistence alone on a plain Hocuspocus server (no auth, no game): with the update journal
 * (`BENCH_JOURNAL=on`, as in production — a client update is acknowledged once it is in Postgres) or without it
 * (`off` — acknowledged once applied in memory, stored by the debounced snapshot store only). Everything else is the
 * same, so the difference between the two is the journal. Store options as JSON in BENCH_SERVER_OPTIONS:
 * `{dataDir}` (PGlite, one directory per process) or `{databaseUrl}`.
 */
async function main(): Promise<void> {
  const journalOn = process.env["BENCH_JOURNAL"] !== "off";
  const raw = process.env["BENCH_SERVER_OPTIONS"];
  const given = (raw ? JSON.parse(raw) : {}) as { dataDir: string; databaseUrl?: string };
  const db = await openDatabase({ databaseUrl: given.databaseUrl, dataDir: given.dataDir });
  await migrate(db.pool);
  const [persistence, journal] = createPersistence(new PostgresDocumentStore(db.pool));
  const production = defaultConfig();
  const server = new Server({
    port: 0,
    address: "127.0.0.1",
    quiet: true,
    stopOnSignals: false,
    debounce: production.storeDebounceMs,
    maxDebounce: production.storeMaxDebounceMs,
    unloadImmediately: false,
    extensions: journalOn ? [persistence, journal] : [persistence],
  });
  await listenForDriver(server, async () => {
    await server.destroy();
    await db.close();
  });
}

main().catch(failStartup);
