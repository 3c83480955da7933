import { z } from "zod";
import { HexKeySchema, type HexKey } from "./hex.ts";
import { HEX_FIELDS, levelRank, type KnowledgeLevel } from "./model.ts";
import { levelOfView, type HexView } from "./projection.ts";

/**
 * Replay (REPLAY1–REPLAY5 in SPEC.md): what each publish changed in one player's view — recorded by the server from
 * the player's own documents right after the publish wrote them, never from the DM document — and the pure folds
 * that rebuild the player's map after any publish and the recap of a session.
 */

/** The event-log type of a publish's recorded views (one per publish, split past TIMELINE_MAX_CHANGES_PER_EVENT). */
export const PUBLISH_VIEWS_EVENT = "publish_views";

/** Most view changes one event records (a publish of more is recorded as several events). */
export const TIMELINE_MAX_CHANGES_PER_EVENT = 2_000;
/** Most entries one timeline answer carries (the newest are kept; `more` says how many were left out). */
export const TIMELINE_MAX_ENTRIES = 500;
/** Most recorded publishes a timeline is folded from (older ones are not read). */
export const TIMELINE_MAX_EVENTS_READ = 20_000;

const TextSchema = z.string().max(20_000);
export const TimelineHexViewSchema = z.strictObject({
  terrain: z.string().max(64).optional(),
  label: TextSchema.optional(),
  notes: TextSchema.optional(),
  rumour: TextSchema.optional(),
  explored: TextSchema.optional(),
});

/** A hex's view after a write; null: the hex left that document. */
export const ViewChangeSchema = z.strictObject({ hex: HexKeySchema, view: TimelineHexViewSchema.nullable() });
export type ViewChange = z.infer<typeof ViewChangeSchema>;

/**
 * What one publish wrote, as the server logs it (REPLAY1): the party document's views of the hexes it wrote there,
 * and each player's own document's views of the hexes written there — both read from those documents right after
 * the write, never from the DM document — with the clock and each player's trail length.
 */
const PlayerIdSchema = z.string().min(1).max(64);
const ChangesSchema = z.array(ViewChangeSchema).max(TIMELINE_MAX_CHANGES_PER_EVENT);
/**
 * One player's own layer of a publish, or the layer several players got alike (`players`: recorded once — a reveal
 * of the same hexes to each of 200 players is one list of changes, not 200). Rows written before the shared form
 * hold only `player` entries; both are read.
 */
export const OwnLayerSchema = z.union([
  z.strictObject({ player: PlayerIdSchema, changes: ChangesSchema }),
  z.strictObject({ players: z.array(PlayerIdSchema).min(1).max(10_000), changes: ChangesSchema }),
]);
export type OwnLayer = z.infer<typeof OwnLayerSchema>;

/** The own-layer changes of `player` in a recorded publish. */
export function ownChangesOf(own: readonly OwnLayer[], player: string): ViewChange[] {
  return own.filter((o) => ("player" in o ? o.player === player : o.players.includes(player))).flatMap((o) => o.changes);
}

export const PublishViewsPayloadSchema = z.strictObject({
  party: ChangesSchema,
  own: z.array(OwnLayerSchema).max(10_000),
  clock: z.strictObject({ day: z.number().int().min(1), watch: z.number().int().min(1) }).nullable(),
  trails: z.array(z.strictObject({ player: z.string().min(1).max(64), steps: z.number().int().min(0) })).max(10_000),
});
export type PublishViewsPayload = z.infer<typeof PublishViewsPayloadSchema>;

