import type * as Y from "yjs";
import { neighbours, parseHexKey, keyOf, type HexKey } from "./hex.ts";
import { DmMap, readText } from "./model.ts";
import {
  ClockRecordSchema,
  CrawlMap,
  EntryIdSchema,
  PartyRecordSchema,
  pickWeighted,
  raiseLevels,
  readParties,
  readTable,
  readTimeline,
  readTravelSettings,
  RollRecordSchema,
  sightOf,
  StepRecordSchema,
  TableEntrySchema,
  trailKey,
  travelWatches,
  type PartyRecord,
  type RollKind,
  type RollRecord,
  type TableEntry,
} from "./travel.ts";

/**
 * What a DM does at the table (TRAVEL1–TRAVEL12): the writers of the crawl's maps. Each is one transaction with the
 * caller's origin (the DM client's undo-tracked one), validates with the schemas of travel.ts, and writes only
 * flat entries, so two DMs acting at once — one offline — keep both actions.
 */

/** A fresh id for a party, a step, a clock entry, a table entry or a roll (url-safe, 16 characters). */
export function newEntryId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_");
}

function assertHex(hex: HexKey): void {
  if (parseHexKey(hex) === null) throw new RangeError(`not a hex key: ${String(hex)}`);
}

function assertId(id: string): void {
  if (!EntryIdSchema.safeParse(id).success) throw new RangeError(`bad id ${id}`);
}

/** Create or replace a party's record (name, members, shown to everyone). */
export function setParty(doc: Y.Doc, id: string, record: PartyRecord, origin?: unknown): void {
  assertId(id);
  const value = PartyRecordSchema.parse(record);
  doc.transact(() => doc.getMap<unknown>(CrawlMap.parties).set(id, value), origin);
}

/** Remove a party (its trail entries stay: the clock they moved stays moved). */
export function removeParty(doc: Y.Doc, id: string, origin?: unknown): void {
  doc.transact(() => {
    for (const m of [CrawlMap.parties, CrawlMap.partyAt, CrawlMap.partyShownAt, CrawlMap.partyLost, CrawlMap.partyProgress]) doc.getMap<unknown>(m).delete(id);
  }, origin);
}

/** Put a party on the map (or move it without travelling: no step, no time, no sight). */
export function placeParty(doc: Y.Doc, id: string, hex: HexKey, origin?: unknown): void {
  assertHex(hex);
  doc.transact(() => {
    doc.getMap<unknown>(CrawlMap.partyAt).set(id, hex);
    doc.getMap<unknown>(CrawlMap.partyProgress).delete(id);
  }, origin);
}

/** What a move did. */
export interface MoveResult {
  stepId: string;
  watches: number;
  /** Reveal keys raised by the sight rule (none while lost). */
  revealed: string[];
}

/**
 * Move a party into `hex` (TRAVEL3, TRAVEL6): the true position moves; a trail step records where it went, where
 * its players believe it went (the shown position does not move while lost) and the watches the move took (the
 * hex's miles at its terrain's pace, or `watches`); progress inside a hex is reset. Unless the party is lost, the
 * sight rule raises its members' levels: the hex `visited`, neighbours and landmarks in sight `seen` — as reveals,
 * pending until published in staged mode. A lost party learns nothing by moving: the DM says what they see.
 */
export function moveParty(
  doc: Y.Doc,
  id: string,
  hex: HexKey,
  opts: { by: string | null; now: number; stepId?: string; watches?: number },
  origin?: unknown,
): MoveResult {
  assertHex(hex);
  const party = readParties(doc).get(id);
  if (!party) throw new RangeError(`no party ${id}`);
  const settings = readTravelSettings(doc);
  const watches = opts.watches ?? travelWatches(settings, readText(doc.getMap<unknown>(DmMap.terrain).get(hex)));
  const stepId = opts.stepId ?? newEntryId();
  const shown = party.lost ? (party.shownAt ?? hex) : hex;
  const step = StepRecordSchema.parse({ hex, shown, watches, t: opts.now, by: opts.by });
  let revealed: string[] = [];
  doc.transact(() => {
    doc.getMap<unknown>(CrawlMap.partyAt).set(id, hex);
    if (party.lost) doc.getMap<unknown>(CrawlMap.partyShownAt).set(id, shown);
    doc.getMap<unknown>(CrawlMap.partyProgress).delete(id);
    doc.getMap<unknown>(CrawlMap.trail).set(trailKey(id, stepId), step);
    if (!party.lost) revealed = raiseLevels(doc, party.members, sightOf(doc, hex, settings));
  }, origin);
  return { stepId, watches, revealed };
}

/**
 * One watch of travel toward a neighbouring hex, for DMs who track progress inside hexes (TRAVEL5): the party
 * covers its pace in miles; when that reaches the hex's miles it enters the hex (a move of one watch, leftover
 * miles kept toward nothing); otherwise the clock advances one watch and the progress is kept.
 */
export function travelOneWatch(doc: Y.Doc, id: string, toward: HexKey, opts: { by: string | null; now: number }, origin?: unknown): MoveResult | null {
  assertHex(toward);
  const party = readParties(doc).get(id);
  if (!party?.at) throw new RangeError(`party ${id} is not on the map`);
  const from = parseHexKey(party.at);
  if (!from || !neighbours(from).some((n) => keyOf(n) === toward)) throw new RangeError(`${toward} is not next to ${party.at}`);
  const settings = readTravelSettings(doc);
  const terrain = readText(doc.getMap<unknown>(DmMap.terrain).get(toward));
  const pace = (terrain !== undefined ? settings.pace[terrain] : undefined) ?? settings.defaultPace;
  const before = party.progress?.toward === toward ? party.progress.miles : 0;
  const miles = before + pace;
  if (miles >= settings.hexMiles) return moveParty(doc, id, toward, { ...opts, watches: 1 }, origin);
  doc.transact(() => {
    doc.getMap<unknown>(CrawlMap.partyProgress).set(id, { toward, miles });
    doc.getMap<unknown>(CrawlMap.clock).set(newEntryId(), ClockRecordSchema.parse({ watches: 1, t: opts.now, by: opts.by }));
  }, origin);
  return null;
}

