import { copyFile, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CampaignFileSchema } from "@hexcrawl/shared/exchange/campaignFile";
import { WXX_2025_XML } from "@hexcrawl/shared/exchange/fixtures";
import { encodeWxxText } from "@hexcrawl/shared/exchange/wxx";
import { buildClient, chromiumSkipReason, launchBrowser, REPO_ROOT, saveScreenshot, startE2eServer, type E2eServer } from "./support/browser.ts";
import { openCampaign, setUpCampaign, waitForDoc, type CampaignSetup } from "./support/flows.ts";

/** The DM's export and import panel in Chromium (XCHGUI1): a .wxx import with a preview and a terrain change, and downloads. */

const skipReason = chromiumSkipReason();
const DOCS_SCREENSHOT_DIR = path.join(REPO_ROOT, "docs/screenshots");

async function panel(page: Page) {
  const p = page.getByTestId("exchange-panel");
  await p.scrollIntoViewIfNeeded();
  return p;
}

describe.skipIf(skipReason !== null)("export and import in Chromium", () => {
  let server: E2eServer;
  let browser: Browser;
  let setup: CampaignSetup | null = null;

  beforeAll(async () => {
    buildClient();
    server = await startE2eServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const m of setup?.all ?? []) await m.context.close();
    await browser?.close();
    await server?.close();
  });

  it("[XCHGUI1] a DM imports a Worldographer file with a preview and a terrain change, opens it, and downloads exports", async () => {
    setup = await setUpCampaign(browser, server.app.url, { name: "Exchange", players: 1 });
    const { owner } = setup;
    await openCampaign(owner, setup.campaignId);
    const page = owner.page;

    const p = await panel(page);
    await p.getByTestId("import-file").setInputFiles({ name: "valley.wxx", mimeType: "application/octet-stream", buffer: gzipSync(encodeWxxText(WXX_2025_XML)) });
    const preview = p.getByTestId("import-preview");
    await preview.waitFor();
    expect(await preview.textContent()).toContain("Worldographer 2025");
    const fungus = preview.getByLabel("Terrain for Underdark Fungus");
    expect(await fungus.inputValue()).toBe("");
    await fungus.selectOption("swamp");
    await page.waitForFunction(() => (document.querySelector('[aria-label="Terrain for Underdark Fungus"]') as HTMLSelectElement | null)?.value === "swamp");
    for (const [name, viewport] of [["exchange-import-1280", { width: 1280, height: 800 }], ["exchange-import-390", { width: 390, height: 844 }]] as const) {
      await page.setViewportSize(viewport);
      await saveScreenshot(page, name);
      await (await panel(page)).screenshot({ path: path.join(REPO_ROOT, "artifacts/screenshots", `${name}-panel.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 860 });

    await p.getByTestId("import-commit").click();
    const open = p.getByRole("link", { name: /^Open / });
    await open.waitFor();
    await open.click();
    const first = setup.campaignId;
    await page.waitForURL((u) => u.pathname.startsWith("/c/") && !u.pathname.endsWith(first));
    await waitForDoc(page, (d) => d.label["1,1"] === "Greyhaven & Port" && Object.values(d.terrain).includes("swamp"), "the imported map");

    // Downloads: the campaign file parses with the shared schema.
    const p2 = await panel(page);
    const [dl] = await Promise.all([page.waitForEvent("download"), p2.getByTestId("export-json").click()]);
    const file = CampaignFileSchema.parse(JSON.parse(await readFile((await dl.path()) ?? "", "utf8")));
    expect(file.hexes["1,1"]).toMatchObject({ label: "Greyhaven & Port", landmark: true });
    const [img] = await Promise.all([page.waitForEvent("download"), p2.getByTestId("export-svg").click()]);
    const svg = await readFile((await img.path()) ?? "", "utf8");
    expect(svg).toContain("Greyhaven &amp; Port");
    expect(svg).not.toContain("Bandits");

    await mkdir(DOCS_SCREENSHOT_DIR, { recursive: true });
    for (const name of ["exchange-import-1280", "exchange-import-390"]) {
      await copyFile(path.join(REPO_ROOT, "artifacts/screenshots", `${name}-panel.png`), path.join(DOCS_SCREENSHOT_DIR, `${name}.png`));
    }
    expect(owner.errors.filter((e) => !/WebSocket|net::ERR/.test(e))).toEqual([]);
  });
});