/** One entry of a player's timeline on the wire: their effective view (own over party) of each hex it changed. */
export const TimelineEntrySchema = z.strictObject({
  id: z.number().int(),
  at: z.string(),
  sessionId: z.string().nullable(),
  changes: z.array(ViewChangeSchema),
  clock: z.strictObject({ day: z.number().int().min(1), watch: z.number().int().min(1) }).nullable(),
  trailSteps: z.number().int().min(0),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const TimelineSchema = z.strictObject({
  player: z.string(),
  entries: z.array(TimelineEntrySchema).max(TIMELINE_MAX_ENTRIES),
  more: z.number().int().min(0),
});
export type Timeline = z.infer<typeof TimelineSchema>;

/** Keep only defined fields of a view (a timeline entry is plain JSON). */
export function plainView(view: HexView | undefined): HexView | null {
  if (!view) return null;
  const out: HexView = {};
  for (const f of HEX_FIELDS) if (view[f] !== undefined) out[f] = view[f];
  return out;
}

/** A recorded publish as the timeline reads it. */
export interface RecordedPublish {
  id: number;
  at: string;
  sessionId: string | null;
  payload: PublishViewsPayload;
}

/**
 * One player's timeline from the recorded publishes, oldest first (REPLAY3, REPLAY4): the party and own layers are
 * folded separately and each publish that touched either becomes an entry with the player's effective view (own over
 * party) of the hexes it touched. With more than `maxEntries`, the newest are kept and the first kept entry carries
 * the whole map as it was then, so folding the answer from its start still gives the right map.
 */
export function playerTimeline(records: readonly RecordedPublish[], player: string, maxEntries = TIMELINE_MAX_ENTRIES): Timeline {
  const party = new Map<HexKey, HexView>();
  const own = new Map<HexKey, HexView>();
  const apply = (layer: Map<HexKey, HexView>, changes: readonly ViewChange[]) => {
    for (const c of changes) {
      if (c.view) layer.set(c.hex, c.view);
      else layer.delete(c.hex);
    }
  };
  const effective = (hex: HexKey): HexView | null => own.get(hex) ?? party.get(hex) ?? null;
  const relevant = records.filter((r) => r.payload.party.length > 0 || ownChangesOf(r.payload.own, player).length > 0);
  const more = Math.max(0, relevant.length - maxEntries);
  const entries: TimelineEntry[] = [];
  let trailSteps = 0;
  let next = 0;
  for (const r of records) {
    trailSteps = r.payload.trails.find((t) => t.player === player)?.steps ?? trailSteps;
    if (relevant[next] !== r) continue;
    const mine = ownChangesOf(r.payload.own, player);
    apply(party, r.payload.party);
    apply(own, mine);
    const index = next++;
    if (index < more) continue;
    // The first kept entry of a cut answer carries the whole map as it was then.
    const touched = index === more && more > 0 ? [...new Set([...party.keys(), ...own.keys()])] : [...new Set([...r.payload.party, ...mine].map((c) => c.hex))];
    entries.push({ id: r.id, at: r.at, sessionId: r.sessionId, changes: touched.map((hex) => ({ hex, view: effective(hex) })), clock: r.payload.clock, trailSteps });
  }
  return { player, entries, more };
}

/** The player's map after entry `upTo` (index into `entries`, inclusive; -1: before the first). */
export function foldTimeline(entries: readonly TimelineEntry[], upTo: number): Map<HexKey, HexView> {
  const map = new Map<HexKey, HexView>();
  for (let i = 0; i <= upTo && i < entries.length; i++) {
    for (const c of entries[i]?.changes ?? []) {
      if (c.view) map.set(c.hex, c.view);
      else map.delete(c.hex);
    }
  }
  return map;
}

/** What one entry changed, in words a player reads: hexes new to them, levels raised, names learned. */
export interface StepSummary {
  newHexes: number;
  raised: number;
  lost: number;
  names: string[];
}

export function summariseStep(before: ReadonlyMap<HexKey, HexView>, entry: TimelineEntry): StepSummary {
  const out: StepSummary = { newHexes: 0, raised: 0, lost: 0, names: [] };
  for (const c of entry.changes) {
    const prev = before.get(c.hex);
    const from = levelOfView(prev);
    const to = c.view ? levelOfView(c.view) : null;
    if (!from && to) out.newHexes += 1;
    else if (from && !to) out.lost += 1;
    else if (levelRank(to) > levelRank(from)) out.raised += 1;
    const name = c.view?.label;
    if (name && name !== prev?.label) out.names.push(name);
  }
  return out;
}

/** A session's recap for one player (RECAP1): what they learned between its first and last publish. */
export interface Recap {
  sessionId: string;
  publishes: number;
  newHexes: number;
  raised: number;
  names: string[];
  /** Trail steps added and days passed, when the crawl is used. */
  steps: number;
  days: number;
  levels: Partial<Record<KnowledgeLevel, number>>;
}

export function recapOf(entries: readonly TimelineEntry[], sessionId: string): Recap | null {
  const first = entries.findIndex((e) => e.sessionId === sessionId);
  if (first < 0) return null;
  let last = first;
  for (let i = first; i < entries.length; i++) if (entries[i]?.sessionId === sessionId) last = i;
  const before = foldTimeline(entries, first - 1);
  const recap: Recap = { sessionId, publishes: 0, newHexes: 0, raised: 0, names: [], steps: 0, days: 0, levels: {} };
  const map = new Map(before);
  let trailBefore = first > 0 ? (entries[first - 1]?.trailSteps ?? 0) : 0;
  let clockBefore = first > 0 ? (entries[first - 1]?.clock ?? null) : null;
  for (let i = first; i <= last; i++) {
    const e = entries[i];
    if (!e || e.sessionId !== sessionId) continue;
    recap.publishes += 1;
    const s = summariseStep(map, e);
    recap.newHexes += s.newHexes;
    recap.raised += s.raised;
    for (const n of s.names) if (!recap.names.includes(n)) recap.names.push(n);
    for (const c of e.changes) {
      if (c.view) map.set(c.hex, c.view);
      else map.delete(c.hex);
    }
    recap.steps += Math.max(0, e.trailSteps - trailBefore);
    trailBefore = e.trailSteps;
    if (e.clock && clockBefore) recap.days += Math.max(0, e.clock.day - clockBefore.day);
    clockBefore = e.clock ?? clockBefore;
  }
  for (const [hex, view] of map) {
    if (levelOfView(before.get(hex)) === levelOfView(view)) continue;
    const lvl = levelOfView(view);
    if (lvl) recap.levels[lvl] = (recap.levels[lvl] ?? 0) + 1;
  }
  return recap;
}

