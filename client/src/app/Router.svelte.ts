import { createContext } from "svelte";
import { interceptedPath, parseRoute, type Route } from "./routes.ts";

/**
 * History-API router: the current route as reactive state. Links are plain `<a href>`; a single
 * document-level click listener turns same-origin clicks into `navigate` (see `interceptedPath`).
 */
export class Router {
  #route = $state<Route>(parseRoute(location.pathname));

  get route(): Route {
    return this.#route;
  }

  /** Go to an in-app path; `replace` for redirects, so Back does not bounce into them again. */
  navigate(path: string, options: { replace?: boolean } = {}): void {
    const url = new URL(path, location.origin);
    const target = url.pathname + url.search + url.hash;
    if (target !== location.pathname + location.search + location.hash) {
      if (options.replace) history.replaceState(null, "", target);
      else history.pushState(null, "", target);
    }
    this.#route = parseRoute(url.pathname);
  }

  /** Listen to Back/Forward and link clicks. Returns the cleanup. */
  start(): () => void {
    const onPopState = () => {
      this.#route = parseRoute(location.pathname);
    };
    const onClick = (event: MouseEvent) => {
      const anchor = event.target instanceof Element ? event.target.closest("a[href]") : null;
      if (!(anchor instanceof HTMLAnchorElement)) return;
      const path = interceptedPath(
        event,
        { href: anchor.href, target: anchor.target, hasDownload: anchor.hasAttribute("download") },
        location.origin,
      );
      if (path === null) return;
      event.preventDefault();
      this.navigate(path);
    };
    window.addEventListener("popstate", onPopState);
    document.addEventListener("click", onClick);
    return () => {
      window.removeEventListener("popstate", onPopState);
      document.removeEventListener("click", onClick);
    };
  }
}

/** Context pair for the app's one Router. */
export const [getRouter, setRouter] = createContext<Router>();
