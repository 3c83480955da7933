import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page, WebSocketRoute } from "playwright-core";
import { buildClient, chromiumSkipReason, launchBrowser, saveScreenshot, startE2eServer, type E2eServer } from "./support/browser.ts";
import { CONNECT_TIMEOUT_MS, gotoHex, openCampaign, setUpCampaign, waitOfflineShell, type CampaignSetup, type Member } from "./support/flows.ts";

/**
 * The players' own layer in Chromium (issue 13): two players annotate one hex of the table while one of them is
 * offline; after reconnect both annotations are there, for them and for the DM; a player's private note reaches
 * nobody else (every frame the server sends to each page is recorded).
 */

const skipReason = chromiumSkipReason();
if (skipReason) console.warn(`[e2e] skipped: ${skipReason}`);

/** A member's link to the server under the test's control: every server frame recorded; "offline" cuts it. */
interface Link {
  frames: string[];
  setOnline(on: boolean): Promise<void>;
}

/** Route the member's collaboration socket through the test: record what the server sends, cut it on demand. */
async function link(m: Member): Promise<Link> {
  const frames: string[] = [];
  const open = new Set<{ page: WebSocketRoute; server: WebSocketRoute }>();
  let online = true;
  await m.context.routeWebSocket(/\/collab/, (ws) => {
    if (!online) {
      void ws.close({ code: 4503, reason: "offline (test)" });
      return;
    }
    const server = ws.connectToServer();
    const pair = { page: ws, server };
    open.add(pair);
    server.onMessage((msg) => {
      frames.push(typeof msg === "string" ? msg : msg.toString("latin1"));
      ws.send(msg);
    });
    ws.onMessage((msg) => server.send(msg));
    server.onClose((code, reason) => {
      open.delete(pair);
      void ws.close({ code: code ?? 1000, reason: reason ?? "" });
    });
    ws.onClose((code, reason) => {
      open.delete(pair);
      void server.close({ code: code ?? 1000, reason: reason ?? "" });
    });
  });
  return {
    frames,
    setOnline: async (on) => {
      online = on;
      await m.context.setOffline(!on);
      if (!on) {
        for (const p of [...open]) {
          open.delete(p);
          await p.page.close({ code: 4503, reason: "offline (test)" }).catch(() => undefined);
          await p.server.close().catch(() => undefined);
        }
      }
    },
  };
}

