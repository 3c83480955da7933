import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { dmDocName } from "@hexcrawl/shared/docNames";
import { rectangleHexes, keyOf, Orientation } from "@hexcrawl/shared/hex";
import { TERRAIN_IDS } from "@hexcrawl/shared/model";
import { cookieHeader, openDocClient } from "./support/docClient.ts";
import {
  buildClient,
  chromiumSkipReason,
  launchBrowser,
  newTestPage,
  saveScreenshot,
  startE2eServer,
  uniqueUser,
  type E2eServer,
  type TestPage,
} from "./support/browser.ts";

/** Hexes in the map used to check drawing cost (the brief's "10,000 hexes"). */
const PERF_MAP_COLS = 100;
const PERF_MAP_ROWS = 100;
/** Generous per-frame budget for drawing 10,000 hexes; the measured value is logged. */
const PERF_DRAW_BUDGET_MS = 100;

/** How long the banner may take to reach "connected" (socket + auth + sync handshake). */
const CONNECT_TIMEOUT_MS = 20_000;

const skipReason = chromiumSkipReason();
if (skipReason) console.warn(`[e2e] skipped: ${skipReason}`);

async function signUp(page: Page, user: { name: string; email: string; password: string }): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("heading", { name: "Your campaigns" }).waitFor();
}

async function createCampaign(page: Page, name: string): Promise<void> {
  await page.getByLabel("New campaign name").fill(name);
  await page.getByRole("button", { name: "Create campaign" }).click();
  await page.getByRole("heading", { name }).waitFor();
}

function campaignIdOf(page: Page): string {
  const m = /\/c\/([A-Za-z0-9_-]+)$/.exec(new URL(page.url()).pathname);
  if (!m?.[1]) throw new Error(`not on a campaign page: ${page.url()}`);
  return m[1];
}

async function waitConnected(page: Page): Promise<void> {
  await page.locator('[data-testid="connection-state"][data-status="connected"]').waitFor({ timeout: CONNECT_TIMEOUT_MS });
}

