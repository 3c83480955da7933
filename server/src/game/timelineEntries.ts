import { readCrawlView } from "@hexcrawl/shared/crawlProjection";
import { PlayerCrawlMap } from "@hexcrawl/shared/travel";
import { mapSize } from "@hexcrawl/shared/model";
import type { HexKey } from "@hexcrawl/shared/hex";
import { hexViewEqual, readHexView, type HexView } from "@hexcrawl/shared/projection";
import { plainView, TIMELINE_MAX_CHANGES_PER_EVENT, type OwnLayer, type PublishViewsPayload, type ViewChange } from "@hexcrawl/shared/timeline";
import type { PublishDocs, PublishOutcome } from "./Publisher.ts";

/**
 * What one publish wrote, for the replay (REPLAY1): the party document's views of the hexes written there and each
 * player's own document's views of the hexes written there, read from those documents right after the write —
 * never from the DM document. One payload per publish (one event-log row, whatever the number of players), split
 * when it holds more than TIMELINE_MAX_CHANGES_PER_EVENT changes; players who got the same own changes share them.
 */
export function publishViews(docs: PublishDocs, written: PublishOutcome["written"]): PublishViewsPayload[] {
  const partyChanges: ViewChange[] = written.party.map((hex) => ({ hex, view: plainView(readHexView(docs.party, hex)) }));
  // Players whose own documents got exactly the same changes share one entry (OwnLayerSchema): the same hexes
  // revealed to each of N players are recorded once, not N times.
  // Grouped by the hexes written, then compared view by view (no JSON of every player's changes per publish).
  const byHexes = new Map<string, Array<{ players: string[]; changes: ViewChange[] }>>();
  const groups: Array<{ players: string[]; changes: ViewChange[] }> = [];
  for (const p of docs.players) {
    const hexes: readonly HexKey[] = written.own.get(p.userId) ?? [];
    if (hexes.length === 0) continue;
    const changes = hexes.map((hex) => ({ hex, view: plainView(readHexView(p.doc, hex)) }));
    const key = hexes.join(" ");
    const candidates = byHexes.get(key) ?? [];
    const group = candidates.find((g) => g.changes.every((c, i) => sameView(c.view, changes[i]?.view ?? null)));
    if (group) {
      group.players.push(p.userId);
      continue;
    }
    const created = { players: [p.userId], changes };
    candidates.push(created);
    byHexes.set(key, candidates);
    groups.push(created);
  }
  const own: OwnLayer[] = groups.map(({ players, changes }) => {
    const [only] = players;
    return players.length === 1 && only !== undefined ? { player: only, changes } : { players, changes };
  });
  if (partyChanges.length === 0 && own.length === 0) return [];
  const crawl = readCrawlView(docs.party);
  const clock = crawl.clock ? { day: crawl.clock.day, watch: crawl.clock.watch } : null;
  // The trail's length is its number of keys: no parse per player per publish.
  const trails = docs.players.map((p) => ({ player: p.userId, steps: mapSize(p.doc.getMap<unknown>(PlayerCrawlMap.trail)) }));

  // Split into payloads of at most TIMELINE_MAX_CHANGES_PER_EVENT changes, in order (party first).
  const out: PublishViewsPayload[] = [];
  let current: PublishViewsPayload = { party: [], own: [], clock, trails };
  let size = 0;
  const flush = () => {
    out.push(current);
    current = { party: [], own: [], clock, trails };
    size = 0;
  };
  for (const c of partyChanges) {
    if (size === TIMELINE_MAX_CHANGES_PER_EVENT) flush();
    current.party.push(c);
    size += 1;
  }
  for (const o of own) {
    for (let i = 0; i < o.changes.length; ) {
      if (size === TIMELINE_MAX_CHANGES_PER_EVENT) flush();
      const take = o.changes.slice(i, i + TIMELINE_MAX_CHANGES_PER_EVENT - size);
      current.own.push("player" in o ? { player: o.player, changes: take } : { players: o.players, changes: take });
      size += take.length;
      i += take.length;
    }
  }
  if (size > 0 || out.length === 0) flush();
  return out;
}

/** Two recorded views are the same (null: the hex was removed). */
function sameView(a: HexView | null, b: HexView | null): boolean {
  return a === null || b === null ? a === b : hexViewEqual(a, b);
}
