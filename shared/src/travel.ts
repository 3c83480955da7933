import type * as Y from "yjs";
import { z } from "zod";
import { IdSchema } from "./docNames.ts";
import { hexDistance, hexesInRange, keyOf, parseHexKey, type HexKey } from "./hex.ts";
import { ALL_PLAYERS, DmMap, KnowledgeLevel, levelRank, readRevealLevel, revealKey, type KnowledgeLevel as Level } from "./model.ts";

/**
 * Running the crawl (TRAVEL1–TRAVEL12 in SPEC.md): parties on the map, their trail, the game clock, travel
 * settings, encounter and weather tables and rolls — all in the DM document, as flat top-level maps (no nested
 * type is ever created), so co-DMs and offline DMs merge like the map:
 *
 * - every move is its own trail entry (`trail["partyId|stepId"]`), so two DMs moving at once both count;
 * - the clock is a sum — the watches of every trail step plus explicit clock entries — never one overwritten
 *   number, so concurrent moves and adjustments add up;
 * - rolls are entries too; a party's position, lost state and progress are last-writer-wins per party.
 *
 * What players get is derived by the server (`projectParties`, `projectTrail`, `projectClock`): their party's
 * shown marker and trail, parties the DM shows, the day and watch — never a true position, the lost state, a
 * table or a roll.
 */

/** Top-level maps of the DM document for the crawl. */
export const CrawlMap = {
  /** partyId → PartyRecord (name, members, shown to every player). */
  parties: "parties",
  /** partyId → hex: where the party really is (DM only). */
  partyAt: "partyAt",
  /** partyId → hex: where its players believe they are, while lost (absent: the true position). */
  partyShownAt: "partyShownAt",
  /** partyId → true while the party is lost. */
  partyLost: "partyLost",
  /** partyId → ProgressRecord: miles travelled toward a neighbouring hex. */
  partyProgress: "partyProgress",
  /** "partyId|stepId" → StepRecord: one move. */
  trail: "trail",
  /** entryId → ClockRecord: an explicit change of the clock (watches). */
  clock: "clock",
  /** Travel settings (`TravelKey`). */
  travel: "travel",
  /** "terrain|entryId" → TableEntry: what may be met in that terrain. */
  encounters: "encounters",
  /** entryId → TableEntry: the weather table. */
  weather: "weather",
  /** rollId → RollRecord (DM only; shared ones are announced to players). */
  rolls: "rolls",
} as const;
export type CrawlMap = (typeof CrawlMap)[keyof typeof CrawlMap];

/** Top-level maps a player (or party) document gains for the crawl (the design's `parties`, `trail`, `clock`). */
export const PlayerCrawlMap = { parties: "parties", trail: "trail", clock: "clock" } as const;

const MAX_NAME_CHARS = 80;
const MAX_TEXT_CHARS = 500;
/** Most members of one party. */
export const MAX_PARTY_MEMBERS = 50;
/** Most watches one move or clock entry may add (a month of six-watch days). */
export const MAX_WATCHES_PER_ENTRY = 180;

/** Ids of parties, steps, clock entries, table entries and rolls. */
export const EntryIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);

export const PartyRecordSchema = z.strictObject({
  name: z.string().min(1).max(MAX_NAME_CHARS),
  members: z.array(IdSchema).max(MAX_PARTY_MEMBERS),
  /** Every player sees this party's (shown) marker, not only its members. */
  visible: z.boolean(),
});
export type PartyRecord = z.infer<typeof PartyRecordSchema>;

const HexSchema = z.string().refine((k) => parseHexKey(k) !== null, "not a hex key");

export const StepRecordSchema = z.strictObject({
  /** Where the party went. */
  hex: HexSchema,
  /** Where its players believe it went (the same unless lost). */
  shown: HexSchema,
  /** Game time the move took. */
  watches: z.number().min(0).max(MAX_WATCHES_PER_ENTRY),
  /** Wall-clock time of the move (orders the trail). */
  t: z.number().int().min(0),
  by: IdSchema.nullable(),
});
export type StepRecord = z.infer<typeof StepRecordSchema>;

