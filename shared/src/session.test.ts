import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  allowedActions,
  INITIAL_SESSION_STATUS,
  nextStatus,
  readSession,
  SessionAction,
  SessionStatus,
  writeSession,
} from "./session.ts";

/** The full table: every (status, action) pair and its expected outcome (undefined = invalid). */
const TABLE: Record<SessionStatus, Record<SessionAction, SessionStatus | undefined>> = {
  waiting: { start: "active", pause: undefined, resume: undefined, end: "ended", prepare: "preparing", ready: undefined },
  active: { start: undefined, pause: "paused", resume: undefined, end: "ended", prepare: undefined, ready: undefined },
  paused: { start: undefined, pause: undefined, resume: "active", end: "ended", prepare: undefined, ready: undefined },
  ended: { start: "active", pause: undefined, resume: undefined, end: undefined, prepare: "preparing", ready: undefined },
  preparing: { start: "active", pause: undefined, resume: undefined, end: "ended", prepare: undefined, ready: "waiting" },
};

describe("session lifecycle", () => {
  it("[SESS1] a campaign starts waiting", () => {
    expect(INITIAL_SESSION_STATUS).toBe("waiting");
  });

  for (const status of Object.values(SessionStatus)) {
    for (const action of Object.values(SessionAction)) {
      const expected = TABLE[status][action];
      if (expected) {
        it(`[SESS2] ${status} --${action}--> ${expected}`, () => {
          expect(nextStatus(status, action)).toEqual({ ok: true, status: expected });
        });
      } else {
        it(`[SESS3] ${status} --${action}--> INVALID_TRANSITION`, () => {
          const r = nextStatus(status, action);
          expect(r.ok).toBe(false);
          if (!r.ok) {
            expect(r.code).toBe("INVALID_TRANSITION");
            expect(r.message).toContain(action);
          }
        });
      }
    }
  }

  it("[SESS4] allowedActions matches nextStatus", () => {
    for (const status of Object.values(SessionStatus)) {
      const allowed = Object.values(SessionAction).filter((a) => nextStatus(status, a).ok);
      expect(allowedActions(status).sort()).toEqual(allowed.sort());
    }
  });
});

describe("session in the player document", () => {
  it("[SESS5] readSession defaults to waiting; writeSession writes only changes with the origin", () => {
    const pd = new Y.Doc();
    expect(readSession(pd)).toEqual({ status: "waiting", updatedAt: 0 });
    const origins: unknown[] = [];
    pd.on("update", (_u: Uint8Array, o: unknown) => origins.push(o));
    expect(writeSession(pd, { status: "active", updatedAt: 5 }, "srv")).toBe(true);
    expect(writeSession(pd, { status: "active", updatedAt: 5 }, "srv")).toBe(false);
    expect(origins).toEqual(["srv"]);
    expect(readSession(pd)).toEqual({ status: "active", updatedAt: 5 });
  });

  it("[SESS5] an invalid stored status reads as waiting", () => {
    const pd = new Y.Doc();
    pd.getMap("session").set("status", "dancing");
    expect(readSession(pd).status).toBe("waiting");
  });
});
