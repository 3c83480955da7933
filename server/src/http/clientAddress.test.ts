import { describe, expect, it } from "vitest";
import { clientAddressOf, parseTrustProxy } from "./clientAddress.ts";

describe("client address behind proxies (W8)", () => {
  it("[PROXY1] without TRUST_PROXY the socket's address is the client, whatever X-Forwarded-For says", () => {
    expect(clientAddressOf("10.0.0.5", "1.2.3.4", false)).toBe("10.0.0.5");
    expect(clientAddressOf("::ffff:10.0.0.5", undefined, false)).toBe("10.0.0.5");
  });

  it("[PROXY2] with one hop, the right-most X-Forwarded-For entry is the client: a forged first hop is ignored", () => {
    // nginx $proxy_add_x_forwarded_for appends the real peer after what the client sent.
    expect(clientAddressOf("10.0.0.1", "6.6.6.6, 203.0.113.7", true)).toBe("203.0.113.7");
    expect(clientAddressOf("10.0.0.1", "6.6.6.6, 203.0.113.7", 1)).toBe("203.0.113.7");
    expect(clientAddressOf("10.0.0.1", ["6.6.6.6", "203.0.113.7"], 1)).toBe("203.0.113.7");
    // Two proxies: the client is two from the right of the chain.
    expect(clientAddressOf("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.1", 2)).toBe("203.0.113.7");
    // A header with fewer entries than hops, or garbage, falls back to what can be read.
    expect(clientAddressOf("10.0.0.1", undefined, 1)).toBe("10.0.0.1");
    expect(clientAddressOf("10.0.0.1", "not-an-ip", 1)).toBe("10.0.0.1");
  });

  it("[PROXY3] with a proxy list, the right-most address that is not a listed proxy is the client", () => {
    const trust = ["10.0.0.1", "10.0.0.2"];
    expect(clientAddressOf("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.1", trust)).toBe("203.0.113.7");
    // A peer that is not a listed proxy is the client itself: its header is not read.
    expect(clientAddressOf("198.51.100.9", "6.6.6.6", trust)).toBe("198.51.100.9");
  });

  it("[PROXY1] TRUST_PROXY parses false, true, a hop count or a list of addresses; anything else is refused", () => {
    expect(parseTrustProxy("false")).toBe(false);
    expect(parseTrustProxy("0")).toBe(false);
    expect(parseTrustProxy("true")).toBe(true);
    expect(parseTrustProxy("2")).toBe(2);
    expect(parseTrustProxy("10.0.0.1, ::1")).toEqual(["10.0.0.1", "::1"]);
    expect(parseTrustProxy("99")).toBeNull();
    expect(parseTrustProxy("proxy.example")).toBeNull();
  });
});