export const ClockRecordSchema = z.strictObject({
  watches: z.number().min(-MAX_WATCHES_PER_ENTRY * 100).max(MAX_WATCHES_PER_ENTRY * 100),
  t: z.number().int().min(0),
  by: IdSchema.nullable(),
});
export type ClockRecord = z.infer<typeof ClockRecordSchema>;

export const ProgressRecordSchema = z.strictObject({ toward: HexSchema, miles: z.number().min(0).max(1000) });
export type ProgressRecord = z.infer<typeof ProgressRecordSchema>;

export const TableEntrySchema = z.strictObject({ text: z.string().min(1).max(MAX_TEXT_CHARS), weight: z.number().int().min(1).max(100) });
export type TableEntry = z.infer<typeof TableEntrySchema>;

export const RollKind = { encounter: "encounter", weather: "weather" } as const;
export type RollKind = (typeof RollKind)[keyof typeof RollKind];

export const RollRecordSchema = z.strictObject({
  kind: z.enum(["encounter", "weather"]),
  /** What happened ("No encounter" when the check failed). */
  text: z.string().max(MAX_TEXT_CHARS),
  /** The check's die result, 1…100, and whether it hit (encounters). */
  d100: z.number().int().min(1).max(100),
  hit: z.boolean(),
  terrain: z.string().max(64).nullable(),
  partyId: EntryIdSchema.nullable(),
  /** Game time of the roll (total watches). */
  at: z.number(),
  t: z.number().int().min(0),
  by: IdSchema.nullable(),
  /** The DM showed it to the players. */
  shared: z.boolean(),
});
export type RollRecord = z.infer<typeof RollRecordSchema>;

/** Keys of the `travel` settings map. Terrain-specific keys are `pace:{terrain}` and `chance:{terrain}`. */
export const TravelKey = {
  hexMiles: "hexMiles",
  watchesPerDay: "watchesPerDay",
  sightNeighbours: "sightNeighbours",
  sightLandmarks: "sightLandmarks",
  defaultPace: "defaultPace",
  defaultChance: "defaultChance",
} as const;

/** Travel settings with their defaults (a 6-mile hex, six watches a day, 3 miles a watch on foot, 1 in 6). */
export interface TravelSettings {
  hexMiles: number;
  watchesPerDay: number;
  /** Rings of neighbours seen on entering a hex. */
  sightNeighbours: number;
  /** How far (hexes) a landmark is seen from. */
  sightLandmarks: number;
  /** Miles per watch, by terrain (missing: defaultPace). */
  pace: Record<string, number>;
  defaultPace: number;
  /** Chance of an encounter per watch, 0…1, by terrain (missing: defaultChance). */
  chance: Record<string, number>;
  defaultChance: number;
}

export const TRAVEL_DEFAULTS: TravelSettings = {
  hexMiles: 6,
  watchesPerDay: 6,
  sightNeighbours: 1,
  sightLandmarks: 3,
  pace: { plains: 3, desert: 2, hills: 2, forest: 2, tundra: 2, settlement: 3, jungle: 1, swamp: 1, mountains: 1, water: 1 },
  defaultPace: 2,
  chance: {},
  defaultChance: 1 / 6,
};

const SETTING_BOUNDS: Record<string, [number, number]> = {
  hexMiles: [0.1, 1000],
  watchesPerDay: [1, 24],
  sightNeighbours: [0, 3],
  sightLandmarks: [0, 12],
  defaultPace: [0.1, 100],
  defaultChance: [0, 1],
  pace: [0.1, 100],
  chance: [0, 1],
};

function inBounds(kind: string, v: unknown): v is number {
  const b = SETTING_BOUNDS[kind];
  return typeof v === "number" && Number.isFinite(v) && b !== undefined && v >= b[0] && v <= b[1];
}

/** Read the travel settings; invalid or missing values read as defaults (a reader never throws on a document). */
export function readTravelSettings(doc: Y.Doc): TravelSettings {
  const map = doc.getMap<unknown>(CrawlMap.travel);
  const out: TravelSettings = { ...TRAVEL_DEFAULTS, pace: { ...TRAVEL_DEFAULTS.pace }, chance: { ...TRAVEL_DEFAULTS.chance } };
  map.forEach((value, key) => {
    const [kind, terrain] = key.split(":");
    if (kind === undefined) return;
    if (terrain !== undefined) {
      if ((kind === "pace" || kind === "chance") && inBounds(kind, value)) out[kind][terrain] = value;
      return;
    }
    if (kind in TravelKey && inBounds(kind, value)) (out as unknown as Record<string, number>)[kind] = kind === "watchesPerDay" || kind.startsWith("sight") ? Math.round(value) : value;
  });
  return out;
}

