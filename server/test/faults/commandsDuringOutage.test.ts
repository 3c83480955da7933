import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_PLAYERS, readPlayerView, reveal, setTerrain } from "@hexcrawl/shared";
import { apiRoutes } from "@hexcrawl/shared/httpApi";
import type { App } from "../../src/app.ts";
import { eventually, type HttpUser } from "../support/http.ts";
import { sendCommand } from "../support/commands.ts";
import { createTestStore, startTestApp, type TestStore } from "../support/app.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.ts";
import { setUpTable, viewOf, type Table } from "../game/fixture.ts";
import { missingServices } from "./support.ts";
import { MEMBERS_FRESH_MS } from "../../src/game/PlayerRoster.ts";

const missing = await missingServices({ postgres: true });

describe.skipIf(missing)("DM commands while Postgres is down", () => {
  let store: TestStore;
  let proxy: TcpProxy;
  let app: App;
  let t: Table;

  beforeAll(async () => {
    store = await createTestStore("postgres");
    proxy = await startTcpProxy(5432);
    app = await startTestApp(store, { databaseUrl: proxy.rewrite(store.options.databaseUrl ?? "") });
    t = await setUpTable(app, 1);
  });
  afterAll(async () => {
    proxy?.restore();
    t?.closeClients();
    await app?.close();
    await proxy?.close();
    await store?.cleanup();
  });

  it("[CMD2] a command that needs the database answers UNAVAILABLE during the outage, and works after it", async () => {
    const [alice] = t.players as [HttpUser];
    const dm = await t.dm();
    const a = await t.player(alice);
    setTerrain(dm.doc, "0,0", "forest");
    reveal(dm.doc, "0,0", ALL_PLAYERS);
    await eventually(() => expect(dm.provider.unsyncedChanges).toBe(0));
    proxy.cut();
    try {
      // A publish reuses a member list read within MEMBERS_FRESH_MS (it then needs no database at all):
      // let the one read while connecting age, so this publish must read the members.
      await new Promise((r) => setTimeout(r, MEMBERS_FRESH_MS + 250));
      for (const cmd of [{ type: "publish" } as const, { type: "session", action: "start" } as const]) {
        const r = await sendCommand(dm, cmd, 30_000);
        expect(r.ok ? "ok" : r.error.code, cmd.type).toBe("UNAVAILABLE");
      }
      expect(viewOf(a)).toEqual({});
    } finally {
      proxy.restore();
    }
    await eventually(async () => {
      const r = await sendCommand(dm, { type: "publish" });
      expect(r.ok).toBe(true);
    }, 20_000);
    await eventually(() => expect(viewOf(a)).toEqual({ "0,0": { terrain: "forest", notes: "" } }));
    // Published to everyone: it is in the party document, not copied into the player's (PROJ15).
    expect(readPlayerView(a.party.doc).has("0,0")).toBe(true);
    expect(readPlayerView(a.doc).size).toBe(0);
  });

  it("[LOG2] an event that happens during an outage is written once Postgres is back, with its original time", async () => {
    // A player leaving is such an event. (A DM edit is not: its message is held until Postgres takes it — DUR9 —
    // so the reveal it makes happens, and is logged, after the outage.)
    const [alice] = t.players as [HttpUser];
    const dm = await t.dm();
    const a = await t.player(alice);
    await eventually(() => expect(dm.provider.isSynced && a.provider.isSynced).toBe(true));
    proxy.cut();
    const cutAt = Date.now();
    try {
      a.destroy();
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      proxy.restore();
    }
    await eventually(async () => {
      const { events } = await t.owner.call(apiRoutes.listEvents, { params: { id: t.campaignId }, query: { limit: 500 } });
      const leaves = events.filter(
        (e) => e.type === "player_leave" && (e.payload as { userId?: string }).userId === alice.id && new Date(e.at).getTime() >= cutAt - 1000,
      );
      expect(leaves).toHaveLength(1);
      expect(Math.abs(new Date(leaves[0]?.at ?? 0).getTime() - cutAt)).toBeLessThan(1000);
    }, 30_000);
  });
});
