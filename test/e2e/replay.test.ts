import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { dmDocName } from "@hexcrawl/shared/docNames";
import { cookieHeader, openDocClient } from "./support/docClient.ts";
import {
  chromiumSkipReason,
  REPO_ROOT,
  saveScreenshot,
} from "./support/browser.ts";
import {
  openCampaign,
  setUpCampaign,
  useServerAndBrowser,
  waitForDoc,
  type CampaignSetup,
  type Member,
} from "./support/flows.ts";

/**
 * Replay and recap (issue 16) in Chromium: three publishes at rising levels; the player scrubs their timeline and
 * sees their map as it was after each; the DM replays the same player; after the session ends the player reads a
 * recap of what they learned.
 */

const skipReason = chromiumSkipReason();
if (skipReason) console.warn(`[e2e] skipped: ${skipReason}`);

/** Write into the DM document from Node as the owner (a co-DM's edits, as far as the browsers can tell). */
async function dmEdit(url: string, campaignId: string, cookie: string, write: (m: (name: string) => import("yjs").Map<unknown>) => void): Promise<void> {
  const w = openDocClient(url, campaignId, dmDocName(campaignId), cookie);
  try {
    await w.ready;
    w.doc.transact(() => write((name) => w.doc.getMap<unknown>(name)));
    await w.flushed();
  } finally {
    w.destroy();
  }
}

async function publish(dm: Page, player: Page, check: (d: Awaited<ReturnType<typeof waitForDoc>>) => boolean, what: string): Promise<void> {
  await dm.locator('[data-testid="quick-publish"]:not([disabled])').waitFor({ timeout: 10_000 });
  await dm.getByTestId("quick-publish").click();
  await waitForDoc(player, check, what);
}

async function replayCount(page: Page): Promise<number> {
  return Number(await page.getByTestId("replay").getAttribute("data-count"));
}

describe.skipIf(skipReason !== null)("replay and recap in Chromium", () => {
  const e2e = useServerAndBrowser();

  it("[REPLAY5] [RECAP1] a player scrubs their timeline; the DM replays it; the session's recap lists what was learned", async () => {
    let setup: CampaignSetup | null = null;
    try {
      setup = await setUpCampaign(e2e.browser, e2e.server.app.url, { name: "Replay Marches", players: 1 });
      const dm = setup.owner;
      const p1 = setup.players[0] as Member;
      await Promise.all(setup.all.map((m) => openCampaign(m, setup!.campaignId)));
      const cookie = await cookieHeader(dm.context, e2e.server.app.url);
      await dm.page.getByTestId("session-start").click();

      // Publish 1: two hexes rumoured. Publish 2: one of them seen, a third visited. Publish 3: a named hex visited.
      await dmEdit(e2e.server.app.url, setup.campaignId, cookie, (m) => {
        for (const [k, t] of [["0,0", "plains"], ["1,0", "forest"], ["2,0", "hills"], ["0,1", "water"]]) m("terrain").set(k as string, t);
        m("rumour").set("1,0", "A witch in the wood");
        m("label").set("2,0", "Barrow Hill");
        m("reveals").set("1,0|*", "rumoured");
        m("reveals").set("2,0|*", "rumoured");
      });
      await publish(dm.page, p1.page, (d) => d.knowledge?.["1,0"] === "rumoured", "publish 1");
      await dmEdit(e2e.server.app.url, setup.campaignId, cookie, (m) => {
        m("reveals").set("1,0|*", "seen");
        m("reveals").set("0,0|*", "visited");
      });
      await publish(dm.page, p1.page, (d) => d.knowledge?.["0,0"] === "visited", "publish 2");
      await dmEdit(e2e.server.app.url, setup.campaignId, cookie, (m) => {
        m("reveals").set("2,0|*", "visited");
        m("reveals").set("0,1|*", "visited");
      });
      await publish(dm.page, p1.page, (d) => d.label["2,0"] === "Barrow Hill", "publish 3");

      // The player's replay: now = 4 hexes; after publish 1 = 2; before the first = 0; Play runs to the end.
      await p1.page.getByTestId("open-replay").click();
      await p1.page.locator('[data-testid="replay"][data-step="2"]').waitFor();
      expect(await replayCount(p1.page)).toBe(4);
      await p1.page.getByTestId("replay-slider").fill("0");
      await p1.page.locator('[data-testid="replay"][data-step="0"]').waitFor();
      expect(await replayCount(p1.page)).toBe(2);
      expect(await p1.page.getByTestId("replay-step").textContent()).toMatch(/1\/3[\s\S]*2 new/);
      await saveScreenshot(p1.page, "replay-player");
      await p1.page.getByTestId("replay-slider").fill("-1");
      expect(await replayCount(p1.page)).toBe(0);
      await p1.page.getByTestId("replay-play").click();
      await p1.page.locator('[data-testid="replay"][data-step="2"]').waitFor({ timeout: 10_000 });
      expect(await replayCount(p1.page)).toBe(4);
      await p1.page.getByTestId("replay-close").click();

      // The DM replays the same player from the Players tab.
      await dm.page.getByTestId("preview-panel").getByLabel("Show the map of").selectOption(p1.userId);
      await dm.page.getByTestId("replay-player").click();
      await dm.page.locator('[data-testid="replay"][data-step="2"]').waitFor();
      expect(await replayCount(dm.page)).toBe(4);
      await dm.page.getByTestId("replay-slider").fill("1");
      await dm.page.locator('[data-testid="replay"][data-step="1"]').waitFor();
      expect(await replayCount(dm.page)).toBe(3);
      await saveScreenshot(dm.page, "replay-dm");
      await dm.page.getByTestId("replay-close").click();

      // End the session: the player's recap says what they learned in it.
      await dm.page.getByTestId("session-end").click();
      await dm.page.getByTestId("confirm-end-yes").click();
      await p1.page.locator('[data-testid="session-overlay"][data-status="ended"]').waitFor();
      await p1.page.locator('[data-testid="recap-new"][data-count="4"]').waitFor({ timeout: 10_000 });
      expect(await p1.page.getByTestId("recap-names").textContent()).toContain("Barrow Hill");
      await saveScreenshot(p1.page, "recap-player");

      await mkdir(path.join(REPO_ROOT, "docs/screenshots"), { recursive: true });
      await copyFile(path.join(REPO_ROOT, "artifacts/screenshots/replay-player.png"), path.join(REPO_ROOT, "docs/screenshots/replay-player.png"));
    } finally {
      for (const m of setup?.all ?? []) await m.context.close();
    }
  });
});
