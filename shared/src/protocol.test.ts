import { describe, expect, it } from "vitest";
import {
  AwarenessUserSchema,
  CloseCode,
  ErrorCode,
  errorResponse,
  MAX_COMMAND_CHARS,
  MAX_PUBLISH_HEXES,
  okResponse,
  parseCommand,
  parseServerMessage,
  PendingResultSchema,
  sanitizeAwarenessLocal,
  shouldReconnect,
  userColour,
  encodePush,
  type Push,
} from "./protocol.ts";

const req = (cmd: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ v: 1, id: "r1", cmd, ...extra });

describe("parseCommand", () => {
  it("[PROTO1] accepts each command type", () => {
    for (const cmd of [
      { type: "publish" },
      { type: "publish", hexes: ["0,0", "-1,2"] },
      { type: "pending" },
      { type: "drop", hex: "3,-3" },
      { type: "session", action: "start" },
      { type: "session", action: "end" },
    ]) {
      const r = parseCommand(req(cmd));
      expect(r.ok, JSON.stringify(cmd)).toBe(true);
      if (r.ok) expect(r.request.cmd).toEqual(cmd);
    }
  });

  it("[PROTO2] bad JSON and non-strings are BAD_REQUEST, never a throw", () => {
    for (const bad of ["", "{", "null", "[]", "42", '"x"', "{\"v\":1}"]) {
      const r = parseCommand(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error.code).toBe("BAD_REQUEST");
    }
    for (const bad of [undefined, null, 5, {}, new Uint8Array(3)]) {
      const r = parseCommand(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe("BAD_REQUEST");
    }
  });

  it("[PROTO3] oversize payloads are TOO_LARGE before parsing", () => {
    const r = parseCommand(" ".repeat(MAX_COMMAND_CHARS + 1));
    expect(r).toMatchObject({ ok: false, error: { code: "TOO_LARGE" } });
  });

  it("[PROTO4] wrong types and unknown fields are BAD_REQUEST with the id when readable", () => {
    const cases = [
      req({ type: "publish", hexes: "0,0" }),
      req({ type: "publish", hexes: ["0,0,0"] }),
      req({ type: "drop" }),
      req({ type: "drop", hex: "01,0" }),
      req({ type: "session", action: "restart" }),
      req({ type: "setMode", mode: "immediate" }),
      req({ type: "pending", extra: 1 }),
      req({ type: "pending" }, { v: 2 }),
      req({ type: "pending" }, { admin: true }),
    ];
    for (const c of cases) {
      const r = parseCommand(c);
      expect(r.ok, c).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe("BAD_REQUEST");
        expect(r.id).toBe("r1");
        expect(r.error.message.length).toBeLessThanOrEqual(200);
      }
    }
    const noId = parseCommand(JSON.stringify({ v: 1, id: "x".repeat(65), cmd: { type: "pending" } }));
    expect(noId).toMatchObject({ ok: false, id: "" });
  });

  it("[PROTO5] publish names at most MAX_PUBLISH_HEXES hexes", () => {
    const hexes = Array.from({ length: MAX_PUBLISH_HEXES + 1 }, (_, i) => `${i % 10000},${Math.floor(i / 10000)}`);
    const r = parseCommand(req({ type: "publish", hexes }));
    expect(r.ok).toBe(false);
    const ok = parseCommand(req({ type: "publish", hexes: hexes.slice(0, MAX_PUBLISH_HEXES) }));
    expect(ok.ok).toBe(true);
  });
});

