import { describe, expect, it } from "vitest";
import { interceptedPath, parseRoute, pathFor, type Route } from "./routes.ts";

const click = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, defaultPrevented: false };
const anchor = { href: "/c/abc", target: "", hasDownload: false };
const ORIGIN = "http://localhost:8080";

describe("router", () => {
  it("[CLIENT2] parses every page route", () => {
    expect(parseRoute("/")).toEqual({ kind: "home" });
    expect(parseRoute("")).toEqual({ kind: "home" });
    expect(parseRoute("/signin")).toEqual({ kind: "signIn" });
    expect(parseRoute("/signup/")).toEqual({ kind: "signUp" });
    expect(parseRoute("/c/Abc_12-x")).toEqual({ kind: "campaign", campaignId: "Abc_12-x" });
    expect(parseRoute("/invite/XyZ")).toEqual({ kind: "invite", code: "XyZ" });
  });

  it("[CLIENT2] malformed paths are notFound, never a campaign with a bad id", () => {
    for (const p of ["/c", "/c/", "/c/a:b", "/c/a/b", "/c/%E0%A4%A", "/invite/", "/nope", "/c/" + "x".repeat(65)]) {
      expect(parseRoute(p).kind, p).toBe("notFound");
    }
    expect(parseRoute("/c/a%3Ab")).toEqual({ kind: "notFound", path: "/c/a%3Ab" });
  });

  it("[CLIENT2] pathFor round-trips through parseRoute", () => {
    const routes: Route[] = [
      { kind: "home" },
      { kind: "signIn" },
      { kind: "signUp" },
      { kind: "campaign", campaignId: "c_1" },
      { kind: "invite", code: "abc-DEF" },
    ];
    for (const r of routes) expect(parseRoute(pathFor(r))).toEqual(r);
  });

  it("[CLIENT2] intercepts plain same-origin clicks only", () => {
    expect(interceptedPath(click, anchor, ORIGIN)).toBe("/c/abc");
    expect(interceptedPath(click, { ...anchor, href: `${ORIGIN}/signin?x=1#y` }, ORIGIN)).toBe("/signin?x=1#y");
    expect(interceptedPath({ ...click, ctrlKey: true }, anchor, ORIGIN)).toBeNull();
    expect(interceptedPath({ ...click, button: 1 }, anchor, ORIGIN)).toBeNull();
    expect(interceptedPath({ ...click, defaultPrevented: true }, anchor, ORIGIN)).toBeNull();
    expect(interceptedPath(click, { ...anchor, target: "_blank" }, ORIGIN)).toBeNull();
    expect(interceptedPath(click, { ...anchor, hasDownload: true }, ORIGIN)).toBeNull();
    expect(interceptedPath(click, { ...anchor, href: "https://example.com/c/abc" }, ORIGIN)).toBeNull();
    expect(interceptedPath(click, { ...anchor, href: "/api/healthz" }, ORIGIN)).toBeNull();
  });
});
