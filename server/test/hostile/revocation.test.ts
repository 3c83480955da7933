import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { ALL_PLAYERS, dmDocName, partyDocName, playerDocName, reveal, setTerrain } from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { eventually, HttpUser } from "../support/http.ts";
import { connectClient, connectOnSocket } from "../support/providers.ts";
import { command } from "../support/commands.ts";
import { createTestStore, REDIS_URL, startTestApp, type TestStore } from "../support/app.ts";
import { missingServices } from "../faults/support.ts";
import { setUpTable } from "../game/fixture.ts";
import { serverConnections, watchCloses } from "./support.ts";

/** W1: access ends within 5 s of being taken away (REVOKE1–REVOKE6). */
const WITHIN_MS = 5_000;

async function sql(app: App, text: string, values: unknown[]): Promise<void> {
  await app.ctx.db.pool.query(text, values);
}

/** A second session of the same account (another device). */
async function secondSession(app: App, user: HttpUser): Promise<HttpUser> {
  const other = new HttpUser(app.url, user.email, user.password);
  expect(await other.signIn()).toBe(200);
  other.id = user.id;
  return other;
}

describe("[HOST1] open sockets end with the session (W1)", () => {
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

  it("[HOST1] [REVOKE2] revoke-other-sessions closes the other session's socket (4401) within 5 s", async () => {
    const t = await setUpTable(app, 1);
    try {
      const player = t.players[0] as HttpUser;
      const stolen = await secondSession(app, player);
      const c = connectClient(app.url, playerDocName(t.campaignId, player.id), stolen.cookie);
      t.clients.push(c);
      expect(await c.ready).toBe(true);
      const closes = watchCloses(c);
      const r = await player.request("POST", "/api/auth/revoke-other-sessions", {});
      expect(r.status).toBe(200);
      await eventually(() => expect(closes.socketCodes).toContain(4401), WITHIN_MS);
      expect(serverConnections(app, playerDocName(t.campaignId, player.id), player.id)).toBe(0);
    } finally {
      t.closeClients();
    }
  });

  it("[HOST1] [REVOKE2] change-password with revokeOtherSessions closes the other session's socket", async () => {
    const t = await setUpTable(app, 1);
    try {
      const player = t.players[0] as HttpUser;
      const stolen = await secondSession(app, player);
      const c = connectClient(app.url, partyDocName(t.campaignId), stolen.cookie);
      t.clients.push(c);
      expect(await c.ready).toBe(true);
      const closes = watchCloses(c);
      const r = await player.request("POST", "/api/auth/change-password", {
        currentPassword: player.password,
        newPassword: "a brand new passphrase",
        revokeOtherSessions: true,
      });
      expect(r.status).toBe(200);
      await eventually(() => expect(closes.socketCodes).toContain(4401), WITHIN_MS);
    } finally {
      t.closeClients();
    }
  });

  it("[HOST1] [REVOKE3] an expired session's socket is closed within 5 s, with no request from anyone", async () => {
    const t = await setUpTable(app, 1);
    try {
      const player = t.players[0] as HttpUser;
      const c = connectClient(app.url, playerDocName(t.campaignId, player.id), player.cookie);
      t.clients.push(c);
      expect(await c.ready).toBe(true);
      const closes = watchCloses(c);
      await sql(app, `update "session" set "expiresAt" = now() - interval '1 second' where "userId" = $1`, [player.id]);
      await eventually(() => expect(closes.socketCodes).toContain(4401), WITHIN_MS);
    } finally {
      t.closeClients();
    }
  });

  it("[HOST1] [REVOKE4] a member whose row is gone loses every document within 5 s and gets no further publish", async () => {
    const t = await setUpTable(app, 1);
    try {
      const player = t.players[0] as HttpUser;
      const dm = await t.dm();
      const p = await t.player(player);
      const closes = watchCloses(p);
      // Deleted behind the API's back: the periodic check still finds it.
      await sql(app, "delete from campaign_member where campaign_id = $1 and user_id = $2", [t.campaignId, player.id]);
      await eventually(() => {
        expect(serverConnections(app, playerDocName(t.campaignId, player.id), player.id)).toBe(0);
        expect(serverConnections(app, partyDocName(t.campaignId), player.id)).toBe(0);
      }, WITHIN_MS);
      // The Close message may still be on its way when the server has already dropped the connection.
      await eventually(() => expect(closes.documentReasons.join(" ")).toMatch(/access-revoked/));
      setTerrain(dm.doc, "3,3", "forest");
      reveal(dm.doc, "3,3", ALL_PLAYERS);
      reveal(dm.doc, "3,3", player.id);
      await command(dm, { type: "publish" });
      await new Promise((r) => setTimeout(r, 300));
      expect(p.party.doc.getMap("terrain").get("3,3")).toBeUndefined();
      expect(p.doc.getMap("terrain").get("3,3")).toBeUndefined();
    } finally {
      t.closeClients();
    }
  });

  it("[HOST1] [REVOKE5] a demoted DM loses the DM document, keeps the party view and opens their player view on the same socket", async () => {
    const t = await setUpTable(app, 0);
    try {
      const coDm = await t.dm(t.coDm);
      const party = connectOnSocket(coDm, partyDocName(t.campaignId), { awareness: false });
      expect(await party.ready).toBe(true);
      const closes = watchCloses(coDm);
      await sql(app, "update campaign_member set role = 'player' where campaign_id = $1 and user_id = $2", [t.campaignId, t.coDm.id]);
      app.ctx.bus.publish("members", { campaignId: t.campaignId });
      await eventually(() => expect(serverConnections(app, dmDocName(t.campaignId), t.coDm.id)).toBe(0), WITHIN_MS);
      await eventually(() => expect(closes.documentReasons.join(" ")).toMatch(/role changed/));
      expect(closes.socketCodes).toEqual([]);
      expect(serverConnections(app, partyDocName(t.campaignId), t.coDm.id)).toBe(1);
      const own = connectOnSocket(coDm, playerDocName(t.campaignId, t.coDm.id));
      expect(await own.ready).toBe(true);
      // Reopening the DM document on the same socket is refused now.
      const again = connectOnSocket(coDm, dmDocName(t.campaignId));
      expect(await again.ready).toBe(false);
      own.destroy();
      again.destroy();
      party.destroy();
    } finally {
      t.closeClients();
    }
  });

  it("[HOST1] [REVOKE5] a promoted player opens the DM document on the socket they have, without signing in again", async () => {
    const t = await setUpTable(app, 1);
    try {
      const player = t.players[0] as HttpUser;
      const p = await t.player(player);
      const closes = watchCloses(p);
      await sql(app, "update campaign_member set role = 'dm' where campaign_id = $1 and user_id = $2", [t.campaignId, player.id]);
      app.ctx.bus.publish("members", { campaignId: t.campaignId });
      const dm = connectOnSocket(p, dmDocName(t.campaignId));
      expect(await dm.ready).toBe(true);
      expect(closes.socketCodes).toEqual([]);
      dm.destroy();
    } finally {
      t.closeClients();
    }
  });
});

