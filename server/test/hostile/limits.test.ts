import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import { partyDocName, playerDocName } from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { checkMessage, checkUpdateV1, MAX_READ_ONLY_UPDATE_BYTES } from "../../src/collab/messageChecks.ts";
import { SYNC_STEP1_BURST } from "../../src/collab/UpdateGuard.ts";
import { PLAYER_LOG_EVENTS_PER_WINDOW } from "../../src/game/GameExtension.ts";
import { eventually, HttpUser, uniqueEmail } from "../support/http.ts";
import { createTestStore, startTestApp, type TestStore } from "../support/app.ts";
import { frames, FrameWriter, openRawSocket, type RawSocket } from "../hardening/rawSocket.ts";
import { setUpTable } from "../game/fixture.ts";

/** Open a raw WebSocket upgrade and report the HTTP status it was refused with (or 101). */
function upgradeStatus(baseUrl: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/collab", { headers: { origin: baseUrl, ...headers } });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on("open", () => {
      resolve(101);
      ws.close();
    });
    ws.on("error", () => undefined);
  });
}

/** A socket that may be refused at the upgrade (then null). */
async function tryRawSocket(baseUrl: string, cookie: string): Promise<RawSocket | null> {
  try {
    return await openRawSocket(baseUrl, cookie);
  } catch {
    return null;
  }
}

/** A valid Yjs update of about `bytes` bytes. */
function bigUpdate(bytes: number): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap("terrain").set("0,0", "x".repeat(bytes));
  return Y.encodeStateAsUpdate(doc);
}

/** A client Close message for one document (Hocuspocus closes that document connection). */
const closeFrame = (doc: string) => new FrameWriter().varString(doc).varUint(7).varString("bye").done();

