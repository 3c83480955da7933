import { describe, expect, it } from "vitest";
import { dmDocName } from "@hexcrawl/shared/docNames";
import { readText } from "@hexcrawl/shared/model";
import { hexesInRange, keyOf } from "@hexcrawl/shared/hex";
import { cookieHeader, openDocClient } from "./support/docClient.ts";
import {
  chromiumSkipReason,
  saveScreenshot,
} from "./support/browser.ts";
import {
  clickHex,
  closeAll,
  CONNECT_TIMEOUT_MS,
  expectNoPageErrors,
  gotoHex,
  hexPoint,
  openCampaign,
  readDoc,
  selectTool,
  setUpCampaign,
  useServerAndBrowser,
  waitAllSent,
  waitForDoc,
  waitOfflineShell,
  waitPending,
  type CampaignSetup,
  type Member,
} from "./support/flows.ts";

/**
 * The end-to-end flows in Debian's Chromium against one real server (PGlite): co-editing,
 * staged and immediate publishing, the session lifecycle as players see it, and offline editing with
 * a server restart. Each test sets up its own campaign and members (through the real HTTP API), so
 * tests share the server but no state. The offline test restarts the server and runs last.
 */

const skipReason = chromiumSkipReason();
if (skipReason) console.warn(`[e2e] skipped: ${skipReason}`);


/** Radius of the revealed area of the scenery (hexes around 0,0). */
const SCENERY_REVEAL_RADIUS = 2;
/**
 * Pending changes player 2 gets from the scenery: every hex within the radius, less the private hex
 * (player 1's only) and the two already published hexes the scenery leaves unchanged ("0,0", "1,0").
 */
const SCENERY_REVEALED_FOR_P2 = hexesInRange({ q: 0, r: 0 }, SCENERY_REVEAL_RADIUS).length - 3;

/** Paint a hand-made-looking map: terrain in a radius of 7, a few names, an inner area revealed to everyone. */
async function paintScenery(url: string, campaignId: string, cookie: string, privateHex: string): Promise<void> {
  const writer = openDocClient(url, campaignId, dmDocName(campaignId), cookie);
  try {
    await writer.ready;
    const terrain = writer.doc.getMap<unknown>("terrain");
    const label = writer.doc.getMap<unknown>("label");
    const reveals = writer.doc.getMap<unknown>("reveals");
    const names: Record<string, string> = { "-3,1": "Greywater", "3,-2": "The Teeth", "-1,-3": "Old Road", "2,2": "Fen Hollow", "5,-5": "Ember Keep" };
    writer.doc.transact(() => {
      for (const h of hexesInRange({ q: 0, r: 0 }, 7)) {
        const k = keyOf(h);
        if (["0,0", "1,0", privateHex].includes(k)) continue;
        terrain.set(k, sceneryTerrain(h.q, h.r));
      }
      for (const [k, v] of Object.entries(names)) label.set(k, v);
      terrain.set("5,-5", "settlement");
      terrain.set("-3,1", "settlement");
      for (const h of hexesInRange({ q: 0, r: 0 }, SCENERY_REVEAL_RADIUS)) {
        const k = keyOf(h);
        if (k !== privateHex) reveals.set(`${k}|*`, true);
      }
    });
    await writer.flushed();
  } finally {
    writer.destroy();
  }
}

/** A deterministic, vaguely geographic terrain for a hex (rivers of water, hills near mountains…). */
function sceneryTerrain(q: number, r: number): string {
  const n = Math.sin(q * 1.7 + r * 0.9) + Math.cos(r * 1.3 - q * 0.4);
  if (q + 2 * r === -4 || q + 2 * r === -5) return "water";
  if (n > 1.2) return "mountains";
  if (n > 0.6) return "hills";
  if (n > -0.2) return "forest";
  if (n > -0.9) return "plains";
  return r > 2 ? "swamp" : "plains";
}

