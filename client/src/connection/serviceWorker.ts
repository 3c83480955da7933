/**
 * Register the offline shell (public/sw.js) in built apps. Not in `vite dev`: a cached shell there
 * would serve stale modules. Registration failures only cost the offline start, so they are logged
 * as warnings, never thrown.
 */
export function registerServiceWorker(): void {
  if (import.meta.env.MODE === "development" || typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").catch((err: unknown) => {
    console.warn("[hexcrawl] offline shell not installed:", err);
  });
}
