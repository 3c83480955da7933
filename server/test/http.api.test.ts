import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.ts";
import { HttpUser, uniqueEmail } from "./support/http.ts";
import { createTestStore, startTestApp, type TestStore } from "./support/app.ts";

type ErrorBody = { error: { code: string; message: string } };

function expectError(r: { status: number; json: unknown }, status: number, code: string): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  const body = r.json as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
}

describe("HTTP API", () => {
  let store: TestStore;
  let app: App;
  let owner: HttpUser;
  let player: HttpUser;
  let stranger: HttpUser;
  let anon: HttpUser;
  let campaignId: string;

  beforeAll(async () => {
    store = await createTestStore("pglite");
    app = await startTestApp(store);
    owner = await new HttpUser(app.url, uniqueEmail("owner")).signUp("Owner");
    player = await new HttpUser(app.url, uniqueEmail("player")).signUp("Player");
    stranger = await new HttpUser(app.url, uniqueEmail("stranger")).signUp("Stranger");
    anon = new HttpUser(app.url, "anon@example.test");
    campaignId = await owner.createCampaign("Isle of Dread");
  });

  afterAll(async () => {
    await app?.close();
    await store?.cleanup();
  });

  it("[API1] healthz answers without a session", async () => {
    const r = await anon.request("GET", "/api/healthz");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, db: "pglite" });
  });

  it("[ACC1] sign-up sets an HttpOnly SameSite=Lax session cookie; get-session returns the user", async () => {
    const u = new HttpUser(app.url, uniqueEmail("cookie"));
    const r = await u.request("POST", "/api/auth/sign-up/email", { name: "C", email: u.email, password: u.password });
    expect(r.status).toBe(200);
    const setCookie = r.headers.getSetCookie().find((c) => c.includes("session_token"));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const s = await u.request("GET", "/api/auth/get-session");
    expect((s.json as { user: { email: string } }).user.email).toBe(u.email);
  });

  it("[ACC1] behind HTTPS (PUBLIC_URL https) the session cookie is also Secure", async () => {
    const secureStore = await createTestStore("pglite");
    const secure = await startTestApp(secureStore, { publicUrl: "https://hex.example", allowedOrigins: ["https://hex.example"] });
    try {
      const u = new HttpUser(secure.url, uniqueEmail("secure"));
      const r = await u.request("POST", "/api/auth/sign-up/email", { name: "S", email: u.email, password: u.password }, { origin: "https://hex.example" });
      expect(r.status).toBe(200);
      const setCookie = r.headers.getSetCookie().find((c) => c.includes("session_token"));
      expect(setCookie).toMatch(/;\s*Secure/i);
      expect(setCookie).toMatch(/HttpOnly/i);
    } finally {
      await secure.close();
      await secureStore.cleanup();
    }
  });

  it("[ACC2] sign-in issues a new session each time; sign-out ends it", async () => {
    const u = await new HttpUser(app.url, uniqueEmail("sess")).signUp();
    const first = u.cookie;
    expect(await u.signIn()).toBe(200);
    expect(u.cookie).not.toBe(first);
    const out = await u.request("POST", "/api/auth/sign-out", {});
    expect(out.status).toBe(200);
    const s = await u.request("GET", "/api/auth/get-session");
    expect(s.json).toBeNull();
    const old = new HttpUser(app.url, u.email);
    old.cookie = first;
    expect((await old.request("GET", "/api/campaigns")).status).toBe(200);
  });

  it("[ACC3] wrong passwords are refused and sign-in attempts are rate limited per address", async () => {
    const u = await new HttpUser(app.url, uniqueEmail("rl")).signUp();
    const wrong = new HttpUser(app.url, u.email, "wrong password!!");
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await wrong.signIn());
    expect(statuses[0]).toBe(401);
    expect(statuses).toContain(429);
  });

  it("[API2] campaigns: create, list (creator is owner), get", async () => {
    const list = await owner.request("GET", "/api/campaigns");
    expect(list.status).toBe(200);
    const campaigns = (list.json as { campaigns: Array<{ id: string; name: string; role: string }> }).campaigns;
    expect(campaigns).toContainEqual(expect.objectContaining({ id: campaignId, name: "Isle of Dread", role: "owner" }));
    const one = await owner.request("GET", `/api/campaigns/${campaignId}`);
    expect(one.json).toMatchObject({ campaign: { id: campaignId, role: "owner" } });
  });

  it("[API3] campaign bad input answers 4xx with {error:{code,message}}", async () => {
    expectError(await anon.request("GET", "/api/campaigns"), 401, "UNAUTHENTICATED");
    expectError(await anon.request("POST", "/api/campaigns", { name: "x" }), 401, "UNAUTHENTICATED");
    expectError(await owner.request("POST", "/api/campaigns", {}), 400, "BAD_REQUEST");
    expectError(await owner.request("POST", "/api/campaigns", { name: 42 }), 400, "BAD_REQUEST");
    expectError(await owner.request("POST", "/api/campaigns", { name: "   " }), 400, "BAD_REQUEST");
    expectError(await owner.request("POST", "/api/campaigns", { name: "x".repeat(500) }), 400, "BAD_REQUEST");
    expectError(await owner.request("POST", "/api/campaigns", { name: "ok", extra: 1 }), 400, "BAD_REQUEST");
    expectError(await owner.request("POST", "/api/campaigns", "{not json"), 400, "BAD_REQUEST");
    expectError(await owner.request("POST", "/api/campaigns", "x".repeat(70_000)), 413, "PAYLOAD_TOO_LARGE");
    expectError(await owner.request("POST", "/api/campaigns", "name=x", { "content-type": "text/plain" }), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectError(await owner.request("GET", "/api/campaigns/does-not-exist"), 404, "NOT_FOUND");
    expectError(await owner.request("GET", "/api/campaigns/%E0%A4%A"), 400, "BAD_REQUEST");
    expectError(await owner.request("GET", "/api/campaigns/a:b"), 404, "NOT_FOUND");
    expectError(await stranger.request("GET", `/api/campaigns/${campaignId}`), 404, "NOT_FOUND");
    expectError(await owner.request("DELETE", "/api/campaigns"), 405, "METHOD_NOT_ALLOWED");
    expectError(await owner.request("GET", "/api/nope"), 404, "NOT_FOUND");
  });

  it("[API4] a foreign Origin cannot make cookie-authenticated writes", async () => {
    expectError(await owner.request("POST", "/api/campaigns", { name: "csrf" }, { origin: "https://evil.example" }), 403, "FORBIDDEN");
  });

  it("[INV1] invites: a DM creates one, a user accepts it and becomes a member with that role", async () => {
    const code = await owner.invite(campaignId, "player");
    expect(code.length).toBeGreaterThanOrEqual(16);
    await player.accept(code);
    const members = await player.request("GET", `/api/campaigns/${campaignId}/members`);
    expect(members.status).toBe(200);
    const list = (members.json as { members: Array<{ userId: string; role: string }> }).members;
    expect(list).toContainEqual(expect.objectContaining({ userId: player.id, role: "player" }));
    expect(list).toContainEqual(expect.objectContaining({ userId: owner.id, role: "owner" }));
  });

  it("[INV2] invites are single-use; players cannot invite; bad codes and roles are clear errors", async () => {
    const code = await owner.invite(campaignId, "dm");
    const late = await new HttpUser(app.url, uniqueEmail("late")).signUp();
    await stranger.accept(code);
    expectError(await late.request("POST", `/api/invites/${code}/accept`), 410, "GONE");
    expectError(await player.request("POST", `/api/campaigns/${campaignId}/invites`, { role: "player" }), 403, "FORBIDDEN");
    expectError(await owner.request("POST", `/api/campaigns/${campaignId}/invites`, { role: "owner" }), 400, "BAD_REQUEST");
    expectError(await owner.request("POST", `/api/campaigns/${campaignId}/invites`, {}), 400, "BAD_REQUEST");
    expectError(await owner.request("POST", `/api/campaigns/nope/invites`, { role: "dm" }), 404, "NOT_FOUND");
    expectError(await late.request("POST", `/api/invites/short/accept`), 404, "NOT_FOUND");
    expectError(await late.request("POST", `/api/invites/${"a".repeat(40)}/accept`), 404, "NOT_FOUND");
    expectError(await anon.request("POST", `/api/invites/${code}/accept`), 401, "UNAUTHENTICATED");
    const again = await owner.invite(campaignId, "player");
    expectError(await player.request("POST", `/api/invites/${again}/accept`), 409, "CONFLICT");
  });

  it("[API5] the process survives a burst of malformed requests", async () => {
    const bad = [
      () => fetch(app.url + "/api/campaigns", { method: "POST", headers: { cookie: owner.cookie, "content-type": "application/json" }, body: "[]" }),
      () => fetch(app.url + "/api/campaigns/" + "x".repeat(5000), { headers: { cookie: owner.cookie } }),
      () => fetch(app.url + "/api/auth/sign-in/email", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
      () => fetch(app.url + "/api/campaigns", { headers: { cookie: "better-auth.session_token=" + "%".repeat(100) } }),
    ];
    for (const make of bad) {
      const r = await make();
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    expect((await fetch(app.url + "/api/healthz")).status).toBe(200);
  });
});