describe("[HOST4–HOST8] rate and size limits (W3–W8)", () => {
  let store: TestStore;
  let app: App;
  beforeAll(async () => {
    store = await createTestStore("pglite");
    app = await startTestApp(store, { limits: { authFailuresPerAddress: 10, documentOpensPerSessionPerMinute: 50 } });
  });
  afterAll(async () => {
    await app?.close();
    await store?.cleanup();
  });

  it("[HOST4] [LIMIT1] opening and closing one's own document in a loop is cut off, and the DMs' log gets at most 20 join/leave rows a minute", async () => {
    const t = await setUpTable(app, 1);
    const player = t.players[0] as HttpUser;
    const doc = playerDocName(t.campaignId, player.id);
    const codes: number[] = [];
    for (let s = 0; s < 3; s++) {
      const sock = await openRawSocket(app.url, player.cookie);
      for (let i = 0; i < 40 && sock.ws.readyState === WebSocket.OPEN; i++) {
        // Each open under its own session key (`name\0key`, as session-aware providers address documents).
        const key = `${doc}\0${s}-${i}`;
        if (!(await sock.authenticate(key, 1000).catch(() => false))) break;
        sock.send(closeFrame(key));
      }
      codes.push((await Promise.race([sock.closed, new Promise<{ code: number }>((r) => setTimeout(() => r({ code: 0 }), 2000))])).code);
      sock.close();
    }
    // Each socket was closed for opening too fast (the burst is 30).
    expect(codes).toEqual([4429, 4429, 4429]);
    await new Promise((r) => setTimeout(r, 500));
    const { rows } = await app.ctx.db.pool.query<{ n: string }>(
      "select count(*) as n from session_event where campaign_id = $1 and actor_id = $2 and type in ('player_join', 'player_leave')",
      [t.campaignId, player.id],
    );
    expect(Number(rows[0]?.n)).toBeLessThanOrEqual(PLAYER_LOG_EVENTS_PER_WINDOW);
  });

  it("[HOST4] [LIMIT1] new sockets do not renew a session's open budget (per session per minute)", async () => {
    const t = await setUpTable(app, 1);
    const player = t.players[0] as HttpUser;
    const doc = playerDocName(t.campaignId, player.id);
    let opened = 0;
    let refusedAt = -1;
    // Each socket stays under its own burst (20 < 30); the session's budget here is 50 a minute.
    for (let s = 0; s < 4 && refusedAt < 0; s++) {
      const sock = await openRawSocket(app.url, player.cookie);
      for (let i = 0; i < 20; i++) {
        const key = `${doc}\0session-${s}-${i}`;
        if (!(await sock.authenticate(key, 1000).catch(() => false)) || sock.ws.readyState !== WebSocket.OPEN) {
          refusedAt = opened;
          break;
        }
        opened += 1;
        sock.send(closeFrame(key));
      }
      sock.close();
    }
    expect(refusedAt).toBeGreaterThanOrEqual(49);
    expect(refusedAt).toBeLessThanOrEqual(51);
  });

  it("[HOST5] [LIMIT2] a flood of sync step 1 requests closes the socket (4429) after the burst", async () => {
    const t = await setUpTable(app, 1);
    const player = t.players[0] as HttpUser;
    const sock = await openRawSocket(app.url, player.cookie);
    const doc = partyDocName(t.campaignId);
    expect(await sock.authenticate(doc)).toBe(true);
    let received = 0;
    sock.ws.on("message", (d: Buffer) => (received += d.byteLength));
    const emptySv = Y.encodeStateVector(new Y.Doc());
    for (let i = 0; i < 300 && sock.ws.readyState === WebSocket.OPEN; i++) sock.send(frames.step1(doc, emptySv));
    expect((await sock.closed).code).toBe(4429);
    // At most the burst (plus the provider-less handshake) was answered.
    expect(SYNC_STEP1_BURST).toBeLessThan(300);
    expect(received).toBeLessThan(SYNC_STEP1_BURST * 4096);
  });

  it("[HOST6] [LIMIT3] a large update on a read-only document is refused (4413) before it is decoded", async () => {
    const t = await setUpTable(app, 1);
    const player = t.players[0] as HttpUser;
    const sock = await openRawSocket(app.url, player.cookie);
    const doc = playerDocName(t.campaignId, player.id);
    expect(await sock.authenticate(doc)).toBe(true);
    const update = bigUpdate(800 * 1024);
    // Sync step 2 (what Hocuspocus decodes for read-only connections).
    sock.send(new FrameWriter().varString(doc).varUint(0).varUint(1).varBytes(update).done());
    expect((await sock.closed).code).toBe(4413);
    // The check costs a size comparison, not a decode: far below the full walk of the same update.
    const frame = new FrameWriter().varString(doc).varUint(0).varUint(1).varBytes(update).done();
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) expect(checkMessage(frame, { readOnly: true })).toMatchObject({ code: 4413 });
    const readOnlyMs = (performance.now() - t0) / 20;
    const t1 = performance.now();
    expect(checkUpdateV1(update)).toBeNull();
    const fullMs = performance.now() - t1;
    expect(readOnlyMs).toBeLessThan(Math.max(2, fullMs / 5));
    // Small ones pass (a client's step 2 after sync is empty or tiny).
    expect(checkMessage(new FrameWriter().varString(doc).varUint(0).varUint(1).varBytes(bigUpdate(100)).done(), { readOnly: true })).toBe("sync");
    expect(MAX_READ_ONLY_UPDATE_BYTES).toBe(64 * 1024);
  });

  it("[HOST7] [LIMIT4] a socket without a session cannot park megabytes before authenticating; nor can one address", async () => {
    // One socket: over 2 MiB before any authentication closes it (4413).
    const one = await openRawSocket(app.url, "");
    for (let i = 0; i < 6 && one.ws.readyState === WebSocket.OPEN; i++) one.send(frames.update("campaign:x:party", randomBytes(512 * 1024)));
    expect((await one.closed).code).toBe(4413);
    // Many sockets of one address, each under its own cap: together over 8 MiB, the next is closed (4429).
    const socks: RawSocket[] = [];
    const codes: number[] = [];
    for (let s = 0; s < 6; s++) {
      const sock = await openRawSocket(app.url, "");
      socks.push(sock);
      void sock.closed.then((c) => codes.push(c.code));
      for (let i = 0; i < 3; i++) sock.send(frames.update("campaign:x:party", randomBytes(600 * 1024)));
    }
    await eventually(() => expect(codes).toContain(4429), 5000);
    for (const s of socks) s.close();
    // Once they are gone, the address is free again.
    await eventually(async () => expect(await upgradeStatus(app.url, {})).toBe(101));
  });

  it("[HOST8] [LIMIT5] a signed-in user's failed authentications lock out their session, not everyone at their address", async () => {
    const t = await setUpTable(app, 0);
    const mallory = await new HttpUser(app.url, uniqueEmail("mallory")).signUp("Mallory");
    const alice = await new HttpUser(app.url, uniqueEmail("alice")).signUp("Alice");
    await alice.accept(await t.owner.invite(t.campaignId, "player"));
    // 10 refusals (the limit here): two sockets of five.
    for (let s = 0; s < 2; s++) {
      const sock = await tryRawSocket(app.url, mallory.cookie);
      if (!sock) break;
      for (let i = 0; i < 5 && sock.ws.readyState === WebSocket.OPEN; i++) await sock.authenticate(partyDocName(t.campaignId), 3000).catch(() => false);
      sock.close();
    }
    await eventually(async () => expect(await upgradeStatus(app.url, { cookie: mallory.cookie })).toBe(429));
    // Alice, at the same address, is not affected.
    expect(await upgradeStatus(app.url, { cookie: alice.cookie })).toBe(101);
    const sock = await openRawSocket(app.url, alice.cookie);
    expect(await sock.authenticate(playerDocName(t.campaignId, alice.id))).toBe(true);
    sock.close();
  });
});

describe("[HOST9] TRUST_PROXY reads the right-most untrusted hop (W8)", () => {
  let store: TestStore;
  let app: App;
  beforeAll(async () => {
    store = await createTestStore("pglite");
    app = await startTestApp(store, { trustProxy: 1 });
  });
  afterAll(async () => {
    await app?.close();
    await store?.cleanup();
  });

  it("[HOST9] [PROXY2] rotating a forged first X-Forwarded-For hop does not escape the sign-in limit", async () => {
    const victim = await new HttpUser(app.url, uniqueEmail("victim")).signUp("Victim");
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      // As nginx's $proxy_add_x_forwarded_for would pass it: what the client wrote, then the real peer.
      const r = await new HttpUser(app.url, victim.email, "wrong password 123").request(
        "POST",
        "/api/auth/sign-in/email",
        { email: victim.email, password: "wrong password 123" },
        { "x-forwarded-for": `198.51.100.${i + 1}, 203.0.113.50` },
      );
      statuses.push(r.status);
    }
    expect(statuses).toContain(429);
    // Someone else (another real address) signs in fine.
    const ok = await new HttpUser(app.url, victim.email, victim.password).request(
      "POST",
      "/api/auth/sign-in/email",
      { email: victim.email, password: victim.password },
      { "x-forwarded-for": "203.0.113.51" },
    );
    expect(ok.status).toBe(200);
  });
});