/** The party is lost (its shown marker stays where it is) or found (the shown marker joins the true one). */
export function setLost(doc: Y.Doc, id: string, lost: boolean, origin?: unknown): void {
  const party = readParties(doc).get(id);
  if (!party) throw new RangeError(`no party ${id}`);
  doc.transact(() => {
    if (lost) {
      doc.getMap<unknown>(CrawlMap.partyLost).set(id, true);
      if (party.at) doc.getMap<unknown>(CrawlMap.partyShownAt).set(id, party.shownAt ?? party.at);
    } else {
      doc.getMap<unknown>(CrawlMap.partyLost).delete(id);
      doc.getMap<unknown>(CrawlMap.partyShownAt).delete(id);
    }
  }, origin);
}

/** While lost: move the shown marker to where the players believe they are. */
export function moveShown(doc: Y.Doc, id: string, hex: HexKey, origin?: unknown): void {
  assertHex(hex);
  const party = readParties(doc).get(id);
  if (!party?.lost) throw new RangeError(`party ${id} is not lost: its shown marker follows the true one`);
  doc.transact(() => doc.getMap<unknown>(CrawlMap.partyShownAt).set(id, hex), origin);
}

/** Move the clock by `watches` (negative to wind it back), as one entry of its own. */
export function adjustClock(doc: Y.Doc, watches: number, opts: { by: string | null; now: number }, origin?: unknown): string {
  const id = newEntryId();
  const record = ClockRecordSchema.parse({ watches, t: opts.now, by: opts.by });
  doc.transact(() => doc.getMap<unknown>(CrawlMap.clock).set(id, record), origin);
  return id;
}

/** Add or change an entry of a terrain's encounter table (`terrain` set) or of the weather table. */
export function setTableEntry(doc: Y.Doc, table: { terrain: string } | "weather", entryId: string, entry: TableEntry, origin?: unknown): void {
  assertId(entryId);
  const value = TableEntrySchema.parse(entry);
  const [map, key] = table === "weather" ? [CrawlMap.weather, entryId] : [CrawlMap.encounters, `${table.terrain}|${entryId}`];
  doc.transact(() => doc.getMap<unknown>(map).set(key, value), origin);
}

/** Remove a table entry. */
export function removeTableEntry(doc: Y.Doc, table: { terrain: string } | "weather", entryId: string, origin?: unknown): void {
  const [map, key] = table === "weather" ? [CrawlMap.weather, entryId] : [CrawlMap.encounters, `${table.terrain}|${entryId}`];
  doc.transact(() => doc.getMap<unknown>(map).delete(key), origin);
}

/**
 * Roll (TRAVEL8): an encounter check for a party's hex (the terrain's chance per watch; on a hit, an entry of the
 * terrain's table by weight) or the weather (an entry of the weather table). The result is stored DM-only; `rand`
 * is the randomness (the client passes crypto-backed numbers; tests a seeded generator).
 */
export function roll(
  doc: Y.Doc,
  kind: RollKind,
  opts: { partyId: string | null; by: string | null; now: number; rand: () => number },
  origin?: unknown,
): { id: string; record: RollRecord } {
  const settings = readTravelSettings(doc);
  const party = opts.partyId ? readParties(doc).get(opts.partyId) : undefined;
  const hex = party?.at ?? null;
  const terrain = hex ? (readText(doc.getMap<unknown>(DmMap.terrain).get(hex)) ?? null) : null;
  const d100 = Math.min(100, Math.floor(opts.rand() * 100) + 1);
  let hit = true;
  let text: string;
  if (kind === "encounter") {
    const chance = (terrain !== null ? settings.chance[terrain] : undefined) ?? settings.defaultChance;
    hit = d100 <= Math.round(chance * 100);
    const entry = hit ? pickWeighted(readTable(doc, CrawlMap.encounters, terrain ?? ""), opts.rand()) : null;
    text = hit ? (entry?.text ?? `An encounter (no table for ${terrain ?? "this hex"} yet)`) : "No encounter";
  } else {
    text = pickWeighted(readTable(doc, CrawlMap.weather), opts.rand())?.text ?? "Fair weather (the weather table is empty)";
  }
  const record = RollRecordSchema.parse({
    kind,
    text,
    d100,
    hit,
    terrain,
    partyId: opts.partyId,
    at: readTimeline(doc).total,
    t: opts.now,
    by: opts.by,
    shared: false,
  });
  const id = newEntryId();
  doc.transact(() => doc.getMap<unknown>(CrawlMap.rolls).set(id, record), origin);
  return { id, record };
}

/** Show a roll's result to the players (the server announces it to them once). */
export function shareRoll(doc: Y.Doc, rollId: string, origin?: unknown): void {
  const rolls = doc.getMap<unknown>(CrawlMap.rolls);
  const record = RollRecordSchema.safeParse(rolls.get(rollId));
  if (!record.success) throw new RangeError(`no roll ${rollId}`);
  if (record.data.shared) return;
  doc.transact(() => rolls.set(rollId, { ...record.data, shared: true }), origin);
}
