import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  API_ERRORS,
  ApiError,
  ApiErrorCodeSchema,
  apiRoutes,
  authRoutes,
  CALLER_ERRORS,
  codeForStatus,
  defineRoute,
  ApiErrorBodySchema,
  httpRoutes,
  InviteRoleSchema,
  matchPath,
  routePath,
  type PathParamName,
} from "./httpApi.ts";

describe("HTTP errors", () => {
  it("[API7] every code has its own status (4xx/5xx) and a one-line meaning; caller codes are not on the wire", () => {
    const statuses = Object.values(API_ERRORS).map((e) => e.status);
    expect(new Set(statuses).size).toBe(statuses.length);
    for (const [code, info] of Object.entries(API_ERRORS)) {
      expect(info.status, code).toBeGreaterThanOrEqual(400);
      expect(info.status, code).toBeLessThan(600);
      expect(info.meaning, code).toMatch(/^[^\n]{10,120}$/);
      expect(codeForStatus(info.status)).toBe(code);
    }
    for (const code of Object.keys(CALLER_ERRORS)) {
      expect(ApiErrorCodeSchema.safeParse(code).success, code).toBe(false);
      expect(Object.keys(API_ERRORS)).not.toContain(code);
    }
  });

  it("[API7] a status outside the table maps to the nearest kind", () => {
    expect(codeForStatus(422)).toBe("BAD_REQUEST");
    expect(codeForStatus(502)).toBe("UNAVAILABLE");
    expect(codeForStatus(504)).toBe("UNAVAILABLE");
  });

  it("[API7] ApiError takes its status from the code and writes the contract's error body", () => {
    const e = new ApiError("GONE", "This invite has expired");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("ApiError");
    expect(e.status).toBe(410);
    expect(ApiErrorBodySchema.parse(e.toBody())).toEqual({ error: { code: "GONE", message: "This invite has expired" } });
    expect(new ApiError("NOT_FOUND", "x", 404).status).toBe(404);
    expect(new ApiError("NETWORK", "offline").status).toBe(0);
    // A caller-side code is a server bug if it ever reaches the wire.
    expect(new ApiError("BAD_RESPONSE", "odd").toBody().error.code).toBe("INTERNAL");
  });

  it("[API7] the error body is exactly {error:{code,message}} with a known code and a message", () => {
    expect(ApiErrorBodySchema.safeParse({ error: { code: "FORBIDDEN", message: "No." } }).success).toBe(true);
    for (const bad of [
      { error: { code: "forbidden", message: "No." } },
      { error: { code: "FORBIDDEN", message: "" } },
      { error: { code: "FORBIDDEN", message: "No.", stack: "…" } },
      { code: "FORBIDDEN", message: "No." },
      null,
    ]) {
      expect(ApiErrorBodySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("HTTP routes", () => {
  it("[API7] one entry per method and path; ours under /api/, better-auth's under /api/auth/", () => {
    const keys = Object.values(httpRoutes).map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of Object.values(apiRoutes)) {
      expect(r.servedBy).toBe("api");
      expect(r.path).toMatch(/^\/api\/(?!auth\/)/);
    }
    for (const r of Object.values(authRoutes)) {
      expect(r.servedBy).toBe("better-auth");
      expect(r.path).toMatch(/^\/api\/auth\//);
    }
  });

  it("[API7] a GET has no body; only healthz, the invite lookup (MEMB4) and better-auth's routes work without a session", () => {
    for (const [name, r] of Object.entries(httpRoutes)) {
      if (r.method === "GET") expect(r.body, name).toBeUndefined();
      expect(r.signedIn, name).toBe(r.servedBy === "api" && name !== "healthz" && name !== "getInvite");
    }
  });

  it("[API7] every path parameter has its schema, and path building and matching round-trip", () => {
    const samples: Record<string, string> = { id: "c4mp41gn_-Id", code: "A".repeat(24) };
    for (const [name, r] of Object.entries(httpRoutes)) {
      const names = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1] as string);
      if (names.length === 0) {
        expect(r.params, name).toBeUndefined();
        expect(routePath(r, {} as never)).toBe(r.path);
        continue;
      }
      const params = Object.fromEntries(names.map((n) => [n, samples[n] ?? "x"]));
      expect(r.params?.parse(params), name).toEqual(params);
      expect(matchPath(r.path, routePath(r, params as never)), name).toEqual(params);
    }
  });

  it("[API7] routePath encodes each parameter as one segment; matchPath needs every segment", () => {
    const path = routePath(apiRoutes.getCampaign, { id: "a/b c" });
    expect(path).toBe("/api/campaigns/a%2Fb%20c");
    expect(matchPath("/api/campaigns/:id", path)).toEqual({ id: "a%2Fb%20c" });
    expect(matchPath("/api/campaigns/:id", "/api/campaigns/")).toBeNull();
    expect(matchPath("/api/campaigns/:id", "/api/campaigns")).toBeNull();
    expect(matchPath("/api/campaigns/:id", "/api/campaigns/x/members")).toBeNull();
    expect(matchPath("/api/campaigns/:id/members", "/api/campaigns/x/invites")).toBeNull();
    expect(matchPath("/api/healthz", "/api/healthz")).toEqual({});
  });

  it("[API7] path parameter names are read from the path type", () => {
    const name: PathParamName<"/api/campaigns/:id/members/:userId"> = "userId";
    expect(name).toBe("userId");
    const route = defineRoute({ method: "DELETE", path: "/api/things/:thingId", params: z.object({ thingId: z.string() }), response: z.null() });
    expect(route).toMatchObject({ status: 200, signedIn: true, servedBy: "api", query: undefined, body: undefined });
    // @ts-expect-error: a path with parameters needs their schema
    defineRoute({ method: "GET", path: "/api/things/:thingId", response: z.null() });
  });

  it("[API7] request bodies refuse unknown fields; an invite grants player or dm, never owner", () => {
    expect(apiRoutes.createCampaign.body.safeParse({ name: "Isle", extra: 1 }).success).toBe(false);
    expect(apiRoutes.createCampaign.body.parse({ name: "  Isle  " })).toEqual({ name: "Isle" });
    expect(InviteRoleSchema.options).toEqual(["dm", "player"]);
    expect(apiRoutes.createInvite.body.safeParse({ role: "owner" }).success).toBe(false);
  });

  it("[API7] the event log query coerces strings, defaults its page size and caps it", () => {
    const q = apiRoutes.listEvents.query;
    expect(q.parse({})).toEqual({ limit: 200 });
    expect(q.parse({ after: "7", limit: "500" })).toEqual({ after: 7, limit: 500 });
    for (const bad of [{ limit: "501" }, { limit: "0" }, { after: "-1" }, { after: "x" }, { other: "1" }]) {
      expect(q.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("[API6] wire dates are ISO strings", () => {
    const member = { userId: "u1", name: "Ann", role: "player", joinedAt: new Date(0).toISOString() };
    const members = apiRoutes.listMembers.response;
    expect(members.safeParse({ members: [member] }).success).toBe(true);
    expect(members.safeParse({ members: [{ ...member, joinedAt: new Date(0) }] }).success).toBe(false);
    expect(members.safeParse({ members: [{ ...member, joinedAt: "yesterday" }] }).success).toBe(false);
  });
});