/** Set one travel setting (`hexMiles`, …, or `pace:{terrain}` / `chance:{terrain}`); RangeError when out of bounds. */
export function setTravelSetting(doc: Y.Doc, key: string, value: number, origin?: unknown): void {
  const kind = key.split(":")[0] ?? "";
  if (!inBounds(kind, value)) throw new RangeError(`bad travel setting ${key}=${value}`);
  const map = doc.getMap<unknown>(CrawlMap.travel);
  if (map.get(key) !== value) doc.transact(() => map.set(key, value), origin);
}

/** A party as the DM document holds it, with its positions resolved. */
export interface Party extends PartyRecord {
  id: string;
  /** True position (null: not on the map yet). */
  at: HexKey | null;
  /** Where its players believe it is: the true position unless lost. */
  shownAt: HexKey | null;
  lost: boolean;
  progress: ProgressRecord | null;
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T | null {
  const r = schema.safeParse(value);
  return r.success ? r.data : null;
}

function hexValue(value: unknown): HexKey | null {
  return typeof value === "string" && parseHexKey(value) !== null ? value : null;
}

/** Every valid party of a DM document, by id. Invalid records are skipped. */
export function readParties(doc: Y.Doc): Map<string, Party> {
  const out = new Map<string, Party>();
  const at = doc.getMap<unknown>(CrawlMap.partyAt);
  const shown = doc.getMap<unknown>(CrawlMap.partyShownAt);
  const lost = doc.getMap<unknown>(CrawlMap.partyLost);
  const progress = doc.getMap<unknown>(CrawlMap.partyProgress);
  doc.getMap<unknown>(CrawlMap.parties).forEach((value, id) => {
    const record = parse(PartyRecordSchema, value);
    if (!record || !EntryIdSchema.safeParse(id).success) return;
    const isLost = lost.get(id) === true;
    const trueAt = hexValue(at.get(id));
    out.set(id, {
      ...record,
      id,
      at: trueAt,
      shownAt: isLost ? (hexValue(shown.get(id)) ?? trueAt) : trueAt,
      lost: isLost,
      progress: parse(ProgressRecordSchema, progress.get(id)),
    });
  });
  return out;
}

/** One step of a party's trail, in order. */
export interface TrailStep extends StepRecord {
  partyId: string;
  stepId: string;
  /** Total watches of the clock after this step. */
  clockAfter: number;
}

/** A trail key `"partyId|stepId"`. */
export function trailKey(partyId: string, stepId: string): string {
  return `${partyId}|${stepId}`;
}

/**
 * Everything that moves the clock, in order (wall time, then id): every trail step and every clock entry, each with
 * the clock's total after it. The clock is their sum, so concurrent entries by two DMs add up (TRAVEL4).
 */
export function readTimeline(doc: Y.Doc): { steps: TrailStep[]; total: number } {
  const entries: Array<{ t: number; id: string; watches: number; step: Omit<TrailStep, "clockAfter"> | null }> = [];
  doc.getMap<unknown>(CrawlMap.trail).forEach((value, key) => {
    const record = parse(StepRecordSchema, value);
    const bar = key.indexOf("|");
    if (!record || bar < 0) return;
    const partyId = key.slice(0, bar);
    const stepId = key.slice(bar + 1);
    if (!EntryIdSchema.safeParse(partyId).success || !EntryIdSchema.safeParse(stepId).success) return;
    entries.push({ t: record.t, id: key, watches: record.watches, step: { ...record, partyId, stepId } });
  });
  doc.getMap<unknown>(CrawlMap.clock).forEach((value, key) => {
    const record = parse(ClockRecordSchema, value);
    if (record) entries.push({ t: record.t, id: `~${key}`, watches: record.watches, step: null });
  });
  entries.sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let total = 0;
  const steps: TrailStep[] = [];
  for (const e of entries) {
    total = Math.max(0, total + e.watches);
    if (e.step) steps.push({ ...e.step, clockAfter: total });
  }
  return { steps, total };
}

/** Day (from 1) and watch (from 1) of a clock total. */
export function clockOf(totalWatches: number, watchesPerDay: number): { day: number; watch: number } {
  const whole = Math.floor(Math.max(0, totalWatches) + 1e-9);
  return { day: Math.floor(whole / watchesPerDay) + 1, watch: (whole % watchesPerDay) + 1 };
}

/** Watches a move into `terrain` takes: the hex's miles at the terrain's pace. */
export function travelWatches(settings: TravelSettings, terrain: string | undefined): number {
  const pace = (terrain !== undefined ? settings.pace[terrain] : undefined) ?? settings.defaultPace;
  return Math.round((settings.hexMiles / pace) * 100) / 100;
}

/**
 * The sight rule (TRAVEL6): what a party entering `hex` comes to know — the hex itself at least `visited`, its
 * neighbours (`sightNeighbours` rings) at least `seen`, and every landmark within `sightLandmarks` at least `seen`.
 */
export function sightOf(doc: Y.Doc, hex: HexKey, settings: TravelSettings): Map<HexKey, Level> {
  const out = new Map<HexKey, Level>();
  const center = parseHexKey(hex);
  if (!center) return out;
  for (const h of hexesInRange(center, settings.sightNeighbours)) out.set(keyOf(h), KnowledgeLevel.seen);
  const landmarks = doc.getMap<unknown>(DmMap.landmark);
  landmarks.forEach((value, key) => {
    const h = parseHexKey(key);
    if (value === true && h && hexDistance(center, h) <= settings.sightLandmarks && !out.has(key)) out.set(key, KnowledgeLevel.seen);
  });
  out.set(hex, KnowledgeLevel.visited);
  return out;
}

/** Raise (never lower) each member's own level of each hex to at least the given one. Returns the keys written. */
export function raiseLevels(doc: Y.Doc, members: readonly string[], levels: ReadonlyMap<HexKey, Level>): string[] {
  const reveals = doc.getMap<unknown>(DmMap.reveals);
  const written: string[] = [];
  for (const [hex, level] of levels) {
    const all = readRevealLevel(reveals.get(revealKey(hex, ALL_PLAYERS)));
    for (const member of members) {
      const key = revealKey(hex, member);
      const current = readRevealLevel(reveals.get(key));
      // Nothing to do when the player already knows this much (through `*` or their own key).
      if (levelRank(current) >= levelRank(level) || levelRank(all) >= levelRank(level)) continue;
      reveals.set(key, level);
      written.push(key);
    }
  }
  return written;
}

/** Pick from a weighted table with `r` in [0, 1). */
export function pickWeighted<T extends { weight: number }>(entries: readonly T[], r: number): T | null {
  const total = entries.reduce((s, e) => s + e.weight, 0);
  if (total <= 0) return null;
  let x = r * total;
  for (const e of entries) {
    x -= e.weight;
    if (x < 0) return e;
  }
  return entries.at(-1) ?? null;
}

/** The encounter table of a terrain (entries sorted by id for a stable pick). */
export function readTable(doc: Y.Doc, map: typeof CrawlMap.encounters | typeof CrawlMap.weather, terrain?: string): Array<TableEntry & { id: string }> {
  const out: Array<TableEntry & { id: string }> = [];
  doc.getMap<unknown>(map).forEach((value, key) => {
    const entry = parse(TableEntrySchema, value);
    if (!entry) return;
    if (map === CrawlMap.encounters) {
      const [t, id] = key.split("|");
      if (t === terrain && id) out.push({ ...entry, id });
    } else out.push({ ...entry, id: key });
  });
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Every valid roll, oldest first. */
export function readRolls(doc: Y.Doc): Array<RollRecord & { id: string }> {
  const out: Array<RollRecord & { id: string }> = [];
  doc.getMap<unknown>(CrawlMap.rolls).forEach((value, id) => {
    const r = parse(RollRecordSchema, value);
    if (r) out.push({ ...r, id });
  });
  return out.sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : 1));
}
