import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_ERRORS,
  ApiError,
  apiRoutes,
  AuthErrorBodySchema,
  authRoutes,
  ApiErrorBodySchema,
  httpRoutes,
  routePath,
  type AnyRoute,
  type ApiErrorCode,
  type RouteName,
  type RouteParams,
} from "@hexcrawl/shared/httpApi";
import type { CallInput } from "@hexcrawl/shared/httpCaller";
import type { App } from "../src/app.ts";
import * as repos from "../src/db/repos.ts";
import { HttpUser, uniqueEmail } from "./support/http.ts";
import { createTestStore, startTestApp, type TestStore } from "./support/app.ts";

type Answer = { status: number; json: unknown };

/** An error answer of our routes: the contract's error body, with the status its code has. */
function expectError(r: Answer, status: number, code: ApiErrorCode): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  const body = ApiErrorBodySchema.parse(r.json);
  expect(body.error.code).toBe(code);
  expect(API_ERRORS[code].status).toBe(status);
}

/**
 * API6: one raw answer of `route` against the contract. A success has the route's status and exactly its
 * response shape (parsing strips nothing); an error has the error body of whoever serves the route.
 */
function expectContract(route: AnyRoute, r: Answer): void {
  const what = `${route.method} ${route.path} → ${r.status} ${JSON.stringify(r.json)}`;
  if (r.status >= 200 && r.status < 300) {
    expect(r.status, what).toBe(route.status);
    const parsed = route.response.safeParse(r.json);
    expect(parsed.success, `${what}: ${parsed.error?.message}`).toBe(true);
    // Ours send nothing outside the schema; better-auth's answers carry more than the client relies on.
    if (route.servedBy === "api") expect(parsed.data, what).toEqual(r.json);
    return;
  }
  const ours = ApiErrorBodySchema.safeParse(r.json);
  if (route.servedBy === "api") {
    expect(ours.success, what).toBe(true);
    if (ours.success) expect(r.status, what).toBe(API_ERRORS[ours.data.error.code].status);
  } else {
    // better-auth answers flat; our own layer in front of it (a foreign Origin) with the contract's body.
    expect(ours.success || AuthErrorBodySchema.safeParse(r.json).success, what).toBe(true);
  }
}

