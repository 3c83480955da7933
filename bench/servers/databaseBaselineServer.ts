import { Server } from "@hocuspocus/server";
import { Database as DatabaseExtension } from "@hocuspocus/extension-database";
import { openDatabase } from "../../server/src/db/Database.ts";
import { failStartup, listenForDriver } from "./harness.ts";
import { installPgMeter } from "./pgMeter.ts";

/**
 * The capacity scenario's baseline: plain Hocuspocus with `@hocuspocus/extension-database` storing every document's
 * full state to the run's store (its own table next to Hex Crawl's), with Hocuspocus' default debounce — the usual
 * way to persist a Hocuspocus server. Store options as JSON in BENCH_SERVER_OPTIONS: `{dataDir}` or `{databaseUrl}`.
 */

/** Its own table: the Hex Crawl server of the same run uses `document` in the same database. */
const TABLE = "bench_baseline_document";

async function main(): Promise<void> {
  installPgMeter();
  const raw = process.env["BENCH_SERVER_OPTIONS"];
  const given = (raw ? JSON.parse(raw) : {}) as { dataDir: string; databaseUrl?: string };
  const db = await openDatabase({ databaseUrl: given.databaseUrl, dataDir: given.dataDir });
  await db.pool.query(`create table if not exists ${TABLE} (name text primary key, data bytea not null)`);
  const server = new Server({
    port: 0,
    address: "127.0.0.1",
    quiet: true,
    stopOnSignals: false,
    extensions: [
      new DatabaseExtension({
        fetch: async ({ documentName }) => {
          const r = await db.pool.query<{ data: Buffer }>(`select data from ${TABLE} where name = $1`, [documentName]);
          return r.rows[0]?.data ?? null;
        },
        store: async ({ documentName, state }) => {
          await db.pool.query(`insert into ${TABLE} (name, data) values ($1, $2) on conflict (name) do update set data = excluded.data`, [
            documentName,
            state,
          ]);
        },
      }),
    ],
  });
  await listenForDriver(server, async () => {
    await server.destroy();
    await db.close();
  });
}

main().catch(failStartup);
