import { describe, expect, it } from "vitest";
import { isOriginAllowed } from "./origin.ts";

describe("isOriginAllowed", () => {
  it("[SEC1] allows the server's own origin when no allowlist is set", () => {
    expect(isOriginAllowed("http://localhost:8080", "localhost:8080", undefined)).toBe(true);
    expect(isOriginAllowed("http://evil.example", "localhost:8080", undefined)).toBe(false);
  });
  it("[SEC1] uses the allowlist when set, exact origin match", () => {
    const list = ["https://hex.example.com"];
    expect(isOriginAllowed("https://hex.example.com", "internal:8080", list)).toBe(true);
    expect(isOriginAllowed("http://hex.example.com", "hex.example.com", list)).toBe(false);
    expect(isOriginAllowed("https://hex.example.com.evil.io", "x", list)).toBe(false);
  });
  it("[SEC1] refuses malformed and opaque origins", () => {
    expect(isOriginAllowed("null", "localhost:8080", undefined)).toBe(false);
    expect(isOriginAllowed("not a url", "localhost:8080", undefined)).toBe(false);
  });
  it("[SEC1] a request without Origin (not a browser page) is allowed to try authenticating", () => {
    expect(isOriginAllowed(undefined, "localhost:8080", ["https://a.example"])).toBe(true);
  });
});