async function tableNote(page: Page): Promise<string> {
  return page.getByTestId("note-table").inputValue();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(skipReason !== null)("the players' own layer in Chromium", () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    buildClient();
    server = await startE2eServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("[NOTES8] [NOTES10] [NOTES11] [NOTES13] two players annotate one hex, one offline (and reloading); both annotations survive; a private note reaches nobody else; the DM sees the table", async () => {
    let setup: CampaignSetup | null = null;
    try {
      setup = await setUpCampaign(browser, server.app.url, { name: "Table talk", players: 2 });
      const dm = setup.owner;
      const [p1, p2] = setup.players as [Member, Member];
      const links = new Map<Member, Link>();
      for (const m of [dm, p1, p2]) links.set(m, await link(m));
      const linkOf = (m: Member) => links.get(m) as Link;
      await Promise.all([dm, p1, p2].map((m) => openCampaign(m, setup!.campaignId)));
      const hex = "1,1";
      for (const m of [dm, p1, p2]) await gotoHex(m.page, hex);

      await waitOfflineShell(p2.page);
      // Player 2 goes offline and writes: a private note (a canary nobody else may receive), a table note, a marker.
      await linkOf(p2).setOnline(false);
      await p2.page.locator('[data-testid="connection-state"]:not([data-status="connected"])').waitFor({ timeout: CONNECT_TIMEOUT_MS });
      const secret = `PRIVATE-CANARY-${Date.now().toString(36)}`;
      await p2.page.getByTestId("note-private").fill(`I suspect the DM. ${secret}`);
      await p2.page.getByTestId("note-table").fill("Wolf tracks lead north.");
      await p2.page.getByTestId("marker-icon").selectOption("danger");
      await p2.page.getByTestId("marker-target").selectOption("table");
      await p2.page.getByTestId("marker-text").fill("wolves");
      await p2.page.getByTestId("marker-add").click();
      await p2.page.locator('[data-testid="notes-unsent"]:not([data-count="0"])').waitFor();

      // Player 2 reloads, still offline: the app comes from the service worker, the notes from IndexedDB.
      await p2.page.reload();
      await p2.page.waitForFunction(() => window.__hexcrawl !== undefined);
      await gotoHex(p2.page, hex);
      await waitFor("player 2's offline notes after a reload", async () => (await tableNote(p2.page)) === "Wolf tracks lead north.");
      expect(await p2.page.getByTestId("note-private").inputValue()).toContain(secret);
      expect(await p2.page.locator('[data-testid="marker"][data-layer="table"]').count()).toBe(1);
      await p2.page.locator('[data-testid="notes-unsent"]:not([data-count="0"])').waitFor();

      // Meanwhile player 1, online, annotates the same hex of the table.
      await p1.page.getByTestId("note-table").fill("The bridge is out.");
      await p1.page.getByTestId("marker-icon").selectOption("camp");
      await p1.page.getByTestId("marker-target").selectOption("table");
      await p1.page.getByTestId("marker-add").click();
      await waitFor("the DM to see player 1's table note", async () => (await tableNote(dm.page)).includes("The bridge is out."));
      expect(await tableNote(dm.page)).not.toContain("Wolf tracks");

      // Player 2 comes back: everything merges, nothing typed offline is lost.
      await linkOf(p2).setOnline(true);
      await p2.page.locator('[data-testid="notes-unsent"][data-count="0"]').waitFor({ timeout: 30_000 });
      for (const m of [p1, p2, dm]) {
        await waitFor(`${m.name} to see both table notes`, async () => {
          const text = await tableNote(m.page);
          return text.includes("The bridge is out.") && text.includes("Wolf tracks lead north.");
        });
        await waitFor(`${m.name} to see both table markers`, async () => (await m.page.locator('[data-testid="marker"][data-layer="table"]').count()) === 2);
      }
      // Player 2's private note is still theirs, and only theirs.
      expect(await p2.page.getByTestId("note-private").inputValue()).toContain(secret);
      expect(await p1.page.getByTestId("note-private").inputValue()).toBe("");
      expect(await dm.page.getByTestId("note-private").inputValue()).toBe("");
      await new Promise((r) => setTimeout(r, 500));
      for (const m of [p1, dm]) {
        const frames = linkOf(m).frames;
        expect(frames.length, `${m.name} received frames`).toBeGreaterThan(0);
        expect(frames.some((f) => f.includes("Wolf tracks")), `${m.name} got the table note (not vacuous)`).toBe(true);
        expect(frames.filter((f) => f.includes(secret)), `player 2's private note in frames to ${m.name}`).toEqual([]);
      }

      // The table toggle: "Mine" hides the table note and markers, "Both" brings them back.
      await p1.page.getByTestId("notes-view-private").click();
      expect(await p1.page.getByTestId("note-table").count()).toBe(0);
      expect(await p1.page.locator('[data-testid="marker"][data-layer="table"]').count()).toBe(0);
      await p1.page.getByTestId("notes-view-both").click();
      await p1.page.getByTestId("note-table").waitFor();

      // Undo is one's own: player 1 undoes their marker; player 2's stays.
      await p1.page.getByTestId("notes-undo").click();
      await waitFor("player 1's marker undone for the DM", async () => (await dm.page.locator('[data-testid="marker"][data-layer="table"]').count()) === 1);
      expect(await dm.page.locator('[data-testid="marker"][data-layer="table"]').textContent()).toContain("wolves");
      // Undo took the marker only: both table notes stay, player 2's words included.
      await new Promise((r) => setTimeout(r, 300));
      for (const m of [p1, dm]) {
        const text = await tableNote(m.page);
        expect(text, `${m.name}'s table note after player 1's undo`).toContain("Wolf tracks lead north.");
        expect(text).toContain("The bridge is out.");
      }

      // Player 1 draws a path on the table (hex by hex; the centres between are filled in); the DM sees it.
      await p1.page.getByTestId("draw-colour").selectOption("#ef476f");
      await p1.page.getByTestId("draw-start").click();
      await gotoHex(p1.page, "3,-1");
      await gotoHex(p1.page, "3,1");
      await p1.page.locator('[data-testid="draw-points"][data-count="5"]').waitFor();
      await p1.page.getByTestId("draw-save").click();
      await waitFor("the DM to see the path", async () => (await dm.page.getByTestId("drawing").count()) === 1);
      await gotoHex(p1.page, hex);

      await saveScreenshot(dm.page, "dm-table-notes");
      await saveScreenshot(p2.page, "player-notes");
      await p2.page.setViewportSize({ width: 390, height: 844 });
      await saveScreenshot(p2.page, "player-notes-phone");
      for (const m of [dm, p1, p2]) {
        const real = m.errors.filter((e) => !/WebSocket|Failed to load resource|net::ERR/.test(e));
        expect(real, `page errors of ${m.name}`).toEqual([]);
      }
    } finally {
      for (const m of setup?.all ?? []) await m.context.close();
    }
  });
});
