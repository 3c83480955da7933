import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { buildClient, chromiumSkipReason, launchBrowser, newTestPage, saveScreenshot, startE2eServer, type E2eServer } from "./support/browser.ts";
import { openCampaign, setUpCampaign, type CampaignSetup } from "./support/flows.ts";

/**
 * Member management in the browser (MEMB1–MEMB4, REVOKE5): the owner demotes a co-DM and removes a player from the
 * members panel; the demoted DM's page turns into the player view, the removed player's page says the campaign is
 * gone — without a reload. The invite page names the campaign before sign-up.
 */
const skipReason = chromiumSkipReason();

describe.skipIf(skipReason !== null)("[MEMBUI1] member management in the browser", () => {
  let server: E2eServer;
  let browser: Browser;
  let setup: CampaignSetup | null = null;

  beforeAll(async () => {
    buildClient();
    server = await startE2eServer();
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    for (const m of setup?.all ?? []) await m.context.close();
    await browser?.close();
    await server?.close();
  });

  it("[MEMBUI1] [REVOKE5] the owner demotes a co-DM and removes a player; their pages follow within 5 s", async () => {
    setup = await setUpCampaign(browser, server.app.url, { name: "Members Vale", coDms: 1, players: 1 });
    const { owner, dms, players, campaignId } = setup;
    const coDm = dms[0];
    const player = players[0];
    if (!coDm || !player) throw new Error("setup");
    await openCampaign(owner, campaignId);
    await openCampaign(coDm, campaignId);
    await openCampaign(player, campaignId);
    await owner.page.getByTestId("member-role").first().waitFor();
    // An open reusable invite in the list (for the screenshot and MEMB3).
    await owner.page.getByLabel("Uses").selectOption("reusable");
    await owner.page.getByRole("button", { name: "Create invite link" }).click();
    await owner.page.getByTestId("open-invite").first().waitFor();
    await saveScreenshot(owner.page, "members-panel-1280");

    // Demote the co-DM: their DM workspace gives way to the player view (no paint tools).
    await owner.page.getByLabel(`Role of ${coDm.name}`).selectOption("player");
    await coDm.page.locator(".role", { hasText: "player" }).first().waitFor({ timeout: 5000 });
    await coDm.page.getByRole("toolbar", { name: "Map tools" }).waitFor({ state: "detached", timeout: 5000 });

    // Remove the player: their page says the campaign is not theirs any more.
    owner.page.once("dialog", (d) => void d.accept());
    await owner.page.getByRole("button", { name: `Remove ${player.name}` }).click();
    await player.page.getByText("No such campaign").waitFor({ timeout: 5000 });
    expect(await owner.page.getByTestId("member").count()).toBe(2);

    await owner.page.setViewportSize({ width: 390, height: 844 });
    await owner.page.getByRole("heading", { name: "Members", exact: true }).scrollIntoViewIfNeeded();
    await saveScreenshot(owner.page, "members-panel-390");
  });

  it("[MEMBUI1] [MEMB4] the invite page names the campaign and role before sign-up; a revoked link offers no Retry", async () => {
    const s = await setUpCampaign(browser, server.app.url, { name: "Invite Fen" });
    setup?.all.push(...s.all);
    await openCampaign(s.owner, s.campaignId);
    await s.owner.page.getByRole("button", { name: "Create invite link" }).click();
    const link = await s.owner.page.getByTestId("invite-link").inputValue();
    const visitor = await newTestPage(browser, server.app.url);
    try {
      await visitor.page.goto(link);
      await visitor.page.getByTestId("invite-offer").getByText("Invite Fen").waitFor();
      await saveScreenshot(visitor.page, "invite-offer-1280");
      await s.owner.page.getByRole("button", { name: /^Revoke invite/ }).first().click();
      await s.owner.page.getByTestId("open-invite").waitFor({ state: "detached" });
      await visitor.page.reload();
      await visitor.page.getByText("This invite was revoked").waitFor();
      expect(await visitor.page.getByRole("button", { name: "Retry" }).count()).toBe(0);
    } finally {
      await visitor.context.close();
    }
  });
});
