import type * as Y from "yjs";
import { z } from "zod";
import { ALL_PLAYERS, mapIsEmpty } from "./model.ts";
import { EntryIdSchema, PlayerCrawlMap, clockOf, readParties, readTimeline, readTravelSettings } from "./travel.ts";

/**
 * What players get of the crawl (TRAVEL9–TRAVEL11): plain JSON values in their documents' `parties`, `trail` and
 * `clock` maps, written only by the server.
 *
 * - The party document (everyone): the clock, and the shown markers of parties the DM shows to everyone.
 * - A player's own document: the parties they are in (shown marker, `mine`) and their trail — shown hexes only.
 * Never a true position while lost, the lost state itself, progress, a table or a roll.
 */

const HexOrNull = z.string().max(13).nullable();

export const PartyViewSchema = z.strictObject({ name: z.string().max(80), hex: HexOrNull, mine: z.boolean() });
export type PartyView = z.infer<typeof PartyViewSchema>;

export const StepViewSchema = z.strictObject({ hex: z.string().max(13), day: z.number().int().min(1), watch: z.number().int().min(1) });
export type StepView = z.infer<typeof StepViewSchema>;

/** Keys of a player document's `clock` map. */
export const ClockKey = { day: "day", watch: "watch", watchesPerDay: "watchesPerDay" } as const;
export interface ClockView {
  day: number;
  watch: number;
  watchesPerDay: number;
}

/** The crawl as one player (or `*`, the party document) sees it. */
export interface CrawlView {
  parties: Map<string, PartyView>;
  trail: Map<string, StepView>;
  /** Only in the party document (`*`): the same for everyone. */
  clock: ClockView | null;
}

/** The DM document's crawl, read (and checked) once: a publish projects it for every player from this. */
export interface CrawlSource {
  parties: ReturnType<typeof readParties>;
  settings: ReturnType<typeof readTravelSettings>;
  timeline: ReturnType<typeof readTimeline>;
}

export function readCrawlSource(dm: Y.Doc): CrawlSource {
  return { parties: readParties(dm), settings: readTravelSettings(dm), timeline: readTimeline(dm) };
}

/**
 * Project the crawl for a player's own document (their parties and trail) or, with `*`, for the party document
 * (parties shown to everyone, and the clock).
 */
export function projectCrawl(dm: Y.Doc | CrawlSource, playerId: string): CrawlView {
  const { parties: dmParties, settings, timeline } = "parties" in dm ? dm : readCrawlSource(dm);
  const parties = new Map<string, PartyView>();
  const trail = new Map<string, StepView>();
  const mine = new Set<string>();
  for (const party of dmParties.values()) {
    const member = playerId !== ALL_PLAYERS && party.members.includes(playerId);
    if (member) mine.add(party.id);
    if (member || (playerId === ALL_PLAYERS && party.visible)) parties.set(party.id, { name: party.name, hex: party.shownAt, mine: member });
  }
  if (mine.size > 0) {
    for (const step of timeline.steps) {
      if (!mine.has(step.partyId)) continue;
      // The clock as the step ended: the step's own watches are part of it.
      trail.set(`${step.partyId}|${step.stepId}`, { hex: step.shown, ...clockOf(step.clockAfter, settings.watchesPerDay) });
    }
  }
  const clock = playerId === ALL_PLAYERS ? { ...clockOf(timeline.total, settings.watchesPerDay), watchesPerDay: settings.watchesPerDay } : null;
  return { parties, trail, clock };
}

/** Read the crawl back from a player (or party) document (what the client shows; what the server compares). */
export function readCrawlView(doc: Y.Doc): CrawlView {
  const parties = new Map<string, PartyView>();
  doc.getMap<unknown>(PlayerCrawlMap.parties).forEach((value, key) => {
    const v = PartyViewSchema.safeParse(value);
    if (v.success && EntryIdSchema.safeParse(key).success) parties.set(key, v.data);
  });
  const trail = new Map<string, StepView>();
  doc.getMap<unknown>(PlayerCrawlMap.trail).forEach((value, key) => {
    const v = StepViewSchema.safeParse(value);
    if (v.success) trail.set(key, v.data);
  });
  const c = doc.getMap<unknown>(PlayerCrawlMap.clock);
  const day = c.get(ClockKey.day);
  const watch = c.get(ClockKey.watch);
  const per = c.get(ClockKey.watchesPerDay);
  const clock = typeof day === "number" && typeof watch === "number" && typeof per === "number" ? { day, watch, watchesPerDay: per } : null;
  return { parties, trail, clock };
}

/** What a player's client shows: their own document's crawl over the party document's (own parties win). */
export function overlayCrawl(party: CrawlView, own: CrawlView): CrawlView {
  return { parties: new Map([...party.parties, ...own.parties]), trail: new Map([...party.trail, ...own.trail]), clock: own.clock ?? party.clock };
}

function writeEntries(map: Y.Map<unknown>, target: ReadonlyMap<string, unknown>): boolean {
  let changed = false;
  for (const key of [...map.keys()]) {
    if (!target.has(key)) {
      map.delete(key);
      changed = true;
    }
  }
  for (const [key, value] of target) {
    if (JSON.stringify(map.get(key)) === JSON.stringify(value)) continue;
    map.set(key, value);
    changed = true;
  }
  return changed;
}

/**
 * Write `view` into a player (or party) document with the fewest changes, in one transaction with `origin` (none
 * when nothing differs). Returns true when something changed.
 */
export function applyCrawl(doc: Y.Doc, view: CrawlView, origin: unknown): boolean {
  if (crawlEqual(doc, view)) return false;
  let changed = false;
  doc.transact(() => {
    changed = writeEntries(doc.getMap<unknown>(PlayerCrawlMap.parties), view.parties) || changed;
    changed = writeEntries(doc.getMap<unknown>(PlayerCrawlMap.trail), view.trail) || changed;
    const clock = doc.getMap<unknown>(PlayerCrawlMap.clock);
    const want = new Map<string, unknown>(view.clock ? Object.entries(view.clock) : []);
    changed = writeEntries(clock, want) || changed;
  }, origin);
  return changed;
}

/** True when `doc` already shows `view` (nothing of the crawl is pending for it). */
export function crawlEqual(doc: Y.Doc, view: CrawlView): boolean {
  // The common case of a player in no party: nothing to show, so equal exactly when the document holds nothing (an
  // entry that would not parse counts as something: writing the view removes it). No parse per player per publish.
  if (view.parties.size === 0 && view.trail.size === 0 && view.clock === null) {
    return [PlayerCrawlMap.parties, PlayerCrawlMap.trail, PlayerCrawlMap.clock].every((m) => mapIsEmpty(doc.getMap<unknown>(m)));
  }
  const current = readCrawlView(doc);
  const sorted = (m: Map<string, unknown>) => JSON.stringify([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
  return sorted(current.parties) === sorted(view.parties) && sorted(current.trail) === sorted(view.trail) && JSON.stringify(current.clock) === JSON.stringify(view.clock);
}
