import { describe, expect, it } from "vitest";
import { ApiError, apiRoutes } from "@hexcrawl/shared/httpApi";
import { dmDocName, partyDocName, playerDocName } from "@hexcrawl/shared";
import { eventually, HttpUser, uniqueEmail } from "../support/http.ts";
import { useTestApp } from "../support/app.ts";
import { setUpTable } from "../game/fixture.ts";
import { serverConnections } from "./support.ts";

/** The refusal a call ends with (or null when it succeeded). */
async function refusal(p: Promise<unknown>): Promise<{ code: string; status: number } | null> {
  try {
    await p;
    return null;
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, status: err.status };
    throw err;
  }
}

describe("[HOST2] member management takes access away (W1)", () => {
  const suite = useTestApp("pglite", { accessCheckIntervalMs: 60_000 });

  it("[HOST2] [MEMB1] a DM removes a player: their documents close at once and they cannot reopen them", async () => {
    const t = await setUpTable(suite.app, 1);
    try {
      const player = t.players[0] as HttpUser;
      const p = await t.player(player);
      await t.coDm.call(apiRoutes.removeMember, { params: { id: t.campaignId, userId: player.id } });
      await eventually(() => {
        expect(serverConnections(suite.app, playerDocName(t.campaignId, player.id), player.id)).toBe(0);
        expect(serverConnections(suite.app, partyDocName(t.campaignId), player.id)).toBe(0);
      }, 5000);
      expect(await refusal(player.call(apiRoutes.getCampaign, { params: { id: t.campaignId } }))).toMatchObject({ status: 404 });
      p.destroy();
    } finally {
      t.closeClients();
    }
  });

  it("[HOST2] [MEMB2] the owner demotes a DM: the DM document closes; the owner can be neither removed nor demoted", async () => {
    const t = await setUpTable(suite.app, 1);
    try {
      await t.dm(t.coDm);
      const { member } = await t.owner.call(apiRoutes.changeRole, { params: { id: t.campaignId, userId: t.coDm.id }, body: { role: "player" } });
      expect(member.role).toBe("player");
      await eventually(() => expect(serverConnections(suite.app, dmDocName(t.campaignId), t.coDm.id)).toBe(0), 5000);
      // A DM (promoted back) still cannot touch the owner; a DM cannot change roles at all.
      await t.owner.call(apiRoutes.changeRole, { params: { id: t.campaignId, userId: t.coDm.id }, body: { role: "dm" } });
      expect(await refusal(t.coDm.call(apiRoutes.removeMember, { params: { id: t.campaignId, userId: t.owner.id } }))).toMatchObject({ status: 403 });
      expect(await refusal(t.coDm.call(apiRoutes.changeRole, { params: { id: t.campaignId, userId: t.owner.id }, body: { role: "player" } }))).toMatchObject({ status: 403 });
      const player = t.players[0] as HttpUser;
      expect(await refusal(t.coDm.call(apiRoutes.changeRole, { params: { id: t.campaignId, userId: player.id }, body: { role: "dm" } }))).toMatchObject({ status: 403 });
      expect(await refusal(t.owner.call(apiRoutes.removeMember, { params: { id: t.campaignId, userId: t.owner.id } }))).toMatchObject({ status: 403 });
      // A player leaves on their own.
      await player.call(apiRoutes.removeMember, { params: { id: t.campaignId, userId: player.id } });
    } finally {
      t.closeClients();
    }
  });

  it("[HOST2] [MEMB3] a reusable invite admits many until revoked; a counted one stops at maxUses; both show in the list", async () => {
    const t = await setUpTable(suite.app, 0);
    const reusable = await t.owner.call(apiRoutes.createInvite, { params: { id: t.campaignId }, body: { role: "player", maxUses: null, expiresInDays: 2 } });
    expect(reusable.maxUses).toBeNull();
    expect(Date.parse(reusable.expiresAt) - Date.now()).toBeGreaterThan(47 * 3600_000);
    expect(Date.parse(reusable.expiresAt) - Date.now()).toBeLessThan(49 * 3600_000);
    const twice = await t.owner.call(apiRoutes.createInvite, { params: { id: t.campaignId }, body: { role: "player", maxUses: 2 } });
    const users = await Promise.all([0, 1, 2].map((i) => new HttpUser(suite.app.url, uniqueEmail(`many${i}`)).signUp(`Many ${i}`)));
    for (const u of users) await u.accept(reusable.code);
    await (users[0] as HttpUser).call(apiRoutes.removeMember, { params: { id: t.campaignId, userId: (users[0] as HttpUser).id } });
    await (users[1] as HttpUser).call(apiRoutes.removeMember, { params: { id: t.campaignId, userId: (users[1] as HttpUser).id } });
    await (users[0] as HttpUser).accept(twice.code);
    await (users[1] as HttpUser).accept(twice.code);
    const late = await new HttpUser(suite.app.url, uniqueEmail("late")).signUp("Late");
    expect(await refusal(late.accept(twice.code))).toMatchObject({ code: "GONE", status: 410 });
    const { invites } = await t.coDm.call(apiRoutes.listInvites, { params: { id: t.campaignId } });
    expect(invites.find((i) => i.code === reusable.code)).toMatchObject({ uses: 3, maxUses: null });
    expect(invites.find((i) => i.code === twice.code)).toBeUndefined();
    await t.coDm.call(apiRoutes.revokeInvite, { params: { id: t.campaignId, code: reusable.code } });
    expect(await refusal(late.accept(reusable.code))).toMatchObject({ code: "GONE", status: 410 });
    expect((await t.coDm.call(apiRoutes.listInvites, { params: { id: t.campaignId } })).invites).toEqual([]);
    // Out-of-range invites are refused.
    for (const body of [{ role: "player", maxUses: 0 }, { role: "player", maxUses: 100_000 }, { role: "player", expiresInDays: 365 }]) {
      expect((await t.owner.request("POST", `/api/campaigns/${t.campaignId}/invites`, body)).status).toBe(400);
    }
  });

  it("[HOST2] [MEMB4] the invite page learns campaign and role without a session; gone invites say 410", async () => {
    const t = await setUpTable(suite.app, 0);
    const anon = new HttpUser(suite.app.url, "nobody@example.test");
    const { code } = await t.owner.call(apiRoutes.createInvite, { params: { id: t.campaignId }, body: { role: "dm" } });
    expect(await anon.call(apiRoutes.getInvite, { params: { code } })).toEqual({ campaign: { id: t.campaignId, name: "The Sunless Marches" }, role: "dm" });
    const u = await new HttpUser(suite.app.url, uniqueEmail("taker")).signUp("Taker");
    await u.accept(code);
    expect(await refusal(anon.call(apiRoutes.getInvite, { params: { code } }))).toMatchObject({ status: 410 });
    expect(await refusal(anon.call(apiRoutes.getInvite, { params: { code: "x".repeat(24) } }))).toMatchObject({ status: 404 });
  });
});