describe.skipIf(skipReason !== null)("campaign flows in Chromium", () => {
  const e2e = useServerAndBrowser();

  it("[EDIT1] [EDIT2] [EDIT5] [UIPRES1] two DMs co-edit one map: paint, name, notes and cursors; undo is per user", async () => {
    let setup: CampaignSetup | null = null;
    try {
      setup = await setUpCampaign(e2e.browser, e2e.server.app.url, { name: "Co-edit", coDms: 1 });
      const { owner: a } = setup;
      const b = setup.dms[0] as Member;
      await Promise.all([openCampaign(a, setup.campaignId), openCampaign(b, setup.campaignId)]);

      // A paints by a real mouse drag across the canvas.
      await selectTool(a.page, "Forest");
      const from = await hexPoint(a.page, "-2,0");
      const to = await hexPoint(a.page, "2,0");
      await a.page.mouse.move(from.x, from.y);
      await a.page.mouse.down();
      await a.page.mouse.move(to.x, to.y, { steps: 8 });
      await a.page.mouse.up();
      const stroke = ["-2,0", "-1,0", "0,0", "1,0", "2,0"];
      await waitForDoc(b.page, (d) => stroke.every((k) => d.terrain[k] === "forest"), "B to see A's stroke");

      // B names a hex and writes notes and a secret in the inspector; A sees them.
      await gotoHex(b.page, "1,1");
      await b.page.getByTestId("inspector-label").fill("Old Mill");
      await b.page.getByTestId("inspector-notes").fill("Smells of flour and fear.");
      await b.page.getByTestId("inspector-dm-notes").fill("The miller is a werewolf.");
      await waitForDoc(
        a.page,
        (d) => d.label["1,1"] === "Old Mill" && d.notes["1,1"] === "Smells of flour and fear." && d.dmNotes?.["1,1"] === "The miller is a werewolf.",
        "A to see B's name and notes",
      );

      // A names another hex; B sees it.
      await gotoHex(a.page, "0,0");
      await a.page.getByTestId("inspector-label").fill("Watchtower");
      await waitForDoc(b.page, (d) => d.label["0,0"] === "Watchtower", "B to see A's name");

      // Cursors: each DM's hovered hex shows on the other's map, with the name.
      const aHover = await hexPoint(a.page, "2,-1");
      await a.page.mouse.move(aHover.x, aHover.y);
      await b.page.locator(`[data-testid="codm-cursor"][data-user-id="${a.userId}"][data-hex="2,-1"]`).waitFor();
      expect(await b.page.locator(`[data-testid="codm-cursor"][data-user-id="${a.userId}"]`).textContent()).toContain(a.name);
      const bHover = await hexPoint(b.page, "-1,2");
      await b.page.mouse.move(bHover.x, bHover.y);
      await a.page.locator(`[data-testid="codm-cursor"][data-user-id="${b.userId}"][data-hex="-1,2"]`).waitFor();
      // Both DMs are online in each other's member list.
      await a.page.locator(`[data-testid="member"][data-user-id="${b.userId}"][data-online="true"]`).waitFor();

      await saveScreenshot(a.page, "dm-co-editing");

      // Undo is A's own: two Ctrl+Z undo A's name, then A's stroke; B's edits stay.
      await a.page.locator("h1").click();
      await a.page.keyboard.press("Control+z");
      await waitForDoc(b.page, (d) => d.label["0,0"] === undefined && d.terrain["0,0"] === "forest", "A's name undone");
      await a.page.keyboard.press("Control+z");
      await waitForDoc(b.page, (d) => stroke.every((k) => d.terrain[k] === undefined), "A's stroke undone");
      const afterUndo = await readDoc(b.page);
      expect(afterUndo.label["1,1"]).toBe("Old Mill");
      expect(afterUndo.notes["1,1"]).toBe("Smells of flour and fear.");
      await a.page.keyboard.press("Control+Shift+z");
      await waitForDoc(b.page, (d) => stroke.every((k) => d.terrain[k] === "forest"), "A's stroke redone");
      expectNoPageErrors(setup);
    } finally {
      await closeAll(setup);
    }
  });

  it("[EDIT3] [EDIT4] [EDIT6] [EDIT7] [PLAY1] [PLAY4] staged: reveal to all and to one, drop one, publish; each player sees exactly theirs", async () => {
    let setup: CampaignSetup | null = null;
    try {
      setup = await setUpCampaign(e2e.browser, e2e.server.app.url, { name: "The Staged Marches", players: 2 });
      const dm = setup.owner;
      const p1 = setup.players[0] as Member;
      const p2 = setup.players[1] as Member;
      await Promise.all(setup.all.map((m) => openCampaign(m, setup!.campaignId)));
      const page = dm.page;

      // Paint four hexes (clicks on the canvas), name one.
      const shared = ["0,0", "1,0"];
      const privateHex = "2,0";
      const dropped = "0,1";
      await selectTool(page, "Hills");
      for (const k of [...shared, privateHex, dropped]) await clickHex(page, k);
      await gotoHex(page, "0,0");
      await page.getByTestId("inspector-label").fill("Crossroads");

      // Reveal two hexes and the dropped one to everyone, the private one to player 1 only.
      await selectTool(page, "Reveal");
      for (const k of [...shared, dropped]) await clickHex(page, k);
      await page.getByTestId("reveal-targets").getByLabel("Everyone").uncheck();
      await page.getByTestId("reveal-targets").getByLabel(p1.name).check();
      await clickHex(page, privateHex);
      await waitForDoc(page, (d) => d.reveals?.[privateHex]?.join() === p1.userId && d.reveals?.["0,0"]?.join() === "*", "reveals");
      expect((await page.getByTestId("inspector-revealed").textContent())?.toLowerCase()).toContain("everyone");

      // Pending, per player.
      await waitPending(page, p1.userId, 4);
      await waitPending(page, p2.userId, 3);
      // Commands are online: no offline reason shown.
      expect(await page.getByTestId("commands-offline").count()).toBe(0);

      // Grouped (PUSH1): the changes everyone gets are listed once, under "Everyone"; player 1's own under their name.
      expect(await page.locator('[data-testid="pending-group"][data-group="everyone"]').getAttribute("data-count")).toBe("3");
      expect(await page.locator(`[data-testid="pending-player"][data-user-id="${p1.userId}"] [data-testid="pending-change"]`).count()).toBe(1);
      // Drop one: the server reverts it in the DM document (the hex is no longer revealed).
      await page.locator(`[data-testid="pending-group"][data-group="everyone"] [data-testid="pending-change"][data-hex="${dropped}"] [data-testid="drop-change"]`).click();
      await waitPending(page, p1.userId, 3);
      await waitPending(page, p2.userId, 2);
      await waitForDoc(page, (d) => d.reveals?.[dropped] === undefined, "dropped reveal gone");

      // Nothing reached the players before publish.
      expect(Object.keys((await readDoc(p1.page)).terrain)).toEqual([]);
      await saveScreenshot(page, "dm-editor-pending");

      // Publish the private hex alone first ("publish selected"), then everything.
      await page.locator(`[data-testid="pending-player"][data-user-id="${p1.userId}"] [data-testid="pending-change"][data-hex="${privateHex}"] input[type="checkbox"]`).check();
      await page.getByTestId("publish-selected").click();
      await waitForDoc(p1.page, (d) => d.terrain[privateHex] === "hills", "player 1 to get the private hex");
      await waitPending(page, p1.userId, 2);
      await page.getByTestId("publish-all").click();
      await waitPending(page, p1.userId, 0);
      await waitPending(page, p2.userId, 0);

      const v1 = await waitForDoc(p1.page, (d) => Object.keys(d.terrain).length === 3, "player 1's three hexes");
      const v2 = await waitForDoc(p2.page, (d) => Object.keys(d.terrain).length === 2, "player 2's two hexes");
      expect(Object.keys(v1.terrain).sort()).toEqual([...shared, privateHex].sort());
      expect(Object.keys(v2.terrain).sort()).toEqual([...shared].sort());
      expect(v2.terrain[privateHex]).toBeUndefined();
      expect(v1.label["0,0"]).toBe("Crossroads");
      expect(v2.label["0,0"]).toBe("Crossroads");
      // Newly revealed hexes flash on the player's map.
      await p2.page.locator('[data-testid="new-hexes"]:not([data-count="0"])').waitFor({ timeout: 5_000 });
      // A player never receives DM-only fields.
      expect(v1.dmNotes).toBeUndefined();

      // Preview as player 2 opens their document read-only: two hexes, never the private one.
      await page.getByTestId("preview-panel").getByLabel("Show the map of").selectOption(p2.userId);
      await page.locator('[data-testid="preview-state"][data-synced="true"][data-count="2"]').waitFor();

      // For the README screenshots: a co-DM-sized map written from Node as the owner, revealed around
      // the crossroads and published (the private hex stays player 1's).
      await paintScenery(e2e.server.app.url, setup.campaignId, await cookieHeader(dm.context, e2e.server.app.url), privateHex);
      await waitForDoc(page, (d) => Object.keys(d.terrain).length > 100, "the scenery");
      await waitPending(page, p2.userId, SCENERY_REVEALED_FOR_P2);
      await page.getByTestId("publish-all").click();
      await waitPending(page, p2.userId, 0);
      await waitForDoc(p2.page, (d) => Object.keys(d.terrain).length === SCENERY_REVEALED_FOR_P2 + 2, "player 2's scenery");

      // Start the session so the player view is not covered for the screenshot.
      await page.getByTestId("session-start").click();
      await p1.page.locator('[data-testid="session-overlay"]').waitFor({ state: "detached" });
      await gotoHex(p1.page, "0,0");
      await page.getByTestId("preview-panel").getByLabel("Show the map of").selectOption("");
      await gotoHex(page, "0,0");
      // (The README's screenshots are taken by table.test.ts.)
      await saveScreenshot(page, "dm-editor");
      await saveScreenshot(p1.page, "player-view");

      // Player 2 still never got the private hex.
      expect((await readDoc(p2.page)).terrain[privateHex]).toBeUndefined();
      expectNoPageErrors(setup);
    } finally {
      await closeAll(setup);
    }
  });

  it("[PLAY2] [EDIT6] immediate mode: a DM edit on a revealed hex reaches the player without a publish", async () => {
    let setup: CampaignSetup | null = null;
    try {
      setup = await setUpCampaign(e2e.browser, e2e.server.app.url, { name: "Immediate", players: 1 });
      const dm = setup.owner;
      const p1 = setup.players[0] as Member;
      await Promise.all(setup.all.map((m) => openCampaign(m, setup!.campaignId)));
      await selectTool(dm.page, "Water");
      await clickHex(dm.page, "0,0");
      await selectTool(dm.page, "Reveal");
      await clickHex(dm.page, "0,0");
      await waitPending(dm.page, p1.userId, 1);

      // One hex is pending: going live asks first and says how many it will publish (LAYOUT8).
      await dm.page.getByLabel("Immediate — players see edits live").click();
      await dm.page.getByTestId("confirm-immediate").getByText("publishes the 1 pending hex").waitFor();
      expect(await dm.page.getByLabel("Immediate — players see edits live").isChecked()).toBe(false);
      await dm.page.getByTestId("confirm-immediate-yes").click();
      await waitForDoc(p1.page, (d) => d.terrain["0,0"] === "water", "the revealed hex to arrive on switching to immediate");
      await gotoHex(dm.page, "0,0");
      await dm.page.getByTestId("inspector-label").fill("Ferry");
      await waitForDoc(p1.page, (d) => d.label["0,0"] === "Ferry", "the new name without a publish");
      await selectTool(dm.page, "Settlement");
      await clickHex(dm.page, "0,0");
      await waitForDoc(p1.page, (d) => d.terrain["0,0"] === "settlement", "the new terrain without a publish");
      await waitPending(dm.page, p1.userId, 0);

      // LAYOUT8: revealing a hex with nothing to show warns; a hex painted since no longer counts, so revealing a
      // painted hex right after says nothing.
      const warning = dm.page.getByTestId("reveal-warning");
      await selectTool(dm.page, "Reveal");
      await clickHex(dm.page, "1,1");
      await warning.getByText("1 revealed hex has no terrain yet").waitFor();
      await saveScreenshot(dm.page, "dm-reveal-empty-warning");
      await selectTool(dm.page, "Forest");
      await clickHex(dm.page, "1,1");
      await clickHex(dm.page, "0,1");
      await selectTool(dm.page, "Reveal");
      await clickHex(dm.page, "0,1");
      await warning.waitFor({ state: "detached" });
      await waitForDoc(p1.page, (d) => d.terrain["0,1"] === "forest" && d.terrain["1,1"] === "forest", "both hexes, live");
      expectNoPageErrors(setup);
    } finally {
      await closeAll(setup);
    }
  });

  it("[PLAY3] [UIPRES2] lifecycle overlays on the player page follow start / pause / resume / end; DM online shows", async () => {
    let setup: CampaignSetup | null = null;
    try {
      setup = await setUpCampaign(e2e.browser, e2e.server.app.url, { name: "Lifecycle", players: 1 });
      const dm = setup.owner;
      const p1 = setup.players[0] as Member;
      await Promise.all(setup.all.map((m) => openCampaign(m, setup!.campaignId)));
      const overlay = p1.page.getByTestId("session-overlay");
      await p1.page.locator('[data-testid="session-overlay"][data-status="waiting"]').waitFor();
      expect(await overlay.textContent()).toContain("Waiting for the DM to start");
      await p1.page.locator('[data-testid="dm-online"][data-online="true"]').waitFor();
      await dm.page.locator(`[data-testid="member"][data-user-id="${p1.userId}"][data-online="true"]`).waitFor();

      await dm.page.locator('[data-testid="session-status"][data-status="waiting"]').waitFor();
      await dm.page.getByTestId("session-start").click();
      await overlay.waitFor({ state: "detached" });
      await dm.page.getByTestId("session-pause").click();
      await p1.page.locator('[data-testid="session-overlay"][data-status="paused"]').waitFor();
      expect(await overlay.textContent()).toContain("Session paused");
      await dm.page.getByTestId("session-resume").click();
      await overlay.waitFor({ state: "detached" });
      await dm.page.getByTestId("session-end").click();
      // Ending is asked first (LAYOUT8); nothing changes until the DM confirms.
      await dm.page.getByTestId("confirm-end").waitFor();
      expect(await dm.page.getByTestId("session-status").getAttribute("data-status")).not.toBe("ended");
      await dm.page.getByTestId("confirm-end-yes").click();
      await p1.page.locator('[data-testid="session-overlay"][data-status="ended"]').waitFor();
      expect(await overlay.textContent()).toContain("Session ended");
      await dm.page.locator('[data-testid="session-status"][data-status="ended"]').waitFor();
      // Only "start" is allowed after the end.
      expect(await dm.page.getByTestId("session-pause").isDisabled()).toBe(true);
      expect(await dm.page.getByTestId("session-start").isDisabled()).toBe(false);

      // The DM leaves: the player sees it.
      await dm.context.close();
      await p1.page.locator('[data-testid="dm-online"][data-online="false"]').waitFor({ timeout: 15_000 });
      setup.all = setup.all.filter((m) => m !== dm);
      expectNoPageErrors(setup);
    } finally {
      await closeAll(setup);
    }
  });

  it("[OFF1] [OFF2] [OFF3] [OFF4] [OFF5] offline: edits survive a reload without a server and merge with a co-DM's on reconnect", async () => {
    let setup: CampaignSetup | null = null;
    try {
      setup = await setUpCampaign(e2e.browser, e2e.server.app.url, { name: "Offline", coDms: 1, players: 1 });
      const a = setup.owner;
      const b = setup.dms[0] as Member;
      const p1 = setup.players[0] as Member;
      await Promise.all(setup.all.map((m) => openCampaign(m, setup!.campaignId)));
      // Something published to the player before the outage, for their offline start.
      await selectTool(a.page, "Desert");
      await clickHex(a.page, "-1,-1");
      await selectTool(a.page, "Reveal");
      await clickHex(a.page, "-1,-1");
      await waitPending(a.page, p1.userId, 1);
      await a.page.getByTestId("publish-all").click();
      await waitForDoc(p1.page, (d) => d.terrain["-1,-1"] === "desert", "the published hex");
      await Promise.all([waitOfflineShell(a.page), waitOfflineShell(p1.page)]);
      await waitAllSent(a.page);

      // The server goes away.
      await e2e.server.stop();
      await a.page.locator('[data-testid="connection-state"]:not([data-status="connected"])').waitFor();
      await b.page.locator('[data-testid="connection-state"]:not([data-status="connected"])').waitFor();

      // Commands are off, with the reason shown.
      await a.page.getByTestId("commands-offline").waitFor();
      expect(await a.page.getByTestId("session-start").isDisabled()).toBe(true);

      // A paints and writes notes; B paints elsewhere at the same time.
      await selectTool(a.page, "Swamp");
      await clickHex(a.page, "3,0");
      await gotoHex(a.page, "3,0");
      await a.page.getByTestId("inspector-notes").fill("Written offline.");
      await selectTool(b.page, "Mountains");
      await clickHex(b.page, "-3,0");
      await a.page.locator('[data-testid="connection-state"]:not([data-unsynced="0"])').waitFor();
      expect(await a.page.getByTestId("connection-state").textContent()).toMatch(/not yet sent/);

      // A reloads with no server: the app shell comes from the service worker, the map from IndexedDB.
      await a.page.reload();
      await a.page.waitForFunction(() => window.__hexcrawl !== undefined);
      const reloaded = await waitForDoc(a.page, (d) => d.terrain["3,0"] === "swamp" && d.notes["3,0"] === "Written offline.", "A's offline edits after reload");
      expect(reloaded.terrain["-1,-1"]).toBe("desert");
      expect(await a.page.getByTestId("connection-state").getAttribute("data-status")).not.toBe("connected");
      // The new page still counts the edits this device has not seen acknowledged.
      await a.page.locator('[data-testid="connection-state"]:not([data-unsynced="0"])').waitFor();
      expect(await a.page.getByTestId("connection-state").textContent()).toMatch(/not yet sent/);

      // The player opens the app offline too and sees the last map they received.
      await p1.page.reload();
      await p1.page.waitForFunction(() => window.__hexcrawl !== undefined);
      await waitForDoc(p1.page, (d) => d.terrain["-1,-1"] === "desert", "the player's last map, offline");
      await saveScreenshot(a.page, "dm-offline-reloaded");

      // The server comes back on the same port and data: everything merges.
      await e2e.server.restart();
      await Promise.all([waitAllSent(a.page, 30_000), waitAllSent(b.page, 30_000)]);
      await waitForDoc(b.page, (d) => d.terrain["3,0"] === "swamp" && d.notes["3,0"] === "Written offline.", "B to get A's offline edits");
      await waitForDoc(a.page, (d) => d.terrain["-3,0"] === "mountains", "A to get B's concurrent edit");
      expect(await a.page.getByTestId("commands-offline").count()).toBe(0);

      // And the server itself has both (a fresh Node client, no IndexedDB).
      const url = e2e.server.app.url;
      const reader = openDocClient(url, setup.campaignId, dmDocName(setup.campaignId), await cookieHeader(a.context, url));
      try {
        await reader.ready;
        const deadline = Date.now() + CONNECT_TIMEOUT_MS;
        const terrain = reader.doc.getMap<unknown>("terrain");
        const notes = reader.doc.getMap<unknown>("notes");
        while (Date.now() < deadline && !(terrain.get("3,0") === "swamp" && terrain.get("-3,0") === "mountains")) {
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(terrain.get("3,0")).toBe("swamp");
        expect(terrain.get("-3,0")).toBe("mountains");
        expect(readText(notes.get("3,0"))).toBe("Written offline.");
      } finally {
        reader.destroy();
      }
      expectNoPageErrors(setup);
    } finally {
      await closeAll(setup);
    }
  });
});
