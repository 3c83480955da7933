import type { Browser, BrowserContext, Page } from "playwright-core";
import { apiRoutes, authRoutes, type InviteRole } from "@hexcrawl/shared/httpApi";
import { createApiCaller, type ApiCaller } from "@hexcrawl/shared/httpCaller";
import { afterAll, beforeAll, expect } from "vitest";
import { buildClient, launchBrowser, newTestPage, startE2eServer, uniqueUser, type E2eServer, type TestPage } from "./browser.ts";

// The client's read-only debug handle (client/src/connection/debugHandle.ts), as the tests use it.
declare global {
  interface Window {
    __hexcrawl?: {
      documentName: string;
      role: "dm" | "player";
      read(): DocSnapshot;
      clientPointOf(key: string): { x: number; y: number } | null;
    };
  }
}

/** How long the banner may take to reach "connected" (socket + auth + sync handshake, or a reconnect). */
export const CONNECT_TIMEOUT_MS = 20_000;

/** A signed-in member of a campaign with their own browser context. */
export interface Member extends TestPage {
  userId: string;
  name: string;
}

/**
 * The contract's caller over a browser context's request API: the cookies it gets land in the context, so
 * its pages are signed in. Sends the Origin a browser would.
 */
function contextCaller(context: BrowserContext, baseUrl: string): ApiCaller {
  return createApiCaller(async (path, init) => {
    const res = await context.request.fetch(`${baseUrl}${path}`, {
      method: init.method ?? "GET",
      headers: { ...(init.headers as Record<string, string>), origin: baseUrl },
      ...(typeof init.body === "string" ? { data: init.body } : {}),
    });
    return new Response(await res.text(), { status: res.status(), headers: res.headers() });
  });
}

/** An account created through the real HTTP API in a fresh context (its cookie lands in the context). */
export async function signUpMember(browser: Browser, baseUrl: string, prefix: string): Promise<Member> {
  const tp = await newTestPage(browser, baseUrl);
  const user = uniqueUser(prefix);
  const call = contextCaller(tp.context, baseUrl);
  await call(authRoutes.signUp, { body: user });
  const session = await call(authRoutes.getSession);
  if (!session) throw new Error("no session after sign-up");
  return { ...tp, userId: session.user.id, name: user.name };
}

/** A campaign with an owner, optional co-DMs and players, all members through real invites. */
export interface CampaignSetup {
  campaignId: string;
  owner: Member;
  dms: Member[];
  players: Member[];
  all: Member[];
}

export async function setUpCampaign(
  browser: Browser,
  baseUrl: string,
  opts: { name: string; coDms?: number; players?: number },
): Promise<CampaignSetup> {
  const owner = await signUpMember(browser, baseUrl, "Owner");
  const asOwner = contextCaller(owner.context, baseUrl);
  const { campaign } = await asOwner(apiRoutes.createCampaign, { body: { name: opts.name } });
  const join = async (prefix: string, role: InviteRole): Promise<Member> => {
    const m = await signUpMember(browser, baseUrl, prefix);
    const { code } = await asOwner(apiRoutes.createInvite, { params: { id: campaign.id }, body: { role } });
    await contextCaller(m.context, baseUrl)(apiRoutes.acceptInvite, { params: { code } });
    return m;
  };
  const dms: Member[] = [];
  for (let i = 0; i < (opts.coDms ?? 0); i++) dms.push(await join(`CoDm${i + 1}`, "dm"));
  const players: Member[] = [];
  for (let i = 0; i < (opts.players ?? 0); i++) players.push(await join(`Player${i + 1}`, "player"));
  return { campaignId: campaign.id, owner, dms, players, all: [owner, ...dms, ...players] };
}

export async function waitConnected(page: Page, timeout = CONNECT_TIMEOUT_MS): Promise<void> {
  await page.locator('[data-testid="connection-state"][data-status="connected"]').waitFor({ timeout });
}

/** Wait until the server has every local edit (connected, nothing unsent). */
export async function waitAllSent(page: Page, timeout = CONNECT_TIMEOUT_MS): Promise<void> {
  await page.locator('[data-testid="connection-state"][data-status="connected"][data-unsynced="0"]').waitFor({ timeout });
}

/** Open the campaign page and wait for the document to be connected and the debug handle to exist. */
export async function openCampaign(m: Member, campaignId: string): Promise<void> {
  await m.page.goto(`/c/${campaignId}`);
  await waitConnected(m.page);
  await m.page.waitForFunction(() => window.__hexcrawl !== undefined);
}

