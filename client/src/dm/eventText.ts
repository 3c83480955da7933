import type { EventLogEntry } from "@hexcrawl/shared/httpApi";

/** How the session log shows one event: a short sentence, with names instead of ids. */
export function describeEvent(e: EventLogEntry, nameOf: (userId: string | null) => string): string {
  const p = (typeof e.payload === "object" && e.payload !== null ? e.payload : {}) as Record<string, unknown>;
  const who = nameOf(e.actorId);
  const list = (key: string) => (Array.isArray(p[key]) ? (p[key] as unknown[]) : []);
  const targets = (items: unknown[]) =>
    items
      .map((x) => {
        const r = (x ?? {}) as { hex?: unknown; target?: unknown; level?: unknown };
        const to = r.target === "*" ? "everyone" : nameOf(typeof r.target === "string" ? r.target : null);
        return `${String(r.hex)} → ${to}${typeof r.level === "string" ? ` (${r.level})` : ""}`;
      })
      .join(", ");
  switch (e.type) {
    case "session_start":
      return `${who} started the session`;
    case "session_pause":
      return `${who} paused the session`;
    case "session_resume":
      return `${who} resumed the session`;
    case "session_end":
      return `${who} ended the session`;
    case "session_prepare":
      return `${who} is preparing the map (players see it)`;
    case "session_ready":
      return `${who} finished preparing`;
    case "reveal":
      return `${who} revealed ${targets(list("reveals"))}`;
    case "hide":
      return `${who} hid ${targets(list("hides"))}`;
    case "publish":
      return `${who === "someone" ? "Immediate mode" : who} published ${list("hexes").length} hex${list("hexes").length === 1 ? "" : "es"} to ${list("players").length} player${list("players").length === 1 ? "" : "s"}`;
    case "drop":
      return `${who} dropped the pending change of ${String(p["hex"])}`;
    case "mode":
      return `${who} switched to ${String(p["mode"])} mode`;
    case "player_join":
      return `${nameOf(typeof p["userId"] === "string" ? p["userId"] : e.actorId)} joined`;
    case "player_leave":
      return `${nameOf(typeof p["userId"] === "string" ? p["userId"] : e.actorId)} left`;
    case "move":
      return `${who} moved the party to ${String(p["hex"])}${p["shown"] !== p["hex"] ? ` (they believe ${String(p["shown"])})` : ""}, ${String(p["watches"])} watch(es)`;
    case "clock":
      return `${who} moved the clock by ${String(p["watches"])} watch(es)`;
    case "roll":
      return `${who} rolled ${String(p["kind"])}: ${String(p["text"])}${typeof p["d100"] === "number" ? ` (d100 ${p["d100"]})` : ""}`;
    case "roll_shared":
      return `${who} showed the players: ${String(p["text"])}`;
    case "party_lost":
      return `${who} marked the party lost`;
    case "party_found":
      return `${who} marked the party found`;
    default:
      return `${who}: ${e.type}`;
  }
}

/** The event kinds the log view filters by, with their labels. */
export const EVENT_KINDS: ReadonlyArray<{ label: string; types: readonly string[] }> = [
  { label: "Session", types: ["session_start", "session_pause", "session_resume", "session_end", "session_prepare", "session_ready"] },
  { label: "Reveals", types: ["reveal", "hide", "drop"] },
  { label: "Publishes", types: ["publish", "mode"] },
  { label: "Travel", types: ["move", "clock", "party_lost", "party_found"] },
  { label: "Rolls", types: ["roll", "roll_shared"] },
  { label: "Players", types: ["player_join", "player_leave"] },
];
