import { describe, expect, it } from "vitest";
import { ApiError, CampaignSchema, errorFromBody, errorMessage, inviteUrl } from "./api.ts";

describe("api errors", () => {
  it("[CLIENT3] shows the server's message from {error:{code,message}}", () => {
    const e = errorFromBody(403, { error: { code: "forbidden", message: "Only the DM can invite." } });
    expect(e).toBeInstanceOf(ApiError);
    expect(e.code).toBe("forbidden");
    expect(e.status).toBe(403);
    expect(errorMessage(e)).toBe("Only the DM can invite.");
  });

  it("[CLIENT3] accepts better-auth's flat {code,message}", () => {
    const e = errorFromBody(401, { code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" });
    expect(e.code).toBe("INVALID_EMAIL_OR_PASSWORD");
    expect(e.message).toBe("Invalid email or password");
  });

  it("[CLIENT3] a body without a message still gives a readable error", () => {
    for (const body of [null, "<html>Bad gateway</html>", { error: "x" }, 42]) {
      const e = errorFromBody(502, body);
      expect(e.code).toBe("http_502");
      expect(e.message).toBe("The server answered 502.");
    }
  });

  it("[CLIENT3] campaign role is one of the closed set", () => {
    expect(CampaignSchema.safeParse({ id: "a", name: "n", role: "owner", createdAt: "x" }).success).toBe(true);
    expect(CampaignSchema.safeParse({ id: "a", name: "n", role: "admin" }).success).toBe(false);
  });

  it("[CLIENT5] the invite link is origin + /invite/code", () => {
    expect(inviteUrl("https://hex.example", "abc_1")).toBe("https://hex.example/invite/abc_1");
  });
});
