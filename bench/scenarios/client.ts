import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import type { HttpUser } from "../../server/test/support/http.ts";
import { percentile } from "../lib/stats.ts";
import type { NotAvailable } from "./common.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../test/e2e/support/browser.ts";

/**
 * Client frame times: the real built client in headless Chromium, signed in as the DM of a big map,
 * dragging the map while every requestAnimationFrame timestamp is recorded.
 */

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUILD_TIMEOUT_MS = 180_000;
const MAP_LOAD_TIMEOUT_MS = 60_000;
/** Mouse steps per drag; each step waits one nominal frame. */
const DRAG_STEPS = 120;
/** "-" presses that zoom a 100×100 map of 32 px hexes out until it fits a 1280×800 window (1.25 per press). */
const ZOOM_OUT_PRESSES = 11;

/** Records every requestAnimationFrame timestamp and HexMap's last draw() duration until stopped. */
const RECORD_FRAMES_JS = `(() => {
  window.__frames = [];
  window.__draws = [];
  window.__recording = true;
  const canvas = document.querySelector("[data-testid=hex-map]");
  const tick = (t) => {
    if (!window.__recording) return;
    window.__frames.push(t);
    const d = Number(canvas && canvas.dataset.drawMs);
    if (Number.isFinite(d)) window.__draws.push(d);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;
const STOP_RECORDING_JS = `(() => {
  window.__recording = false;
  return { frames: window.__frames, draws: window.__draws };
})()`;

/** Frame-time figures of one drag. */
export interface PanRow {
  view: string;
  frames: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** HexMap's own draw() duration (canvas data-draw-ms), p95. */
  drawP95Ms: number;
}

/** Build the client into a temp directory (never touching client/dist); a reason string on failure. */
export async function buildClient(): Promise<{ dir: string } | NotAvailable> {
  if (!existsSync(path.join(REPO_ROOT, "client/src/map/HexMap.svelte"))) return { na: "no HexMap component" };
  const dir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-bench-client-"));
  const vite = path.join(REPO_ROOT, "node_modules/vite/bin/vite.js");
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [vite, "build", "--config", "client/vite.config.ts", "--outDir", dir, "--emptyOutDir", "--logLevel", "error"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), BUILD_TIMEOUT_MS);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
    child.on("error", () => resolve(null));
  });
  if (code !== 0 || !existsSync(path.join(dir, "index.html"))) return { na: `client build failed (exit ${code})` };
  return { dir };
}

function cookiesFor(user: HttpUser, url: string) {
  return user.cookie
    .split("; ")
    .filter(Boolean)
    .map((pair) => ({ name: pair.slice(0, pair.indexOf("=")), value: pair.slice(pair.indexOf("=") + 1), url }));
}

/** Drag the DM's map at the default zoom and zoomed out (most of the map in view); frame deltas of each. */
export async function panFrames(
  baseUrl: string,
  dm: HttpUser,
  campaignId: string,
  mapHexes: number,
  panMs: number,
  screenshotDir: string,
): Promise<PanRow[] | NotAvailable> {
  if (!existsSync(CHROMIUM_PATH)) return { na: `no Chromium at ${CHROMIUM_PATH}` };
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies(cookiesFor(dm, baseUrl));
    const page = await context.newPage();
    await page.goto(`${baseUrl}/c/${campaignId}`, { timeout: MAP_LOAD_TIMEOUT_MS });
    const count = page.getByTestId("terrain-count");
    await count.waitFor({ timeout: MAP_LOAD_TIMEOUT_MS });
    await page.waitForFunction(
      (n) => (document.querySelector("[data-testid=terrain-count]")?.textContent ?? "").replace(/\D/g, "") === String(n),
      mapHexes,
      { timeout: MAP_LOAD_TIMEOUT_MS },
    );
    const canvas = page.getByTestId("hex-map");
    const box = await canvas.boundingBox();
    if (!box) return { na: "map canvas not visible" };
    const rows: PanRow[] = [];
    const drag = async (view: string) => {
      // Passed as source text: the TS loader's helpers (e.g. __name) do not exist in the page.
      await page.evaluate(RECORD_FRAMES_JS);
      const cx = box.x + box.width / 2;
      const cy = box.y + box.height / 2;
      const span = Math.min(box.width, box.height) * 0.4;
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      const stepMs = panMs / DRAG_STEPS;
      for (let i = 1; i <= DRAG_STEPS; i++) {
        const a = (i / DRAG_STEPS) * Math.PI * 2;
        await page.mouse.move(cx + Math.sin(a) * span, cy + (1 - Math.cos(a)) * span * 0.5);
        await page.waitForTimeout(stepMs);
      }
      await page.mouse.up();
      const { frames, draws } = (await page.evaluate(STOP_RECORDING_JS)) as { frames: number[]; draws: number[] };
      const deltas = frames.slice(1).map((t, i) => t - (frames[i] ?? t));
      rows.push({
        view,
        frames: deltas.length,
        p50Ms: percentile(deltas, 50),
        p95Ms: percentile(deltas, 95),
        maxMs: deltas.length ? Math.max(...deltas) : Number.NaN,
        drawP95Ms: percentile(draws, 95),
      });
    };
    await drag("default zoom");
    await canvas.focus();
    for (let i = 0; i < ZOOM_OUT_PRESSES; i++) await page.keyboard.press("-");
    await drag(`zoomed out ×0.09 (most of the ${mapHexes}-hex map in view)`);
    // Evidence that the zoomed-out drag really had the whole map on screen.
    await page.screenshot({ path: path.join(screenshotDir, "pan-whole-map.png") });
    return rows;
  } catch (err) {
    return { na: `client pan failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}` };
  } finally {
    await browser?.close().catch(() => undefined);
  }
}
