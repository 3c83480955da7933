import type { Browser, Page } from "playwright-core";
import { newTestPage, uniqueUser, type TestPage } from "./browser.ts";

// The client's read-only debug handle (client/src/lib/debugHandle.ts), as the tests use it.
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

/** An account created through the real HTTP API in a fresh context (its cookie lands in the context). */
export async function signUpMember(browser: Browser, baseUrl: string, prefix: string): Promise<Member> {
  const tp = await newTestPage(browser, baseUrl);
  const user = uniqueUser(prefix);
  const res = await tp.context.request.post(`${baseUrl}/api/auth/sign-up/email`, {
    data: user,
    headers: { origin: baseUrl },
  });
  if (!res.ok()) throw new Error(`sign-up failed: ${res.status()} ${await res.text()}`);
  const session = await tp.context.request.get(`${baseUrl}/api/auth/get-session`);
  const body = (await session.json()) as { user?: { id?: string } } | null;
  const userId = body?.user?.id;
  if (!userId) throw new Error("no session after sign-up");
  return { ...tp, userId, name: user.name };
}

async function postJson<T>(m: Member, baseUrl: string, path: string, data: unknown): Promise<T> {
  const res = await m.context.request.post(`${baseUrl}${path}`, { data, headers: { origin: baseUrl } });
  if (!res.ok()) throw new Error(`POST ${path} failed: ${res.status()} ${await res.text()}`);
  return (await res.json()) as T;
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
  const { campaign } = await postJson<{ campaign: { id: string } }>(owner, baseUrl, "/api/campaigns", { name: opts.name });
  const join = async (prefix: string, role: "dm" | "player"): Promise<Member> => {
    const m = await signUpMember(browser, baseUrl, prefix);
    const { code } = await postJson<{ code: string }>(owner, baseUrl, `/api/campaigns/${campaign.id}/invites`, { role });
    await postJson(m, baseUrl, `/api/invites/${code}/accept`, {});
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
