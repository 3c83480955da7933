import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

/** The flags this machine needs (no network but loopback, no GPU, root). */
export const CHROMIUM_ARGS = [
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

/**
 * Where the e2e build of the client goes: `vite build --mode test`, which turns on the read-only
 * `window.__hexcrawl` debug handle (never present in the production build in client/dist).
 */
export const E2E_CLIENT_DIR = path.join(REPO_ROOT, "artifacts/e2e-client");

const BUILD_INPUTS = ["client/src", "client/public", "client/index.html", "client/vite.config.ts", "shared/src"];

function newestMtimeMs(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const name of readdirSync(p)) newest = Math.max(newest, newestMtimeMs(path.join(p, name)));
  return newest;
}

/**
 * Build the client (test mode) so the server under test serves the current code. Each test file
 * calls this; the build runs only when a source is newer than the last build (one build per run).
 */
export function buildClient(): void {
  const stampFile = path.join(E2E_CLIENT_DIR, ".build-stamp");
  const stamp = String(Math.max(...BUILD_INPUTS.map((p) => newestMtimeMs(path.join(REPO_ROOT, p)))));
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;
  execFileSync("npx", ["vite", "build", "--mode", "test", "--outDir", E2E_CLIENT_DIR, "--emptyOutDir"], {
    cwd: path.join(REPO_ROOT, "client"),
    stdio: "pipe",
  });
  writeFileSync(stampFile, stamp);
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
  /** The running app; replaced by `restart`. */
  app: App;
  /** Stop the app (sockets close, documents are stored); the data dir and the port stay reserved. */
  stop(): Promise<void>;
  /** Start a new app on the SAME port and data dir (after `stop`): clients reconnect to it. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

function startOn(port: number, dataDir: string): Promise<App> {
  return startApp({
    port,
    host: "127.0.0.1",
    dataDir,
    clientDir: E2E_CLIENT_DIR,
    authSecret: "e2e-secret-e2e-secret-e2e-secret-0123456789",
    storeDebounceMs: 50,
    storeMaxDebounceMs: 200,
    // Every test signs up several users from 127.0.0.1.
    signUpsPerMinute: 1000,
    signInAttemptsPerMinute: 1000,
  });
}

export async function startE2eServer(): Promise<E2eServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-e2e-"));
  let app = await startOn(0, dataDir);
  let running = true;
  const server: E2eServer = {
    app,
    stop: async () => {
      if (!running) return;
      running = false;
      await app.close();
    },
    restart: async () => {
      if (running) await server.stop();
      app = await startOn(app.port, dataDir);
      server.app = app;
      running = true;
    },
    close: async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** A unique, valid account per test, so tests never share a user. */
export function uniqueUser(prefix: string): { name: string; email: string; password: string } {
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return { name: `${prefix} ${id}`, email: `${prefix.toLowerCase()}-${id}@example.test`, password: "correct horse battery" };
}
