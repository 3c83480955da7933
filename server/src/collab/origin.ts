/**
 * Cross-site WebSocket hijacking defence. A browser always sends `Origin` on a WebSocket upgrade;
 * the upgrade is allowed when that origin is in the allowlist, or (no allowlist configured) when it
 * is the server's own origin (`Origin`'s host equals the `Host` the browser connected to).
 * A request without `Origin` is not from a browser page, so it cannot carry a victim's cookie
 * cross-site; it is allowed and still needs a valid session cookie.
 */
export function isOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowlist: readonly string[] | undefined,
): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin === "null") return false;
  if (allowlist && allowlist.length > 0) {
    return allowlist.some((allowed) => {
      try {
        return new URL(allowed).origin === parsed.origin;
      } catch {
        return false;
      }
    });
  }
  return host !== undefined && parsed.host.toLowerCase() === host.toLowerCase();
}
