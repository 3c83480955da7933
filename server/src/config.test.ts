import { describe, expect, it } from "vitest";
import { configFromEnv, DEFAULT_MAX_PAYLOAD_BYTES } from "./config.ts";

describe("configFromEnv", () => {
  it("[CFG1] defaults: port 8080, embedded database in ./data, 1 MiB frames", () => {
    const c = configFromEnv({});
    expect(c.port).toBe(8080);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir.endsWith("data")).toBe(true);
    expect(c.maxPayloadBytes).toBe(DEFAULT_MAX_PAYLOAD_BYTES);
  });
  it("[CFG2] parses every variable", () => {
    const c = configFromEnv({
      PORT: "9000",
      DATABASE_URL: "postgres://x@h/db",
      REDIS_URL: "redis://h:6379",
      ALLOWED_ORIGINS: "https://a.example, https://b.example",
      AUTH_SECRET: "s".repeat(40),
      TRUST_PROXY: "true",
      MAX_PAYLOAD_BYTES: "2048",
    });
    expect(c.port).toBe(9000);
    expect(c.allowedOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(c.trustProxy).toBe(true);
    expect(c.maxPayloadBytes).toBe(2048);
  });
  it("[CFG3] bad values fail with a message naming the variable", () => {
    expect(() => configFromEnv({ PORT: "http" })).toThrow(/PORT/);
    expect(() => configFromEnv({ ALLOWED_ORIGINS: "not-a-url" })).toThrow(/ALLOWED_ORIGINS/);
    expect(() => configFromEnv({ AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET/);
  });
});
