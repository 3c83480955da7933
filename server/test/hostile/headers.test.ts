import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.ts";
import { configFromEnv } from "../../src/config.ts";
import { createTestStore, startTestApp, type TestStore } from "../support/app.ts";

/** Headers and defaults (HDR1–HDR3). */
describe("[HOST11] headers and defaults", () => {
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

  it("[HOST11] [HDR1] the client is served with a Content-Security-Policy and the usual security headers", async () => {
    for (const path of ["/", "/c/some-campaign", "/assets/missing.js"]) {
      const r = await fetch(app.url + path);
      const csp = r.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-eval");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
      expect(r.headers.get("referrer-policy")).toBe("same-origin");
      await r.body?.cancel();
    }
  });

  it("[HOST11] [HDR4] healthz shows process details (instance, counts) only to a caller on this machine", async () => {
    const local = (await (await fetch(app.url + "/api/healthz")).json()) as Record<string, unknown>;
    expect(local).toMatchObject({ ok: true, db: "pglite" });
    expect(local["instance"]).toBeTypeOf("string");
    // Behind a proxy, from another address: the answer says only that the server and its database are up.
    const other = await createTestStore("pglite");
    const behind = await startTestApp(other, { trustProxy: 1 });
    try {
      const r = (await (await fetch(behind.url + "/api/healthz", { headers: { "x-forwarded-for": "203.0.113.9" } })).json()) as Record<string, unknown>;
      expect(r).toEqual({ ok: true, db: "pglite", redis: false });
    } finally {
      await behind.close();
      await other.cleanup();
    }
  });

  it("[HOST11] [HDR3] a placeholder AUTH_SECRET is refused at start; none at all is fine (one is generated)", () => {
    expect(() => configFromEnv({ AUTH_SECRET: "change-me-to-a-long-random-string-of-32-chars-or-more" })).toThrow(/AUTH_SECRET/);
    expect(() => configFromEnv({ AUTH_SECRET: "x".repeat(20) })).toThrow(/AUTH_SECRET/);
    expect(configFromEnv({}).authSecret).toBeUndefined();
    expect(configFromEnv({ AUTH_SECRET: "k3J9s0dPq8vL2mN7xR4tY6wZ1aB5cE0fH" }).authSecret).toHaveLength(33);
  });
});
