import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startApp, type App } from "../../../server/src/app.ts";

/** Repository root (this file is test/e2e/support/browser.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** Debian's chromium; never a downloaded browser. Override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Where screenshots go (gitignored via artifacts/). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, "artifacts/screenshots");

/**
 * Why the e2e suite must be skipped, or null when Chromium is there.
 * With CI=true a missing browser is a failure, never a skip.
 */
export function chromiumSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  const reason = `Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
  if (process.env["CI"] === "true") throw new Error(`CI=true: ${reason}`);
  return reason;
}

/** Build the client once so the server under test serves the current code from client/dist. */
export function buildClient(): void {
  execFileSync("npm", ["run", "build", "-w", "client"], { cwd: REPO_ROOT, stdio: "pipe" });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A fresh context (no cookies, no IndexedDB) and page, with page errors collected for failure messages. */
export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors, newest last. */
  errors: string[];
}

export async function newTestPage(browser: Browser, baseURL: string): Promise<TestPage> {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  return { context, page, errors };
}

/** Save a full-page screenshot as artifacts/screenshots/{name}.png; returns the path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The real server on port 0 with an embedded PGlite in a temp dir, serving the built client. */
export interface E2eServer {
  app: App;
  close(): Promise<void>;
}

export async function startE2eServer(): Promise<E2eServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-e2e-"));
  const app = await startApp({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    clientDir: path.join(REPO_ROOT, "client/dist"),
    authSecret: "e2e-secret-e2e-secret-e2e-secret-0123456789",
    storeDebounceMs: 50,
    storeMaxDebounceMs: 200,
  });
  return {
    app,
    close: async () => {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A unique, valid account per test, so tests never share a user. */
export function uniqueUser(prefix: string): { name: string; email: string; password: string } {
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return { name: `${prefix} ${id}`, email: `${prefix.toLowerCase()}-${id}@example.test`, password: "correct horse battery" };
}