/** Send a request of `route` raw (no validation on the way out), check the answer against the contract. */
async function hit<T extends AnyRoute>(user: HttpUser, route: T, input: CallInput<T>, status: number): Promise<unknown> {
  const parts = input as { params?: Record<string, string>; query?: Record<string, string | number>; body?: unknown };
  const query = parts.query ? `?${new URLSearchParams(Object.entries(parts.query).map(([k, v]) => [k, String(v)]))}` : "";
  const body = route.body ? (parts.body ?? {}) : undefined;
  const r = await user.request(route.method, routePath(route, (parts.params ?? {}) as RouteParams<T>) + query, body);
  expect(r.status, `${route.method} ${route.path} → ${JSON.stringify(r.json)}`).toBe(status);
  expectContract(route, r);
  return r.json;
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
    const s = await u.call(authRoutes.getSession);
    expect(s?.user.email).toBe(u.email);
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
    const { campaigns } = apiRoutes.listCampaigns.response.parse(list.json);
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
    const list = apiRoutes.listMembers.response.parse(members.json).members;
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

describe("HTTP contract", () => {
  // Its own app: the sign-ins here must not meet the rate limit the ACC3 test runs into.
  let t: {
    store: TestStore;
    app: App;
    owner: HttpUser;
    player: HttpUser;
    stranger: HttpUser;
    anon: HttpUser;
    campaignId: string;
  };

  beforeAll(async () => {
    const store = await createTestStore("pglite");
    const app = await startTestApp(store);
    const user = (prefix: string) => new HttpUser(app.url, uniqueEmail(prefix)).signUp(prefix);
    const owner = await user("c-owner");
    const campaignId = await owner.createCampaign("Contract Isles");
    const player = await user("c-player");
    await player.accept(await owner.invite(campaignId, "player"));
    t = { store, app, owner, player, stranger: await user("c-stranger"), anon: new HttpUser(app.url, "anon@example.test"), campaignId };
  });

  afterAll(async () => {
    await t?.app.close();
    await t?.store.cleanup();
  });

  // One scenario per route of the table, each with its success and its errors. A route added to the
  // contract without a scenario here does not compile.
  const scenarios: Record<RouteName, () => Promise<void>> = {
    healthz: async () => {
      await hit(t.anon, apiRoutes.healthz, {}, 200);
      expectError(await t.anon.request("POST", apiRoutes.healthz.path, {}), 405, "METHOD_NOT_ALLOWED");
    },
    listCampaigns: async () => {
      const { campaigns } = apiRoutes.listCampaigns.response.parse(await hit(t.owner, apiRoutes.listCampaigns, {}, 200));
      expect(campaigns.map((c) => c.id)).toContain(t.campaignId);
      await hit(t.anon, apiRoutes.listCampaigns, {}, 401);
    },
    createCampaign: async () => {
      await hit(t.owner, apiRoutes.createCampaign, { body: { name: "Contract Two" } }, 201);
      await hit(t.owner, apiRoutes.createCampaign, { body: { name: " " } }, 400);
      await hit(t.anon, apiRoutes.createCampaign, { body: { name: "x" } }, 401);
    },
    getCampaign: async () => {
      await hit(t.player, apiRoutes.getCampaign, { params: { id: t.campaignId } }, 200);
      await hit(t.stranger, apiRoutes.getCampaign, { params: { id: t.campaignId } }, 404);
      await hit(t.owner, apiRoutes.getCampaign, { params: { id: "a:b" } }, 404);
    },
    listMembers: async () => {
      await hit(t.player, apiRoutes.listMembers, { params: { id: t.campaignId } }, 200);
      await hit(t.stranger, apiRoutes.listMembers, { params: { id: t.campaignId } }, 404);
      await hit(t.anon, apiRoutes.listMembers, { params: { id: t.campaignId } }, 401);
    },
    createInvite: async () => {
      await hit(t.owner, apiRoutes.createInvite, { params: { id: t.campaignId }, body: { role: "dm" } }, 201);
      await hit(t.player, apiRoutes.createInvite, { params: { id: t.campaignId }, body: { role: "player" } }, 403);
    },
    acceptInvite: async () => {
      const code = await t.owner.invite(t.campaignId, "player");
      const newcomer = await new HttpUser(t.app.url, uniqueEmail("c-new")).signUp();
      await hit(newcomer, apiRoutes.acceptInvite, { params: { code } }, 200);
      await hit(t.stranger, apiRoutes.acceptInvite, { params: { code } }, 410);
      await hit(t.player, apiRoutes.acceptInvite, { params: { code: await t.owner.invite(t.campaignId, "player") } }, 409);
      await hit(t.stranger, apiRoutes.acceptInvite, { params: { code: "a".repeat(40) } }, 404);
      await hit(t.stranger, apiRoutes.acceptInvite, { params: { code: "short" } }, 404);
    },
    listEvents: async () => {
      for (const type of ["contract_a", "contract_b"]) {
        await repos.appendEvent(t.app.ctx.db.pool, { campaignId: t.campaignId, type, actorId: t.owner.id, payload: { type } }, { currentSession: true });
      }
      const all = apiRoutes.listEvents.response.parse(await hit(t.owner, apiRoutes.listEvents, { params: { id: t.campaignId } }, 200));
      expect(all.events.map((e) => e.type)).toEqual(expect.arrayContaining(["contract_a", "contract_b"]));
      const first = all.events[0]?.id ?? 0;
      const page = { after: first, limit: 1 };
      const next = apiRoutes.listEvents.response.parse(await hit(t.owner, apiRoutes.listEvents, { params: { id: t.campaignId }, query: page }, 200));
      expect(next.events).toHaveLength(1);
      expect(next.events[0]?.id).toBeGreaterThan(first);
      await hit(t.player, apiRoutes.listEvents, { params: { id: t.campaignId } }, 403);
      await hit(t.owner, apiRoutes.listEvents, { params: { id: t.campaignId }, query: { limit: 9999 } }, 400);
    },
    signUp: async () => {
      const u = new HttpUser(t.app.url, uniqueEmail("c-signup"));
      const body = { name: "Signup", email: u.email, password: u.password };
      await hit(u, authRoutes.signUp, { body }, 200);
      const again = await new HttpUser(t.app.url, u.email).request("POST", authRoutes.signUp.path, body);
      expect(again.status).toBeGreaterThanOrEqual(400);
      expectContract(authRoutes.signUp, again);
    },
    signIn: async () => {
      await hit(t.owner, authRoutes.signIn, { body: { email: t.owner.email, password: t.owner.password } }, 200);
      await hit(t.anon, authRoutes.signIn, { body: { email: t.owner.email, password: "wrong password!!" } }, 401);
    },
    signOut: async () => {
      const u = await new HttpUser(t.app.url, uniqueEmail("c-signout")).signUp();
      await hit(u, authRoutes.signOut, {}, 200);
    },
    getSession: async () => {
      const session = authRoutes.getSession.response.parse(await hit(t.player, authRoutes.getSession, {}, 200));
      expect(session?.user.id).toBe(t.player.id);
      expect(await hit(t.anon, authRoutes.getSession, {}, 200)).toBeNull();
    },
    // --- security (issue 10): member management
    listInvites: async () => {
      const code = await t.owner.invite(t.campaignId, "player");
      const { invites } = apiRoutes.listInvites.response.parse(await hit(t.owner, apiRoutes.listInvites, { params: { id: t.campaignId } }, 200));
      expect(invites.map((i) => i.code)).toContain(code);
      await hit(t.player, apiRoutes.listInvites, { params: { id: t.campaignId } }, 403);
      await hit(t.stranger, apiRoutes.listInvites, { params: { id: t.campaignId } }, 404);
    },
    revokeInvite: async () => {
      const code = await t.owner.invite(t.campaignId, "player");
      await hit(t.player, apiRoutes.revokeInvite, { params: { id: t.campaignId, code } }, 403);
      await hit(t.owner, apiRoutes.revokeInvite, { params: { id: t.campaignId, code } }, 200);
      await hit(t.owner, apiRoutes.revokeInvite, { params: { id: t.campaignId, code: "b".repeat(24) } }, 404);
      await hit(t.stranger, apiRoutes.acceptInvite, { params: { code } }, 410);
    },
    getInvite: async () => {
      const code = await t.owner.invite(t.campaignId, "dm");
      const offer = apiRoutes.getInvite.response.parse(await hit(t.anon, apiRoutes.getInvite, { params: { code } }, 200));
      expect(offer).toEqual({ campaign: { id: t.campaignId, name: "Contract Isles" }, role: "dm" });
      await hit(t.anon, apiRoutes.getInvite, { params: { code: "c".repeat(24) } }, 404);
      await t.owner.call(apiRoutes.revokeInvite, { params: { id: t.campaignId, code } });
      await hit(t.anon, apiRoutes.getInvite, { params: { code } }, 410);
    },
    removeMember: async () => {
      const leaver = await new HttpUser(t.app.url, uniqueEmail("c-leaver")).signUp();
      await leaver.accept(await t.owner.invite(t.campaignId, "player"));
      await hit(t.player, apiRoutes.removeMember, { params: { id: t.campaignId, userId: leaver.id } }, 403);
      await hit(t.owner, apiRoutes.removeMember, { params: { id: t.campaignId, userId: t.owner.id } }, 403);
      await hit(t.owner, apiRoutes.removeMember, { params: { id: t.campaignId, userId: leaver.id } }, 200);
      await hit(t.owner, apiRoutes.removeMember, { params: { id: t.campaignId, userId: leaver.id } }, 404);
    },
    changeRole: async () => {
      const promoted = await new HttpUser(t.app.url, uniqueEmail("c-promoted")).signUp();
      await promoted.accept(await t.owner.invite(t.campaignId, "player"));
      const { member } = apiRoutes.changeRole.response.parse(
        await hit(t.owner, apiRoutes.changeRole, { params: { id: t.campaignId, userId: promoted.id }, body: { role: "dm" } }, 200),
      );
      expect(member).toMatchObject({ userId: promoted.id, role: "dm" });
      await hit(promoted, apiRoutes.changeRole, { params: { id: t.campaignId, userId: t.player.id }, body: { role: "dm" } }, 403);
      await hit(t.owner, apiRoutes.changeRole, { params: { id: t.campaignId, userId: t.owner.id }, body: { role: "player" } }, 403);
      await hit(t.owner, apiRoutes.changeRole, { params: { id: t.campaignId, userId: promoted.id }, body: { role: "owner" } as never }, 400);
    },
    getTimeline: async () => {
      const mine = apiRoutes.getTimeline.response.parse(
        await hit(t.player, apiRoutes.getTimeline, { params: { id: t.campaignId, userId: t.player.id } }, 200),
      );
      expect(mine).toEqual({ player: t.player.id, entries: [], more: 0 });
      await hit(t.owner, apiRoutes.getTimeline, { params: { id: t.campaignId, userId: t.player.id } }, 200);
      await hit(t.player, apiRoutes.getTimeline, { params: { id: t.campaignId, userId: t.owner.id } }, 403);
      await hit(t.stranger, apiRoutes.getTimeline, { params: { id: t.campaignId, userId: t.player.id } }, 404);
      await hit(t.anon, apiRoutes.getTimeline, { params: { id: t.campaignId, userId: t.player.id } }, 401);
    },
    // exchange (XCHG)
    exportCampaign: async () => {
      await hit(t.owner, apiRoutes.exportCampaign, { params: { id: t.campaignId } }, 200);
      await hit(t.player, apiRoutes.exportCampaign, { params: { id: t.campaignId } }, 403);
      await hit(t.stranger, apiRoutes.exportCampaign, { params: { id: t.campaignId } }, 404);
    },
    exportPlayerMap: async () => {
      await hit(t.player, apiRoutes.exportPlayerMap, { params: { id: t.campaignId }, query: {} }, 200);
      await hit(t.owner, apiRoutes.exportPlayerMap, { params: { id: t.campaignId }, query: { userId: t.player.id } }, 200);
      await hit(t.player, apiRoutes.exportPlayerMap, { params: { id: t.campaignId }, query: { userId: t.owner.id } }, 403);
      await hit(t.owner, apiRoutes.exportPlayerMap, { params: { id: t.campaignId }, query: {} }, 400);
    },
    importCampaign: async () => {
      const text = '0101 forest "Old Wood"\n';
      await hit(t.owner, apiRoutes.importCampaign, { body: { source: { format: "textmapper", text }, preview: true } }, 201);
      await hit(t.owner, apiRoutes.importCampaign, { body: { source: { format: "textmapper", text } } }, 201);
      await hit(t.owner, apiRoutes.importCampaign, { body: { source: { format: "wxx", base64: "aGVsbG8=" } } }, 400);
      await hit(t.anon, apiRoutes.importCampaign, { body: { source: { format: "textmapper", text } } }, 401);
    },
    mergeIntoCampaign: async () => {
      const text = '0101 forest "Old Wood"\n';
      await hit(t.owner, apiRoutes.mergeIntoCampaign, { params: { id: t.campaignId }, body: { source: { format: "textmapper", text }, preview: true } }, 200);
      await hit(t.player, apiRoutes.mergeIntoCampaign, { params: { id: t.campaignId }, body: { source: { format: "textmapper", text } } }, 403);
    },
  };

  for (const [name, scenario] of Object.entries(scenarios)) {
    const route = httpRoutes[name as RouteName];
    it(`[API6] ${name} (${route.method} ${route.path}) answers what the shared contract says`, scenario);
  }

  it("[API8] the shared caller returns the parsed answer, and throws the server's code, status and message", async () => {
    const { campaign } = await t.player.call(apiRoutes.getCampaign, { params: { id: t.campaignId } });
    expect(campaign).toMatchObject({ id: t.campaignId, name: "Contract Isles", role: "player" });
    const refused = await t.stranger.call(apiRoutes.getCampaign, { params: { id: t.campaignId } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "NOT_FOUND", status: 404, message: "No such campaign" });
    const flat = await t.anon.call(authRoutes.signIn, { body: { email: t.owner.email, password: "wrong password!!" } }).catch((e: unknown) => e);
    expect(flat).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    expect((flat as ApiError).message.length).toBeGreaterThan(0);
  });
});
