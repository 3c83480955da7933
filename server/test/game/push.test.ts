import { afterAll, beforeAll, expect, it } from "vitest";
import type pg from "pg";
import { ALL_PLAYERS, parseServerMessage, pendingFor, reveal, setTerrain, type PendingList, type Push } from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { eventually, type HttpUser } from "../support/http.ts";
import { command } from "../support/commands.ts";
import { createTestStore, startTestApp, type TestStore } from "../support/app.ts";
import { setUpTable } from "./fixture.ts";

let store: TestStore;
let app: App;
beforeAll(async () => {
  store = await createTestStore("pglite");
  app = await startTestApp(store);
});
afterAll(async () => {
  await app?.close();
  await store?.cleanup();
});

/**
 * Count SQL statements on a pool by what they are for: document stores (persistence), event-log inserts (one per
 * reveal a DM makes, LOG1), and everything else the game reads or writes.
 */
function countQueries(pool: pg.Pool): { game: number; store: number; log: number; access: number; stop(): void } {
  const original = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  const counts = { game: 0, store: 0, log: 0, access: 0, stop: () => void (pool.query = original as pg.Pool["query"]) };
  pool.query = ((...args: unknown[]) => {
    const first = args[0];
    const text = typeof first === "string" ? first : typeof first === "object" && first !== null && "text" in first ? String(first.text) : "";
    if (/\bdocument(_journal)?\b/.test(text)) counts.store += 1;
    else if (/insert into session_event/.test(text)) counts.log += 1;
    // The periodic access check of open connections (REVOKE3), on its own 2 s clock: not caused by the edits.
    else if (/from "session" where id = any|from campaign_member where campaign_id = any/.test(text)) counts.access += 1;
    else counts.game += 1;
    return original(...args);
  }) as pg.Pool["query"];
  return counts;
}

it("[PUSH1] a DM edit costs no game query and no message from the DM clients: the server pushes the pending list to each of them", async () => {
  const t = await setUpTable(app, 2);
  const [alice] = t.players as [HttpUser, HttpUser];
  const dm = await t.dm();
  const coDm = await t.dm(t.coDm);
  await t.player(alice);
  const received = new Map<object, Push[]>();
  const sent = new Map<object, number>();
  for (const c of [dm, coDm]) {
    received.set(c, []);
    sent.set(c, 0);
    c.provider.on("stateless", ({ payload }: { payload: string }) => {
      const msg = parseServerMessage(payload);
      if (msg && "type" in msg) received.get(c)?.push(msg);
    });
    const send = c.provider.sendStateless.bind(c.provider);
    c.provider.sendStateless = (payload: string) => {
      sent.set(c, (sent.get(c) ?? 0) + 1);
      send(payload);
    };
  }
  // Let the connect-time pushes and member reads settle.
  await new Promise((r) => setTimeout(r, 800));
  for (const list of received.values()) list.length = 0;
  const queries = countQueries(app.ctx.db.pool);
  const EDITS = 20;
  try {
    for (let i = 0; i < EDITS; i++) {
      setTerrain(dm.doc, `${i},3`, "forest");
      reveal(dm.doc, `${i},3`, i % 2 === 0 ? ALL_PLAYERS : alice.id);
      await new Promise((r) => setTimeout(r, 15));
    }
    const last = (c: typeof dm): PendingList | undefined =>
      received
        .get(c)
        ?.flatMap((p) => (p.type === "pending" ? [p.pending] : []))
        .at(-1);
    await eventually(() => {
      for (const c of [dm, coDm]) expect(last(c) && pendingFor(last(c) as PendingList, alice.id)).toHaveLength(EDITS);
    }, 5000);
  } finally {
    queries.stop();
  }
  const pushes = [...received.values()].map((l) => l.filter((p) => p.type === "pending").length);
  console.info(`[PUSH1] ${EDITS} DM edits: ${queries.game} game queries, ${queries.log} event-log inserts, ${queries.store} store queries; pending pushes per DM: ${pushes.join(", ")}; stateless sent by DM clients: ${[...sent.values()].join(", ")}`);
  expect(queries.game, "game queries during the edits").toBe(0);
  expect(queries.log, "one event per reveal").toBe(EDITS);
  expect([...sent.values()]).toEqual([0, 0]);
  // Pushes are coalesced (PENDING_PUSH_DELAY_MS): far fewer than one per edit.
  for (const n of pushes) expect(n).toBeLessThan(EDITS / 2);

  // A publish answers the sender, tells every DM it happened, and empties the list for both without asking.
  const published = await command(dm, { type: "publish" });
  expect(published.hexes).toBe(EDITS);
  await eventually(() => {
    for (const list of received.values()) {
      expect(list.some((p) => p.type === "published" && p.hexes === EDITS && p.by === t.owner.id)).toBe(true);
      const pending = list.flatMap((p) => (p.type === "pending" ? [p.pending] : [])).at(-1);
      expect(pending && pendingFor(pending, alice.id)).toEqual([]);
    }
  });
  t.closeClients();
});
