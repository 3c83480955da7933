import { describe, expect, it } from "vitest";
import type { connectedPayload, onDisconnectPayload } from "@hocuspocus/server";
import { parseDocName, type DocName, type Role } from "@hexcrawl/shared/docNames";
import { AccessWatch, RevokeReason, type AccessSource } from "./AccessWatch.ts";

/** A stand-in for a Hocuspocus document connection: what AccessWatch reads and calls. */
function fakeConnection(name: string, user: string, session: string, role: Role, readOnly: boolean, socketKey: string) {
  const doc = parseDocName(name) as DocName;
  const closes: Array<{ code?: number; reason?: string }> = [];
  let open = true;
  const connection = {
    readOnly,
    document: { hasConnection: () => open },
    close: (event?: { code?: number; reason?: string }) => {
      open = false;
      closes.push(event ?? {});
    },
  };
  const context = { user: { id: user, name: user, email: "", sessionId: session }, role, doc, preview: false, socketKey };
  return { payload: { connection, context } as unknown as connectedPayload, context, closes, isOpen: () => open };
}

/** The database as a table of live sessions and roles, counting queries. */
function memorySource(sessions: Set<string>, roles: Map<string, Role>): AccessSource & { queries: number } {
  const source = {
    queries: 0,
    async liveSessions(ids: readonly string[]) {
      source.queries += 1;
      return new Set(ids.filter((id) => sessions.has(id)));
    },
    async roles() {
      source.queries += 1;
      return new Map(roles);
    },
  };
  return source;
}

describe("AccessWatch", () => {
  it("[REVOKE1] an ended session closes its socket once; a removed or demoted member loses only what the role no longer allows", async () => {
    const sessions = new Set(["s-dm", "s-p1", "s-p2"]);
    const roles = new Map<string, Role>([
      ["c1|dm", "dm"],
      ["c1|p1", "player"],
      ["c1|p2", "player"],
    ]);
    const source = memorySource(sessions, roles);
    const closedSockets: string[] = [];
    const watch = new AccessWatch({ source, closeSocket: (key, code) => closedSockets.push(`${key}:${code}`), intervalMs: 3_600_000 });
    const dmDoc = fakeConnection("campaign:c1:dm", "dm", "s-dm", "dm", false, "sock-dm");
    const dmParty = fakeConnection("campaign:c1:party", "dm", "s-dm", "dm", true, "sock-dm");
    const p1Own = fakeConnection("campaign:c1:player:p1", "p1", "s-p1", "player", true, "sock-p1");
    const p1Party = fakeConnection("campaign:c1:party", "p1", "s-p1", "player", true, "sock-p1");
    const p2Own = fakeConnection("campaign:c1:player:p2", "p2", "s-p2", "player", true, "sock-p2");
    for (const c of [dmDoc, dmParty, p1Own, p1Party, p2Own]) await watch.connected(c.payload);

    await watch.check();
    expect(closedSockets).toEqual([]);
    expect(source.queries).toBe(2);

    sessions.delete("s-p1"); // p1 signed out elsewhere
    roles.set("c1|dm", "player"); // the DM is demoted
    roles.delete("c1|p2"); // p2 is removed
    await watch.check();
    // One close per socket, whatever the number of its documents.
    expect(closedSockets).toEqual([`sock-p1:${RevokeReason.SESSION_ENDED_CODE}`]);
    expect(dmDoc.closes).toEqual([{ code: 4403, reason: RevokeReason.ROLE_CHANGED }]);
    expect(dmParty.isOpen()).toBe(true);
    expect(dmParty.context.role).toBe("player");
    expect(p2Own.closes).toEqual([{ code: 4403, reason: RevokeReason.REMOVED }]);
    await watch.onDestroy();
  });

  it("[REVOKE3] one query for the sessions and one for the roles, whatever the number of connections; checks by user or campaign pick theirs", async () => {
    const sessions = new Set<string>();
    const roles = new Map<string, Role>();
    for (let i = 0; i < 200; i++) {
      sessions.add(`s${i}`);
      roles.set(`c${i % 5}|u${i}`, "player");
    }
    const source = memorySource(sessions, roles);
    const watch = new AccessWatch({ source, closeSocket: () => undefined, intervalMs: 3_600_000 });
    const conns = [];
    for (let i = 0; i < 200; i++) {
      const c = fakeConnection(`campaign:c${i % 5}:player:u${i}`, `u${i}`, `s${i}`, "player", true, `k${i}`);
      conns.push(c);
      await watch.connected(c.payload);
    }
    await watch.check();
    expect(source.queries).toBe(2);
    expect(watch.size).toBe(200);
    roles.delete("c1|u1");
    await watch.checkUser("u1");
    expect(conns[1]?.isOpen()).toBe(false);
    expect(source.queries).toBe(4);
    await watch.onDisconnect({ context: conns[2]?.context } as unknown as onDisconnectPayload);
    expect(watch.size).toBe(198);
    await watch.onDestroy();
  });

  it("[REVOKE3] a failing database revokes nothing and throws nowhere", async () => {
    const watch = new AccessWatch({
      source: {
        liveSessions: () => Promise.reject(new Error("database down")),
        roles: () => Promise.reject(new Error("database down")),
      },
      closeSocket: () => {
        throw new Error("must not close");
      },
      intervalMs: 3_600_000,
    });
    const c = fakeConnection("campaign:c1:party", "u", "s", "player", true, "k");
    await watch.connected(c.payload);
    await expect(watch.check()).resolves.toBeUndefined();
    expect(c.isOpen()).toBe(true);
    await watch.onDestroy();
  });
});
