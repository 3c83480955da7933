import pg from "pg";
import * as Y from "yjs";
import { it } from "vitest";
import { dmDocName } from "@hexcrawl/shared/docNames";
import type { App } from "../../src/app.ts";
import { DocumentPersistence } from "../../src/collab/persistence.ts";
import { postgresReachable, redisReachable, REDIS_URL as TEST_REDIS_URL, TEST_PG_ADMIN_URL } from "../support/app.ts";
import { HttpUser, uniqueEmail } from "../support/http.ts";

export { REDIS_URL as TEST_REDIS_URL, redisReachable } from "../support/app.ts";

/**
 * Which required services are missing. A missing one skips the suite with the reason locally and fails it in CI
 * (CI=true), like storeKinds() in support/app.ts. Call at module top level; `describe.skipIf(missing)`.
 */
export async function missingServices(needs: { postgres?: boolean; redis?: boolean }): Promise<string | null> {
  const missing: string[] = [];
  if (needs.postgres && !(await postgresReachable())) missing.push(`Postgres unreachable at ${TEST_PG_ADMIN_URL}`);
  if (needs.redis && !(await redisReachable())) missing.push(`Redis unreachable at ${TEST_REDIS_URL}`);
  if (missing.length === 0) return null;
  const why = missing.join("; ");
  if (process.env["CI"] === "true") {
    it(`requires services in CI — ${why}`, () => {
      throw new Error(`${why} (CI=true: a missing service is a failure)`);
    });
  } else {
    it.skip(`skipped: ${why}`, () => undefined);
  }
  return why;
}

/**
 * Everything stored of a document, straight from Postgres: its row and its journal entries (DUR9), applied to a fresh
 * Y.Doc — what a load would serve. Null when there is neither.
 */
export async function readStoredDoc(databaseUrl: string, name: string): Promise<Y.Doc | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // One statement: one snapshot of both tables (a compaction in between is seen entirely or not at all).
    const r = await client.query<{ data: Buffer }>(
      "select state as data from document where name = $1 union all select update from document_journal where name = $1",
      [name],
    );
    if (r.rows.length === 0) return null;
    const doc = new Y.Doc();
    for (const row of r.rows) Y.applyUpdate(doc, new Uint8Array(row.data));
    return doc;
  } finally {
    await client.end();
  }
}

/** The raw stored bytes of a document (null when there is no row). */
export async function readStoredBytes(databaseUrl: string, name: string): Promise<Uint8Array | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ state: Buffer }>("select state from document where name = $1", [name]);
    const row = r.rows[0];
    return row ? new Uint8Array(row.state) : null;
  } finally {
    await client.end();
  }
}

/** A signed-up owner with a fresh campaign on `app`. */
export async function ownerWithCampaign(app: App, label = "owner"): Promise<{ owner: HttpUser; campaignId: string; dmDoc: string }> {
  const owner = await new HttpUser(app.url, uniqueEmail(label)).signUp("Owner");
  const campaignId = await owner.createCampaign("Fault campaign");
  return { owner, campaignId, dmDoc: dmDocName(campaignId) };
}

/** The app's persistence extension (to read its retry stats and unstored documents). */
export function persistenceOf(app: App): DocumentPersistence {
  const found = app.ctx.hocuspocus.configuration.extensions.find((e): e is DocumentPersistence => e instanceof DocumentPersistence);
  if (!found) throw new Error("persistence extension not installed");
  return found;
}

/** Keys of `map` in `doc` that are missing compared to `expected`. */
export function missingKeys(doc: Y.Doc | null, map: string, expected: Map<string, string>): string[] {
  const m = doc?.getMap<string>(map);
  const missing: string[] = [];
  for (const [k, v] of expected) if (m?.get(k) !== v) missing.push(k);
  return missing;
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
