import { describe, expect, it } from "vitest";
import { apiRoutes } from "@hexcrawl/shared/httpApi";
import { AWARENESS_USER_FIELD, playerDocName } from "@hexcrawl/shared";
import { eventually, HttpUser, uniqueEmail } from "../support/http.ts";
import { useTestApp } from "../support/app.ts";
import { setUpTable } from "../game/fixture.ts";

/** W2 (names without a length limit) and W10 (NUL gives 500): NAME1–NAME3. */
describe("[HOST3] names and texts are bounded (W2, W10)", () => {
  const suite = useTestApp("pglite");

  const signUp = (name: string) => {
    const u = new HttpUser(suite.app.url, uniqueEmail("n"));
    return u.request("POST", "/api/auth/sign-up/email", { name, email: u.email, password: u.password });
  };

  it("[HOST3] [NAME1] sign-up refuses empty, over-long and control-character names with 400 and stores names trimmed", async () => {
    for (const bad of ["", "   ", "x".repeat(65), "x".repeat(200_000), "nul\u0000name", "bell\u0007", "line\nbreak", "rtl\u202Eoverride"]) {
      const r = await signUp(bad);
      expect(r.status, JSON.stringify(bad.slice(0, 20))).toBe(400);
    }
    const ok = await signUp("  Ada Lovelace  ");
    expect(ok.status).toBe(200);
    expect((ok.json as { user: { name: string } }).user.name).toBe("Ada Lovelace");
    expect((await signUp("x".repeat(64))).status).toBe(200);
  });

  it("[HOST3] [NAME1] update-user refuses the same names; a good one is stored trimmed", async () => {
    const u = await new HttpUser(suite.app.url, uniqueEmail("upd")).signUp("Before");
    for (const bad of ["", "x".repeat(100_000), "a\u0000b"]) {
      expect((await u.request("POST", "/api/auth/update-user", { name: bad })).status).toBe(400);
    }
    expect((await u.request("POST", "/api/auth/update-user", { name: "  After " })).status).toBe(200);
    const s = await u.request("GET", "/api/auth/get-session");
    expect((s.json as { user: { name: string } }).user.name).toBe("After");
  });

  it("[HOST3] [NAME2] a campaign name with NUL or control characters is a 400, never a 500", async () => {
    const u = await new HttpUser(suite.app.url, uniqueEmail("camp")).signUp("Camp");
    for (const bad of ["The\u0000Marches", "tab\there", "\u0085"]) {
      const r = await u.request("POST", "/api/campaigns", { name: bad });
      expect(r.status).toBe(400);
    }
    expect((await u.request("POST", "/api/campaigns", { name: "Fine" })).status).toBe(201);
  });

  it("[HOST3] [NAME3] a name stored before the limit reaches members, awareness and the event log cut to 64 characters", async () => {
    const t = await setUpTable(suite.app, 1);
    try {
      const player = t.players[0] as HttpUser;
      const huge = "N".repeat(100_000);
      await suite.app.ctx.db.pool.query(`update "user" set name = $1 where id = $2`, [huge, player.id]);
      const { members } = await t.owner.call(apiRoutes.listMembers, { params: { id: t.campaignId } });
      expect(members.find((m) => m.userId === player.id)?.name).toHaveLength(64);
      const dm = await t.dm();
      const p = await t.player(player);
      // The player's awareness on their own document, as the server rebuilt it from the session.
      await eventually(() => {
        const doc = suite.app.ctx.hocuspocus.documents.get(playerDocName(t.campaignId, player.id));
        const states = [...(doc?.awareness.getStates().values() ?? [])];
        const mine = states.map((s) => s[AWARENESS_USER_FIELD] as { userId?: string; name?: string } | undefined).find((u) => u?.userId === player.id);
        expect(mine?.name).toHaveLength(64);
      });
      await eventually(async () => {
        const { events } = await t.owner.call(apiRoutes.listEvents, { params: { id: t.campaignId }, query: { types: "player_join" } });
        const join = events.find((e) => e.actorId === player.id);
        expect(join).toBeDefined();
        expect(JSON.stringify(join?.payload).length).toBeLessThan(300);
      });
      p.destroy();
      dm.destroy();
    } finally {
      t.closeClients();
    }
  });
});
