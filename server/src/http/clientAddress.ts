import net from "node:net";

/**
 * Which proxies to believe (PROXY1–PROXY3 in SPEC.md): `false` — none, the socket's address is the client; a number
 * of hops — that many proxies in front (each appends the address it received from to `X-Forwarded-For`); a list of
 * proxy addresses — every hop from one of them is believed. `true` is one hop.
 */
export type TrustProxy = boolean | number | readonly string[];

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) and IPv4 name the same client. */
function normalise(address: string): string {
  const a = address.trim();
  return a.toLowerCase().startsWith("::ffff:") && net.isIPv4(a.slice(7)) ? a.slice(7) : a;
}

/**
 * The client's address: the right-most address of the chain (`X-Forwarded-For` entries, then the socket's peer) that
 * is not a trusted proxy. The left-most entries are whatever the client wrote, so they are never read unless every
 * hop to their right is trusted. Pure.
 */
export function clientAddressOf(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trust: TrustProxy): string {
  const peer = normalise(socketAddress ?? "unknown");
  if (trust === false || trust === 0 || (Array.isArray(trust) && trust.length === 0)) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "");
  const hops = header
    .split(",")
    .map(normalise)
    .filter((h) => h.length > 0);
  const chain = [...hops, peer];
  if (typeof trust === "boolean" || typeof trust === "number") {
    const proxies = trust === true ? 1 : Math.max(0, Math.trunc(trust));
    // The last `proxies` entries of the chain are the proxies themselves (the peer is the nearest).
    const index = chain.length - 1 - proxies;
    const picked = chain[Math.max(0, index)] ?? peer;
    return net.isIP(picked) ? picked : peer;
  }
  const trusted = new Set(trust.map(normalise));
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i] as string;
    if (!trusted.has(hop)) return net.isIP(hop) || i === chain.length - 1 ? hop : peer;
  }
  return chain[0] ?? peer;
}

/** Parse `TRUST_PROXY`: false/0, true/1, a hop count (≤ 10), or a comma-separated list of proxy IP addresses. */
export function parseTrustProxy(value: string): TrustProxy | null {
  const v = value.trim().toLowerCase();
  if (v === "false" || v === "0" || v === "") return false;
  if (v === "true") return true;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    return n <= 10 ? n : null;
  }
  const list = v
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  return list.length > 0 && list.every((x) => net.isIP(x) !== 0) ? list : null;
}
