import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, api, CampaignSchema, errorMessage, inviteUrl, isNetworkError } from "./api.ts";

interface Sent {
  url: string;
  init: RequestInit;
}

/** The browser's fetch replaced by one that records and answers `answer`: the client's wiring, no server. */
function stubFetch(answer: () => Promise<Response>): Sent[] {
  const sent: Sent[] = [];
  vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
    sent.push({ url, init });
    return answer();
  });
  return sent;
}

const ok = (body: unknown, status = 200) => () => Promise.resolve(new Response(JSON.stringify(body), { status }));
const campaign = { id: "c1", name: "Isle", role: "dm", createdAt: "2026-01-01T00:00:00.000Z" };

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("api", () => {
  it("[API8] each call goes to its route of the shared contract, same-origin, with its body", async () => {
    const sent = stubFetch(ok({ campaign }));
    expect(await api.getCampaign("c/1")).toEqual({ campaign });
    await api.acceptInvite("A".repeat(24));
    expect(sent.map((s) => `${s.init.method} ${s.url}`)).toEqual([
      "GET /api/campaigns/c%2F1",
      `POST /api/invites/${"A".repeat(24)}/accept`,
    ]);
    expect(sent.every((s) => s.init.credentials === "same-origin")).toBe(true);

    const invite = stubFetch(ok({ code: "B".repeat(24), role: "player", expiresAt: campaign.createdAt }, 201));
    await api.createInvite("c1", "player");
    expect(invite[0]).toMatchObject({ url: "/api/campaigns/c1/invites", init: { method: "POST", body: '{"role":"player"}' } });

    const signIn = stubFetch(ok({ user: { id: "u1", name: "Ann", email: "ann@example.test" }, token: "t" }));
    await api.signIn("ann@example.test", "pw");
    expect(signIn[0]).toMatchObject({
      url: "/api/auth/sign-in/email",
      init: { method: "POST", body: '{"email":"ann@example.test","password":"pw"}' },
    });
  });

  it("[CLIENT3] shows the server's message from {error:{code,message}}", async () => {
    stubFetch(ok({ error: { code: "FORBIDDEN", message: "Only the campaign's DMs can invite" } }, 403));
    const e = await api.createInvite("c1", "dm").catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect(errorMessage(e)).toBe("Only the campaign's DMs can invite");
  });

  it("[CLIENT3] a network failure says the server cannot be reached (and is what the offline fallback keys on)", async () => {
    stubFetch(() => Promise.reject(new TypeError("Failed to fetch")));
    const e = await api.listCampaigns().catch((err: unknown) => err);
    expect(isNetworkError(e)).toBe(true);
    expect(errorMessage(e)).toBe("Cannot reach the server. Check your connection.");
    expect(isNetworkError(new ApiError("UNAVAILABLE", "down"))).toBe(false);
  });

  it("[CLIENT3] campaign role is one of the closed set", () => {
    expect(CampaignSchema.safeParse(campaign).success).toBe(true);
    expect(CampaignSchema.safeParse({ ...campaign, role: "admin" }).success).toBe(false);
  });

  it("[CLIENT5] the invite link is origin + /invite/code", () => {
    expect(inviteUrl("https://hex.example", "abc_1")).toBe("https://hex.example/invite/abc_1");
  });
});