const missing = await missingServices({ postgres: true, redis: true });
describe.skipIf(missing)("[HOST1] across instances (W1)", () => {
  let store: TestStore;
  let a: App;
  let b: App;
  beforeAll(async () => {
    store = await createTestStore("postgres");
    // A long periodic check: what closes the socket on B within 5 s is the cluster bus.
    a = await startTestApp(store, { redisUrl: REDIS_URL, instanceName: "revoke-a", accessCheckIntervalMs: 60_000 });
    b = await startTestApp(store, { redisUrl: REDIS_URL, instanceName: "revoke-b", accessCheckIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await store?.cleanup();
  });

  it("[HOST1] [REVOKE6] revoking sessions on instance A closes the socket on instance B", async () => {
    const t = await setUpTable(a, 1);
    try {
      const player = t.players[0] as HttpUser;
      const stolen = await secondSession(a, player);
      const c = connectClient(b.url, playerDocName(t.campaignId, player.id), stolen.cookie);
      t.clients.push(c);
      expect(await c.ready).toBe(true);
      const closes = watchCloses(c);
      expect((await player.request("POST", "/api/auth/revoke-other-sessions", {})).status).toBe(200);
      await eventually(() => expect(closes.socketCodes).toContain(4401), WITHIN_MS);
    } finally {
      t.closeClients();
    }
  });

  it("[HOST1] [REVOKE6] a role change published on A closes the DM document on B", async () => {
    const t = await setUpTable(a, 0);
    try {
      const c = connectClient(b.url, dmDocName(t.campaignId), t.coDm.cookie);
      t.clients.push(c);
      expect(await c.ready).toBe(true);
      const client = new pg.Client({ connectionString: store.options.databaseUrl });
      await client.connect();
      await client.query("update campaign_member set role = 'player' where campaign_id = $1 and user_id = $2", [t.campaignId, t.coDm.id]);
      await client.end();
      a.ctx.bus.publish("members", { campaignId: t.campaignId });
      await eventually(() => expect(serverConnections(b, dmDocName(t.campaignId), t.coDm.id)).toBe(0), WITHIN_MS);
    } finally {
      t.closeClients();
    }
  });
});
