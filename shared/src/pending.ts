import { z } from "zod";
import { IdSchema } from "./docNames.ts";
import { compareHexKeys, HexKeySchema, type HexKey } from "./hex.ts";
import { HEX_FIELDS, type HexField } from "./model.ts";
import { hexViewEqual, levelOfView, type HexView, type PendingChange } from "./projection.ts";
import { KnowledgeLevelSchema } from "./model.ts";

/**
 * The pending list on the wire (PEND1–PEND4 in SPEC.md): what publishing now would change, grouped the way a
 * DM reads it — the changes to what *everyone* sees (the party document), then per player only what is theirs
 * alone. Hex contents travel as summaries: short fields (terrain id, name) as they are, long text fields
 * (notes) only as "present", so the list stays small however long the prep notes are; the DM opens the hex or
 * the preview for the text itself.
 */

/** Most changes one group (everyone, or one player) carries; the rest are counted in `more`. */
export const MAX_PENDING_CHANGES_PER_GROUP = 2_000;

/** A hex as the pending list shows it: the player's level, short fields as text, long texts as "has text". */
export const HexSummarySchema = z.strictObject({
  level: KnowledgeLevelSchema,
  terrain: z.string().max(64).optional(),
  label: z.string().max(200).optional(),
  notes: z.literal(true).optional(),
  rumour: z.literal(true).optional(),
  explored: z.literal(true).optional(),
});
export type HexSummary = z.infer<typeof HexSummarySchema>;

/** One pending change on the wire. */
export const PendingEntrySchema = z.strictObject({
  hex: HexKeySchema,
  /** reveal: not published yet; update: fields differ; hide: will be removed from the view. */
  kind: z.enum(["reveal", "update", "hide"]),
  /** The fields whose value changes (all fields of the hex for a reveal or a hide). */
  fields: z.array(z.enum(HEX_FIELDS)),
  before: HexSummarySchema.optional(),
  after: HexSummarySchema.optional(),
});
export type PendingEntry = z.infer<typeof PendingEntrySchema>;

const GroupSchema = z.strictObject({
  changes: z.array(PendingEntrySchema).max(MAX_PENDING_CHANGES_PER_GROUP),
  /** Changes left out of `changes` (over MAX_PENDING_CHANGES_PER_GROUP). */
  more: z.number().int().min(0),
});

/**
 * The whole pending list. `everyone`: changes to what every player sees (the party document). `players`: per
 * player (every player of the campaign, sorted by id), the changes that are not already in `everyone`.
 */
export const PendingListSchema = z.strictObject({
  everyone: GroupSchema,
  players: z.array(GroupSchema.extend({ userId: IdSchema })),
  /**
   * The crawl (party markers, trail, clock) would change: for everyone (the party document), and for these
   * players (their own parties and trails). Absent when nothing of it is pending.
   */
  crawl: z.strictObject({ everyone: z.boolean(), players: z.array(IdSchema) }).optional(),
});
export type PendingList = z.infer<typeof PendingListSchema>;

/** The summary of a hex view: its level, short fields (non-empty) as text, long texts reduced to "has text". */
export function summarizeView(view: HexView): HexSummary {
  const out: HexSummary = { level: levelOfView(view) ?? "rumoured" };
  if (view.terrain) out.terrain = view.terrain.slice(0, 64);
  if (view.label) out.label = view.label.slice(0, 200);
  if (view.notes) out.notes = true;
  if (view.rumour) out.rumour = true;
  if (view.explored) out.explored = true;
  return out;
}

/** The fields whose value differs between two views of one hex. */
export function changedFields(before: HexView | undefined, after: HexView | undefined): HexField[] {
  return HEX_FIELDS.filter((f) => before?.[f] !== after?.[f]);
}

/** One change on the wire. */
export function toPendingEntry(change: PendingChange): PendingEntry {
  return {
    hex: change.hex,
    kind: change.kind,
    fields: changedFields(change.before, change.after),
    ...(change.before ? { before: summarizeView(change.before) } : {}),
    ...(change.after ? { after: summarizeView(change.after) } : {}),
  };
}

function sameChange(a: PendingChange, b: PendingChange): boolean {
  return a.hex === b.hex && a.kind === b.kind && hexViewEqual(a.before, b.before) && hexViewEqual(a.after, b.after);
}

function group(changes: readonly PendingChange[], max: number): { changes: PendingEntry[]; more: number } {
  return { changes: changes.slice(0, max).map(toPendingEntry), more: Math.max(0, changes.length - max) };
}

/**
 * Build the wire list from full diffs: `party` is the diff of the party document (what is published to
 * everyone), `players` each player's diff of what they see (own document over the party document). A change
 * goes under `everyone` when it is a change of the party document that every player gets alike (with no
 * players: every change of the party document); each player's group holds the rest of their diff. So
 * `pendingFor(list, p)` is exactly p's diff, and a hex revealed to one player never reads as "everyone".
 */
export function groupPending(
  party: readonly PendingChange[],
  players: ReadonlyArray<{ userId: string; changes: readonly PendingChange[] }>,
  max: number = MAX_PENDING_CHANGES_PER_GROUP,
): PendingList {
  const shared = new Map<HexKey, PendingChange>();
  for (const c of party) shared.set(c.hex, c);
  for (const p of players) {
    // A player whose diff is the party diff itself (Publisher passes the same array) keeps every shared change.
    if (p.changes === party) continue;
    const own = new Map(p.changes.map((c) => [c.hex, c]));
    for (const [hex, c] of shared) {
      const mine = own.get(hex);
      if (!mine || !sameChange(mine, c)) shared.delete(hex);
    }
  }
  return {
    everyone: group([...shared.values()], max),
    players: [...players]
      .sort((a, b) => a.userId.localeCompare(b.userId))
      .map((p) => ({
        userId: p.userId,
        ...group(p.changes === party && shared.size === party.length ? [] : p.changes.filter((c) => !shared.has(c.hex)), max),
      })),
  };
}

/** What publishing now would change for one player: the everyone changes plus their own, sorted by hex. */
export function pendingFor(list: PendingList, userId: string): PendingEntry[] {
  const own = list.players.find((p) => p.userId === userId)?.changes ?? [];
  const hexes = new Set(own.map((c) => c.hex));
  return [...own, ...list.everyone.changes.filter((c) => !hexes.has(c.hex))].sort((a, b) => compareHexKeys(a.hex, b.hex));
}

/** Every hex with a pending change, for anyone. */
export function pendingHexes(list: PendingList): Set<HexKey> {
  const out = new Set<HexKey>();
  for (const c of list.everyone.changes) out.add(c.hex);
  for (const p of list.players) for (const c of p.changes) out.add(c.hex);
  return out;
}

/** The players with a pending change of `hex` (under everyone: every player), for "Drop affects …". */
export function playersAffectedBy(list: PendingList, hex: HexKey): { everyone: boolean; userIds: string[] } {
  const everyone = list.everyone.changes.some((c) => c.hex === hex);
  const userIds = list.players.filter((p) => p.changes.some((c) => c.hex === hex)).map((p) => p.userId);
  return { everyone, userIds };
}
