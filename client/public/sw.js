// @ts-check
/// <reference lib="webworker" />
/**
 * Hex Crawl's offline shell (OFF5). The app is a single page: with index.html and its hashed assets
 * cached, a reload or a fresh open without a server still starts the app, which then reads the maps
 * from IndexedDB. Only the shell is cached — never /api or /collab: data always comes from the
 * server or from the documents' own IndexedDB copies.
 *
 * - Navigations: network first (a new deploy is picked up at once), the cached shell when offline.
 * - Same-origin assets: cache first (their names carry a content hash), stored as they are fetched.
 * - Install precaches "/" and the scripts/styles it references, so the very first visit already
 *   works offline after one reload.
 */
const CACHE = "hexcrawl-shell-v1";
const SHELL_URL = "/";

/** @type {ServiceWorkerGlobalScope} */
// @ts-expect-error -- `self` is the worker scope here.
const sw = self;

/** @param {string} html */
function assetUrls(html) {
  const urls = new Set();
  for (const m of html.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css|svg|png|ico|webmanifest))"/g)) urls.add(m[1]);
  return [...urls];
}

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const res = await fetch(SHELL_URL, { cache: "no-store" });
      if (res.ok) {
        const html = await res.clone().text();
        await cache.put(SHELL_URL, res);
        await cache.addAll(assetUrls(html));
      }
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
      await sw.clients.claim();
    })(),
  );
});

/** @param {URL} url */
function isData(url) {
  return url.pathname.startsWith("/api/") || url.pathname.startsWith("/collab");
}

sw.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin || isData(url)) return;
  if (req.mode === "navigate") {
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        try {
          const res = await fetch(req);
          if (res.ok) await cache.put(SHELL_URL, res.clone());
          return res;
        } catch {
          const cached = await cache.match(SHELL_URL);
          if (cached) return cached;
          throw new Error("offline and no cached shell");
        }
      })(),
    );
    return;
  }
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const cached = await cache.match(req);
      if (cached) return cached;
      const res = await fetch(req);
      if (res.ok && url.pathname.startsWith("/assets/")) await cache.put(req, res.clone());
      return res;
    })(),
  );
});