describe.skipIf(skipReason !== null)("client shell in Chromium", () => {
  let server: E2eServer;
  let browser: Browser;
  let current: TestPage | null = null;

  beforeAll(async () => {
    const t0 = Date.now();
    buildClient();
    const t1 = Date.now();
    server = await startE2eServer();
    console.log(`[e2e] build ${t1 - t0} ms, server start ${Date.now() - t1} ms`);
    browser = await launchBrowser();
  });

  afterEach(async (ctx) => {
    if (current && current.errors.length > 0 && ctx.task.result?.state === "fail") console.error("[e2e] page errors:\n" + current.errors.join("\n"));
    await current?.context.close();
    current = null;
  });

  afterAll(async () => {
    const t0 = Date.now();
    await browser?.close();
    const t1 = Date.now();
    await server?.close();
    console.log(`[e2e] browser close ${t1 - t0} ms, server close ${Date.now() - t1} ms`);
  });

  it("[CLIENT4] [CLIENT13] sign up, create a campaign, open it, see connected", async () => {
    current = await newTestPage(browser, server.app.url);
    const { page } = current;
    await signUp(page, uniqueUser("Dm"));
    await createCampaign(page, "The Sunken Marches");

    // Back to the list, then open the campaign from it: the list shows what the server stored.
    await page.getByRole("link", { name: "Hex Crawl" }).click();
    await page.getByRole("link", { name: "The Sunken Marches" }).click();
    await waitConnected(page);
    expect(await page.getByTestId("connection-state").textContent()).toContain("connected");
    expect(page.url()).toMatch(/\/c\/[A-Za-z0-9_-]+$/);
    await saveScreenshot(page, "shell-campaign-connected");
  });

  it("[CLIENT14] a DM's painted hex survives a reload (server or device copy)", async () => {
    current = await newTestPage(browser, server.app.url);
    const { page } = current;
    await signUp(page, uniqueUser("Painter"));
    await createCampaign(page, "Paint Test");
    await waitConnected(page);

    await page.getByRole("button", { name: "Forest" }).click();
    const map = page.getByTestId("hex-map");
    const box = await map.boundingBox();
    if (!box) throw new Error("map has no box");
    // Drag across the middle of the map: a stroke of several hexes.
    await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 6 });
    await page.mouse.up();
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="terrain-count"]')?.getAttribute("data-count")) >= 3,
    );
    const painted = await page.getByTestId("terrain-count").getAttribute("data-count");
    expect(await page.getByTestId("hover-coords").textContent()).toMatch(/q -?\d+, r -?\d+ · Forest/);
    // Wait until the server has acknowledged the edits, then reload and see them again.
    await page.locator('[data-testid="connection-state"][data-status="connected"][data-unsynced="0"]').waitFor();
    await page.reload();
    await waitConnected(page);
    await page.locator(`[data-testid="terrain-count"][data-count="${painted}"]`).waitFor();
    await saveScreenshot(page, "shell-painted-map");
  });

  it("[CLIENT6] [CLIENT7] offline edits are kept on the device, counted, and sent on reconnect", async () => {
    current = await newTestPage(browser, server.app.url);
    const { page, context } = current;
    await signUp(page, uniqueUser("Traveller"));
    await createCampaign(page, "Offline Test");
    await waitConnected(page);

    await context.setOffline(true);
    await page.locator('[data-testid="connection-state"][data-status="offline"]').waitFor({ timeout: CONNECT_TIMEOUT_MS });
    await page.getByRole("button", { name: "Water" }).click();
    const box = await page.getByTestId("hex-map").boundingBox();
    if (!box) throw new Error("map has no box");
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('[data-testid="terrain-count"][data-count="1"]').waitFor();
    const offlineText = await page.getByTestId("connection-state").textContent();
    expect(offlineText).toContain("offline — edits saved on this device");
    expect(offlineText).toMatch(/not yet sent/);
    await saveScreenshot(page, "shell-offline-edit");

    await context.setOffline(false);
    await page.locator('[data-testid="connection-state"][data-status="connected"][data-unsynced="0"]').waitFor({
      timeout: CONNECT_TIMEOUT_MS,
    });
    // A fresh context has no IndexedDB copy: the hex can only come from the server.
    const other = await newTestPage(browser, server.app.url);
    try {
      await other.context.addCookies(await context.cookies());
      await other.page.goto(page.url());
      await waitConnected(other.page);
      await other.page.locator('[data-testid="terrain-count"][data-count="1"]').waitFor();
    } finally {
      await other.context.close();
    }
  });

  it("[CLIENT5] a player joins through the invite link and opens their own view", async () => {
    current = await newTestPage(browser, server.app.url);
    const dm = current.page;
    await signUp(dm, uniqueUser("Host"));
    await createCampaign(dm, "Invite Test");
    await dm.getByLabel("Invite as").selectOption("player");
    await dm.getByRole("button", { name: "Create invite link" }).click();
    const link = await dm.getByTestId("invite-link").inputValue();
    expect(link).toMatch(new RegExp(`^${server.app.url}/invite/[A-Za-z0-9_-]+$`));

    const player = await newTestPage(browser, server.app.url);
    try {
      await player.page.goto(link);
      const user = uniqueUser("Player");
      await player.page.getByLabel("Name").fill(user.name);
      await player.page.getByLabel("Email").fill(user.email);
      await player.page.getByLabel("Password").fill(user.password);
      await player.page.getByRole("button", { name: "Create account" }).click();
      await player.page.getByRole("heading", { name: "Invite Test" }).waitFor();
      expect(campaignIdOf(player.page)).toBe(campaignIdOf(dm));
      await waitConnected(player.page);
      // A player gets no paint tools and no invite panel.
      expect(await player.page.getByRole("toolbar", { name: "Map tools" }).count()).toBe(0);
      expect(await player.page.getByRole("heading", { name: "Invite", exact: true }).count()).toBe(0);
      await player.page.getByText("player", { exact: true }).first().waitFor();
      await saveScreenshot(player.page, "shell-player-view");
    } finally {
      if (player.errors.length > 0) console.error("[e2e] player page errors:\n" + player.errors.join("\n"));
      await player.context.close();
    }
  });

  it("[CLIENT12] a 10,000-hex map draws within budget", async () => {
    current = await newTestPage(browser, server.app.url);
    const { page, context } = current;
    await signUp(page, uniqueUser("Cartographer"));
    await createCampaign(page, "Big Map");
    await waitConnected(page);
    const campaignId = campaignIdOf(page);

    // Fill the DM document from Node as the same user: the browser receives it like a co-DM's edits.
    const writer = openDocClient(server.app.url, campaignId, dmDocName(campaignId), await cookieHeader(context, server.app.url));
    try {
      await writer.ready;
      const terrain = writer.doc.getMap<unknown>("terrain");
      const hexes = rectangleHexes(PERF_MAP_COLS, PERF_MAP_ROWS, Orientation.pointy);
      writer.doc.transact(() => {
        hexes.forEach((h, i) => terrain.set(keyOf(h), TERRAIN_IDS[i % TERRAIN_IDS.length]));
      });
      await writer.flushed();
    } finally {
      writer.destroy();
    }
    const total = String(PERF_MAP_COLS * PERF_MAP_ROWS);
    await page.locator(`[data-testid="terrain-count"][data-count="${total}"]`).waitFor();

    // Zoom out until the whole map is on screen (the most expensive view), then measure a few frames.
    const map = page.getByTestId("hex-map");
    const box = await map.boundingBox();
    if (!box) throw new Error("map has no box");
    // The middle of the map: its corners carry the floating tools.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // Each sample: one wheel notch, then the time until two frames later (JS draw + paint), and
    // the component's own JS draw time. Zooming out walks through every drawing regime.
    const frames: number[] = [];
    const draws: number[] = [];
    for (let i = 0; i < 14; i++) {
      const started = await page.evaluate(() => performance.now());
      await page.mouse.wheel(0, 300);
      const ended = await page.evaluate(
        () => new Promise<number>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now())))),
      );
      frames.push(Math.round(ended - started));
      draws.push(Number(await map.getAttribute("data-draw-ms")));
    }
    console.log(`[e2e] ${total} hexes, zooming out: draw ms ${draws.join(", ")}; wheel-to-frame ms ${frames.join(", ")}`);
    const worst = Math.max(...draws);
    await saveScreenshot(page, "shell-10k-hexes");
    expect(worst).toBeLessThan(PERF_DRAW_BUDGET_MS);
  });
});
