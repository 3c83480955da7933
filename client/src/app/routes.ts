/**
 * Pure route parsing for the history-API router. The server serves index.html for every
 * non-/api path, so each route below must survive a reload on its own URL.
 */

/** Route kinds, a closed set. */
export const RouteKind = {
  home: "home",
  signIn: "signIn",
  signUp: "signUp",
  campaign: "campaign",
  invite: "invite",
  notFound: "notFound",
} as const;
export type RouteKind = (typeof RouteKind)[keyof typeof RouteKind];

export type Route =
  | { kind: "home" }
  | { kind: "signIn" }
  | { kind: "signUp" }
  | { kind: "campaign"; campaignId: string }
  | { kind: "invite"; code: string }
  | { kind: "notFound"; path: string };

// Same alphabet as IdSchema in shared/docNames.ts: a campaign id never contains `:` or `/`.
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
// Invite codes are opaque; accept the url-safe alphabet with some headroom for the server's format.
const CODE_RE = /^[A-Za-z0-9_-]{1,128}$/;

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Parse a location pathname (no query, no hash) into a route. Unknown or malformed paths give `notFound`. */
export function parseRoute(pathname: string): Route {
  // A trailing slash is the same page: "/c/abc/" → "/c/abc".
  const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const parts = trimmed.split("/").slice(1);
  if (trimmed === "/" || trimmed === "") return { kind: "home" };
  if (parts.length === 1 && parts[0] === "signin") return { kind: "signIn" };
  if (parts.length === 1 && parts[0] === "signup") return { kind: "signUp" };
  if (parts.length === 2 && parts[0] === "c" && parts[1] !== undefined) {
    const id = decodeSegment(parts[1]);
    if (id !== null && ID_RE.test(id)) return { kind: "campaign", campaignId: id };
  }
  if (parts.length === 2 && parts[0] === "invite" && parts[1] !== undefined) {
    const code = decodeSegment(parts[1]);
    if (code !== null && CODE_RE.test(code)) return { kind: "invite", code };
  }
  return { kind: "notFound", path: pathname };
}

/** The canonical path of a route; `parseRoute(pathFor(r))` gives `r` back for every valid route. */
export function pathFor(route: Route): string {
  switch (route.kind) {
    case "home":
      return "/";
    case "signIn":
      return "/signin";
    case "signUp":
      return "/signup";
    case "campaign":
      return `/c/${encodeURIComponent(route.campaignId)}`;
    case "invite":
      return `/invite/${encodeURIComponent(route.code)}`;
    case "notFound":
      return route.path;
  }
}

/** Minimal view of a click, so the decision is testable without a DOM. */
export interface ClickInfo {
  button: number;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
}

/** Minimal view of the anchor that was clicked. */
export interface AnchorInfo {
  href: string;
  target: string;
  hasDownload: boolean;
}

/**
 * The in-app path to navigate to when a link click should be handled by the router, or `null`
 * when the browser must handle it (new tab, other origin, downloads, the API, modified clicks).
 */
export function interceptedPath(click: ClickInfo, anchor: AnchorInfo, origin: string): string | null {
  if (click.defaultPrevented || click.button !== 0) return null;
  if (click.metaKey || click.ctrlKey || click.shiftKey || click.altKey) return null;
  if (anchor.hasDownload || (anchor.target !== "" && anchor.target !== "_self")) return null;
  let url: URL;
  try {
    url = new URL(anchor.href, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  if (url.pathname === "/api" || url.pathname.startsWith("/api/")) return null;
  return url.pathname + url.search + url.hash;
}
