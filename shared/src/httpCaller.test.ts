import { describe, expect, it } from "vitest";
import { ApiError, apiRoutes, authRoutes } from "./httpApi.ts";
import { createApiCaller, errorFromResponse, parseResponseText, type Transport } from "./httpCaller.ts";

interface Sent {
  path: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: unknown;
}

/** A transport answering `answer` and recording what was sent: the caller's logic, without a server. */
function recording(answer: () => Response | Promise<Response>): { transport: Transport; sent: Sent[] } {
  const sent: Sent[] = [];
  const transport: Transport = async (path, init) => {
    sent.push({
      path,
      method: init.method,
      headers: init.headers as Record<string, string>,
      body: typeof init.body === "string" ? JSON.parse(init.body) : init.body,
    });
    return answer();
  };
  return { transport, sent };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const campaign = { id: "c1", name: "Isle", role: "owner", createdAt: "2026-01-01T00:00:00.000Z" };

describe("createApiCaller", () => {
  it("[API8] builds the path from the route and its params, adds the query, sends the body as JSON", async () => {
    const { transport, sent } = recording(() => json(200, { events: [] }));
    const call = createApiCaller(transport);
    await call(apiRoutes.listEvents, { params: { id: "a b" }, query: { after: 5, limit: 10 } });
    expect(sent[0]).toMatchObject({ path: "/api/campaigns/a%20b/events?after=5&limit=10", method: "GET", body: null });
    expect(sent[0]?.headers["content-type"]).toBeUndefined();

    const post = recording(() => json(201, { code: "A".repeat(24), role: "dm", expiresAt: "2026-01-08T00:00:00.000Z" }));
    const invite = await createApiCaller(post.transport)(apiRoutes.createInvite, { params: { id: "c1" }, body: { role: "dm" } });
    expect(invite.role).toBe("dm");
    expect(post.sent[0]).toMatchObject({ path: "/api/campaigns/c1/invites", method: "POST", body: { role: "dm" } });
    expect(post.sent[0]?.headers["content-type"]).toBe("application/json");
  });

  it("[API8] a route whose body has no required field sends {} when called without one", async () => {
    const { transport, sent } = recording(() => json(200, { campaign }));
    await createApiCaller(transport)(apiRoutes.acceptInvite, { params: { code: "A".repeat(24) } });
    expect(sent[0]).toMatchObject({ path: `/api/invites/${"A".repeat(24)}/accept`, method: "POST", body: {} });
  });

  it("[API8] resolves to the response parsed with the route's schema (unknown fields dropped)", async () => {
    const { transport } = recording(() => json(200, { campaign: { ...campaign, createdBy: "u1" } }));
    expect(await createApiCaller(transport)(apiRoutes.getCampaign, { params: { id: "c1" } })).toEqual({ campaign });
    const session = recording(() => json(200, null));
    expect(await createApiCaller(session.transport)(authRoutes.getSession)).toBeNull();
  });

  it("[CLIENT3] an answer outside the route's schema is BAD_RESPONSE with the status received", async () => {
    const { transport } = recording(() => json(200, { campaign: { ...campaign, role: "admin" } }));
    const err = await createApiCaller(transport)(apiRoutes.getCampaign, { params: { id: "c1" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "BAD_RESPONSE", status: 200 });
  });

  it("[CLIENT3] a transport failure, or a body cut off, is NETWORK with status 0", async () => {
    for (const answer of [
      () => Promise.reject(new TypeError("fetch failed")),
      () => ({ status: 200, text: () => Promise.reject(new Error("reset")) }) as unknown as Response,
    ]) {
      const err = await createApiCaller(recording(answer).transport)(apiRoutes.listCampaigns).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "NETWORK", status: 0, message: "Cannot reach the server. Check your connection." });
    }
  });

  it("[CLIENT3] a non-2xx answer throws the server's code and message", async () => {
    const { transport } = recording(() => json(403, { error: { code: "FORBIDDEN", message: "Only the campaign's DMs can invite" } }));
    const err = await createApiCaller(transport)(apiRoutes.createInvite, { params: { id: "c1" }, body: { role: "dm" } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "FORBIDDEN", status: 403, message: "Only the campaign's DMs can invite" });
  });

  it("[API8] a call's input is typed by its route", () => {
    const call = createApiCaller(recording(() => json(200, {})).transport);
    const checks = [
      // @ts-expect-error: the route has a path parameter
      () => call(apiRoutes.getCampaign),
      // @ts-expect-error: the body must match the route's body schema
      () => call(apiRoutes.createInvite, { params: { id: "c1" }, body: { role: "owner" } }),
      // @ts-expect-error: the route takes no body
      () => call(apiRoutes.listCampaigns, { body: { name: "x" } }),
    ];
    expect(checks).toHaveLength(3);
  });
});

describe("errorFromResponse", () => {
  it("[CLIENT3] reads the contract's {error:{code,message}}", () => {
    const e = errorFromResponse(409, { error: { code: "CONFLICT", message: "You are already a member of this campaign" } });
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: "CONFLICT", status: 409, message: "You are already a member of this campaign" });
  });

  it("[CLIENT3] keeps the message of a code this build does not know, with the code of the status", () => {
    expect(errorFromResponse(409, { error: { code: "NEWER_CODE", message: "Newer server" } })).toMatchObject({
      code: "CONFLICT",
      message: "Newer server",
    });
  });

  it("[CLIENT3] accepts better-auth's flat {code,message}; the code comes from the status", () => {
    const e = errorFromResponse(401, { code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" });
    expect(e).toMatchObject({ code: "UNAUTHENTICATED", status: 401, message: "Invalid email or password" });
    expect(errorFromResponse(429, { message: "Too many requests. Please try again later." }).code).toBe("RATE_LIMITED");
  });

  it("[CLIENT3] a body without a message still gives a readable error", () => {
    for (const body of [null, "<html>Bad gateway</html>", { error: "x" }, 42, { error: { code: "X", message: "" } }]) {
      const e = errorFromResponse(502, body);
      expect(e).toMatchObject({ code: "UNAVAILABLE", status: 502, message: "The server answered 502." });
    }
  });

  it("[CLIENT3] parseResponseText: empty is null, JSON is parsed, anything else stays text", () => {
    expect(parseResponseText("")).toBeNull();
    expect(parseResponseText('{"a":1}')).toEqual({ a: 1 });
    expect(parseResponseText("<html>")).toBe("<html>");
  });
});