/** What the page's document holds (through the read-only debug handle). */
export interface DocSnapshot {
  terrain: Record<string, string>;
  label: Record<string, string>;
  notes: Record<string, string>;
  dmNotes?: Record<string, string>;
  reveals?: Record<string, string[]>;
  /** DM: hex → target → knowledge level. */
  levels?: Record<string, Record<string, string>>;
  rumour?: Record<string, string>;
  explored?: Record<string, string>;
  /** DM: landmark hexes. */
  landmark?: Record<string, string>;
  /** Player: hex → their knowledge level. */
  knowledge?: Record<string, string>;
  highlighted?: string[];
}

export async function readDoc(page: Page): Promise<DocSnapshot> {
  return page.evaluate(() => {
    const h = window.__hexcrawl;
    if (!h) throw new Error("no debug handle");
    return h.read();
  });
}

/** Poll the page's document until `check` passes (or fail with the last snapshot). */
export async function waitForDoc(page: Page, check: (d: DocSnapshot) => boolean, what: string, timeoutMs = 15_000): Promise<DocSnapshot> {
  const deadline = Date.now() + timeoutMs;
  let last: DocSnapshot | null = null;
  while (Date.now() < deadline) {
    // Right after a reload the app may not have set its debug handle yet: keep polling.
    last = await readDoc(page).catch(() => null);
    if (last && check(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}; last document: ${JSON.stringify(last)}`);
}

/** Viewport point of a hex centre on the page's main map. */
export async function hexPoint(page: Page, key: string): Promise<{ x: number; y: number }> {
  const p = await page.evaluate((k) => window.__hexcrawl?.clientPointOf(k) ?? null, key);
  if (!p) throw new Error(`hex ${key} is not on screen`);
  return p;
}

/** A real mouse click on a hex of the canvas (position from the debug handle). */
export async function clickHex(page: Page, key: string): Promise<void> {
  const p = await hexPoint(page, key);
  await page.mouse.click(p.x, p.y);
}

/** Select a hex through the inspector's "Go to hex" field. */
export async function gotoHex(page: Page, key: string): Promise<void> {
  await page.getByPlaceholder("q,r").fill(key);
  await page.getByRole("button", { name: "Go to hex" }).click();
  await page.locator(`[data-testid="hex-inspector"][data-hex="${key}"]`).waitFor();
}

/** Wait until the service worker controls the page (the offline shell is cached). */
export async function waitOfflineShell(page: Page): Promise<void> {
  await page.waitForFunction(async () => {
    if (!("serviceWorker" in navigator)) return false;
    await navigator.serviceWorker.ready;
    return navigator.serviceWorker.controller !== null && (await caches.has("hexcrawl-shell-v1"));
  });
}

/** What the browser logs by itself while a server is stopped or a context offline (failed sockets and fetches). */
export const NETWORK_NOISE = /WebSocket|ERR_CONNECTION_REFUSED|ERR_INTERNET_DISCONNECTED|Failed to load resource|net::ERR/;

/** No uncaught page errors or console errors on any page of the campaign, apart from network noise. */
export function expectNoPageErrors(setup: CampaignSetup): void {
  expect(setup.all.flatMap((m) => m.errors.filter((e) => !NETWORK_NOISE.test(e)))).toEqual([]);
}

/** Close every member's browser context, printing real page errors first (they help when a test failed). */
export async function closeAll(setup: CampaignSetup | null): Promise<void> {
  if (!setup) return;
  for (const m of setup.all) {
    const real = m.errors.filter((e) => !NETWORK_NOISE.test(e));
    if (real.length > 0) console.error(`[e2e] page errors of ${m.name}:\n${real.join("\n")}`);
    await m.context.close();
  }
}

/** Click a tool of the DM toolbar by its visible name. */
export async function selectTool(page: Page, name: string): Promise<void> {
  await page.getByRole("toolbar", { name: "Map tools" }).getByRole("button", { name, exact: true }).click();
}

/** Wait until the DM's pending list says `count` changes for the player. */
export async function waitPending(page: Page, userId: string, count: number): Promise<void> {
  const row = `[data-testid="pending-player"][data-user-id="${userId}"]`;
  await page
    .locator(`${row}[data-count="${count}"]`)
    .waitFor({ timeout: 10_000 })
    .catch(async (err: unknown) => {
      throw new Error(`pending for ${userId} stayed ${await page.locator(row).getAttribute("data-count")}, wanted ${count}: ${String(err)}`);
    });
}

/**
 * One e2e file's server (PGlite) and browser: built and started before its tests, closed after. The getters throw
 * when used outside a test.
 */
export function useServerAndBrowser(): { readonly server: E2eServer; readonly browser: Browser } {
  let server: E2eServer | null = null;
  let browser: Browser | null = null;
  beforeAll(async () => {
    buildClient();
    server = await startE2eServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server(): E2eServer {
      if (!server) throw new Error("the e2e server is not running");
      return server;
    },
    get browser(): Browser {
      if (!browser) throw new Error("the browser is not running");
      return browser;
    },
  };
}