describe("responses and pushes", () => {
  it("[PROTO6] ok and error responses round-trip through parseServerMessage", () => {
    expect(parseServerMessage(okResponse("r1", { status: "active" }))).toEqual({ v: 1, id: "r1", ok: true, result: { status: "active" } });
    expect(parseServerMessage(errorResponse("r1", ErrorCode.READ_ONLY, "read only"))).toEqual({
      v: 1,
      id: "r1",
      ok: false,
      error: { code: "READ_ONLY", message: "read only" },
    });
  });

  it("[PROTO7] pushes parse; unknown or malformed server messages are null", () => {
    const pushes: Push[] = [
      { v: 1, type: "presence", online: [{ userId: "u1", name: "Ann", role: "dm" }] },
      { v: 1, type: "published", hexes: 3, players: 2, by: "u1", at: 1700000000000 },
      { v: 1, type: "session", status: "paused" },
      { v: 1, type: "pending", pending: { everyone: { changes: [], more: 0 }, players: [{ userId: "u1", changes: [], more: 0 }] } },
    ];
    for (const push of pushes) {
      expect(parseServerMessage(encodePush(push))).toEqual(push);
    }
    expect(parseServerMessage("{")).toBeNull();
    expect(parseServerMessage(JSON.stringify({ v: 1, type: "session", status: "sleeping" }))).toBeNull();
    expect(parseServerMessage(JSON.stringify({ v: 1, id: "x", ok: false, error: { code: "NOPE", message: "" } }))).toBeNull();
  });

  it("[PROTO8] result schemas validate pending changes", () => {
    const change = { hex: "0,0", kind: "reveal", fields: ["terrain"], after: { level: "seen", terrain: "forest" } };
    expect(
      PendingResultSchema.safeParse({ everyone: { changes: [], more: 0 }, players: [{ userId: "u1", changes: [change], more: 0 }] }).success,
    ).toBe(true);
    expect(
      PendingResultSchema.safeParse({ everyone: { changes: [], more: 0 }, players: [{ userId: "u1", changes: [{ ...change, kind: "nuke" }], more: 0 }] })
        .success,
    ).toBe(false);
    // Long texts never travel in the list: only whether the hex has them.
    expect(PendingResultSchema.safeParse({ everyone: { changes: [{ ...change, after: { notes: "the text" } }], more: 0 }, players: [] }).success).toBe(false);
  });
});

describe("codes", () => {
  it("[PROTO9] close codes are distinct application codes; auth/forbidden do not reconnect", () => {
    const codes = Object.values(CloseCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c >= 4000 && c < 5000).toBe(true);
    expect(CloseCode.UNAUTHORIZED).toBe(4401);
    expect(CloseCode.FORBIDDEN).toBe(4403);
    expect(shouldReconnect(CloseCode.FORBIDDEN)).toBe(false);
    expect(shouldReconnect(CloseCode.RATE_LIMITED)).toBe(true);
    expect(shouldReconnect(1006)).toBe(true);
  });

  it("[PROTO9] error codes are their own names", () => {
    for (const [k, v] of Object.entries(ErrorCode)) expect(k).toBe(v);
  });
});

describe("awareness", () => {
  it("[PROTO10] local awareness keeps cursor and selection, strips everything else", () => {
    expect(
      sanitizeAwarenessLocal({ cursor: { hex: "1,1" }, selection: ["0,0"], user: { userId: "evil", role: "dm" } }),
    ).toEqual({ cursor: { hex: "1,1" }, selection: ["0,0"] });
    expect(sanitizeAwarenessLocal({ selection: Array.from({ length: 201 }, () => "0,0") })).toBeNull();
    expect(sanitizeAwarenessLocal({ cursor: { hex: "nope" } })).toBeNull();
    expect(sanitizeAwarenessLocal(null)).toBeNull();
  });

  it("[PROTO11] server-set user identity has a fixed shape and a stable colour", () => {
    const colour = userColour("user_1");
    expect(colour).toBe(userColour("user_1"));
    expect(AwarenessUserSchema.safeParse({ userId: "user_1", name: "Ann", role: "player", colour }).success).toBe(true);
    expect(AwarenessUserSchema.safeParse({ userId: "user_1", name: "Ann", role: "god", colour }).success).toBe(false);
  });
});
