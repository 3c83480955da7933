import * as Y from "yjs";
import { z } from "zod";
import { IdSchema } from "../docNames.ts";
import { compareHexKeys, HexKeySchema, OrientationSchema, parseHexKey, type HexKey } from "../hex.ts";
import {
  BroadcastModeSchema,
  DmMap,
  HexSizeSchema,
  KnowledgeLevelSchema,
  MAP_NAME_MAX_CHARS,
  MapNameSchema,
  MetaKey,
  parseRevealKey,
  readDmMeta,
  readRevealLevel,
  readText,
  revealKey,
  RevealTargetSchema,
  TERRAIN_ID_MAX_CHARS,
  TEXT_FIELDS,
  TEXT_MAX_CHARS,
  type KnowledgeLevel,
  type TextField,
} from "../model.ts";
import { writeText } from "../text.ts";
import {
  ClockRecordSchema,
  CrawlMap,
  EntryIdSchema,
  PartyRecordSchema,
  ProgressRecordSchema,
  RollRecordSchema,
  StepRecordSchema,
  TableEntrySchema,
} from "../travel.ts";

/**
 * The campaign file (XCHG1–XCHG4 in SPEC.md): a whole DM document as versioned JSON — every hex field (text fields
 * as strings), landmarks, the knowledge level of every hex for every target (`*` or a player id), the map settings,
 * and the crawl (parties, positions, trail, clock, travel settings, tables, rolls). `exportCampaign` reads it from a
 * document, `importCampaign` writes it into one; export → import → export gives the same file (XCHG3).
 *
 * Readers never throw on a document: an invalid entry (a buggy or newer writer) is left out of the export, like
 * every other reader of the model skips it.
 */

/** The format name and version of our campaign file. A newer version is refused with a clear message. */
export const CAMPAIGN_FILE_FORMAT = "hexcrawl-campaign";
export const CAMPAIGN_FILE_VERSION = 1;

/** Most hexes one imported map may hold (every format): a bigger file is refused before anything is written. */
export const MAX_IMPORT_HEXES = 100_000;
/** Most reveal keys and crawl entries of one imported campaign file, each. */
export const MAX_IMPORT_ENTRIES = 200_000;

const text = (field: TextField) => z.string().min(1).max(TEXT_MAX_CHARS[field]);

/** One hex of the file: every field it has, nothing for the ones it has not. */
export const HexRecordSchema = z.strictObject({
  terrain: z.string().min(1).max(TERRAIN_ID_MAX_CHARS).optional(),
  label: text("label").optional(),
  notes: text("notes").optional(),
  dmNotes: text("dmNotes").optional(),
  rumour: text("rumour").optional(),
  explored: text("explored").optional(),
  landmark: z.literal(true).optional(),
});
export type HexRecord = z.infer<typeof HexRecordSchema>;

const TrailKeySchema = z.string().refine((k) => {
  const [p, s, extra] = k.split("|");
  return extra === undefined && EntryIdSchema.safeParse(p).success && EntryIdSchema.safeParse(s).success;
}, "not a trail key partyId|stepId");
const EncounterKeySchema = z.string().refine((k) => {
  const bar = k.indexOf("|");
  return bar > 0 && bar <= TERRAIN_ID_MAX_CHARS && EntryIdSchema.safeParse(k.slice(bar + 1)).success;
}, "not an encounter key terrain|entryId");
const TravelKeySchema = z.string().regex(/^[A-Za-z]{1,32}(:[^:|]{1,64})?$/);

function bounded<K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V) {
  return z.record(key, value).refine((r) => Object.keys(r).length <= MAX_IMPORT_ENTRIES, `more than ${MAX_IMPORT_ENTRIES} entries`);
}

/** The crawl part of the file: each DM map of travel.ts, entry by entry, as the document holds it. */
export const CrawlRecordSchema = z.strictObject({
  parties: bounded(EntryIdSchema, PartyRecordSchema),
  partyAt: bounded(EntryIdSchema, HexKeySchema),
  partyShownAt: bounded(EntryIdSchema, HexKeySchema),
  partyLost: bounded(EntryIdSchema, z.literal(true)),
  partyProgress: bounded(EntryIdSchema, ProgressRecordSchema),
  trail: bounded(TrailKeySchema, StepRecordSchema),
  clock: bounded(EntryIdSchema, ClockRecordSchema),
  travel: bounded(TravelKeySchema, z.number().finite()),
  encounters: bounded(EncounterKeySchema, TableEntrySchema),
  weather: bounded(EntryIdSchema, TableEntrySchema),
  rolls: bounded(EntryIdSchema, RollRecordSchema),
});
export type CrawlRecord = z.infer<typeof CrawlRecordSchema>;

/** The campaign file, version 1. */
export const CampaignFileSchema = z.strictObject({
  format: z.literal(CAMPAIGN_FILE_FORMAT),
  version: z.literal(CAMPAIGN_FILE_VERSION),
  exportedAt: z.iso.datetime(),
  name: MapNameSchema,
  settings: z.strictObject({
    broadcastMode: BroadcastModeSchema,
    orientation: OrientationSchema,
    hexSize: HexSizeSchema,
  }),
  /** The DM document's schema version when exported (informational: import writes the current one). */
  schemaVersion: z.number().int().min(0),
  hexes: z.record(HexKeySchema, HexRecordSchema).refine((r) => Object.keys(r).length <= MAX_IMPORT_HEXES, `more than ${MAX_IMPORT_HEXES} hexes`),
  /** hex → target (`*` or a player id) → level. */
  reveals: z
    .record(HexKeySchema, z.record(RevealTargetSchema, KnowledgeLevelSchema))
    .refine((r) => Object.keys(r).length <= MAX_IMPORT_HEXES, `more than ${MAX_IMPORT_HEXES} revealed hexes`),
  crawl: CrawlRecordSchema,
});
export type CampaignFile = z.infer<typeof CampaignFileSchema>;

/** The crawl maps in the file's order, with the schema of one value each (reading a document skips bad ones). */
const CRAWL_VALUES = {
  parties: { map: CrawlMap.parties, key: EntryIdSchema, value: PartyRecordSchema },
  partyAt: { map: CrawlMap.partyAt, key: EntryIdSchema, value: HexKeySchema },
  partyShownAt: { map: CrawlMap.partyShownAt, key: EntryIdSchema, value: HexKeySchema },
  partyLost: { map: CrawlMap.partyLost, key: EntryIdSchema, value: z.literal(true) },
  partyProgress: { map: CrawlMap.partyProgress, key: EntryIdSchema, value: ProgressRecordSchema },
  trail: { map: CrawlMap.trail, key: TrailKeySchema, value: StepRecordSchema },
  clock: { map: CrawlMap.clock, key: EntryIdSchema, value: ClockRecordSchema },
  travel: { map: CrawlMap.travel, key: TravelKeySchema, value: z.number().finite() },
  encounters: { map: CrawlMap.encounters, key: EncounterKeySchema, value: TableEntrySchema },
  weather: { map: CrawlMap.weather, key: EntryIdSchema, value: TableEntrySchema },
  rolls: { map: CrawlMap.rolls, key: EntryIdSchema, value: RollRecordSchema },
} as const satisfies Record<keyof CrawlRecord, { map: CrawlMap; key: z.ZodType<string>; value: z.ZodType }>;
const CRAWL_KEYS = Object.keys(CRAWL_VALUES) as Array<keyof CrawlRecord>;

function sortedRecord<T>(entries: Iterable<[string, T]>, compare: (a: string, b: string) => number = (a, b) => (a < b ? -1 : a > b ? 1 : 0)): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of [...entries].sort(([a], [b]) => compare(a, b))) out[k] = v;
  return out;
}

/** An empty crawl part. */
export function emptyCrawl(): CrawlRecord {
  return { parties: {}, partyAt: {}, partyShownAt: {}, partyLost: {}, partyProgress: {}, trail: {}, clock: {}, travel: {}, encounters: {}, weather: {}, rolls: {} };
}

/**
 * The whole DM document as a campaign file. Hexes, reveals and crawl entries are sorted, so two exports of equal
 * documents are equal strings but for `exportedAt`.
 */
export function exportCampaign(doc: Y.Doc, now: Date = new Date()): CampaignFile {
  const meta = readDmMeta(doc);
  const hexes = new Map<HexKey, HexRecord>();
  const hexOf = (hex: HexKey): HexRecord => {
    let h = hexes.get(hex);
    if (!h) hexes.set(hex, (h = {}));
    return h;
  };
  doc.getMap<unknown>(DmMap.terrain).forEach((value, hex) => {
    if (parseHexKey(hex) === null) return;
    const t = readText(value);
    if (t !== undefined && t.length <= TERRAIN_ID_MAX_CHARS) hexOf(hex).terrain = t;
  });
  for (const field of TEXT_FIELDS) {
    doc.getMap<unknown>(field).forEach((value, hex) => {
      if (parseHexKey(hex) === null) return;
      const t = readText(value);
      if (t !== undefined && t.length <= TEXT_MAX_CHARS[field]) hexOf(hex)[field] = t;
    });
  }
  doc.getMap<unknown>(DmMap.landmark).forEach((value, hex) => {
    if (value === true && parseHexKey(hex) !== null) hexOf(hex).landmark = true;
  });
  const reveals = new Map<HexKey, Map<string, KnowledgeLevel>>();
  doc.getMap<unknown>(DmMap.reveals).forEach((value, key) => {
    const parsed = parseRevealKey(key);
    const level = readRevealLevel(value);
    if (!parsed || !level) return;
    let targets = reveals.get(parsed.hex);
    if (!targets) reveals.set(parsed.hex, (targets = new Map()));
    targets.set(parsed.target, level);
  });
  const crawl = emptyCrawl();
  for (const name of CRAWL_KEYS) {
    const spec = CRAWL_VALUES[name];
    const entries: Array<[string, unknown]> = [];
    doc.getMap<unknown>(spec.map).forEach((value, key) => {
      if (!spec.key.safeParse(key).success) return;
      const v = spec.value.safeParse(value);
      if (v.success) entries.push([key, v.data]);
    });
    (crawl as Record<string, Record<string, unknown>>)[name] = sortedRecord(entries);
  }
  return {
    format: CAMPAIGN_FILE_FORMAT,
    version: CAMPAIGN_FILE_VERSION,
    exportedAt: now.toISOString(),
    name: meta.name || "Untitled map",
    settings: { broadcastMode: meta.broadcastMode, orientation: meta.orientation, hexSize: meta.hexSize },
    schemaVersion: meta.schemaVersion,
    hexes: sortedRecord(hexes, compareHexKeys),
    reveals: sortedRecord(
      [...reveals].map(([hex, targets]) => [hex, sortedRecord(targets)] as [string, Record<string, KnowledgeLevel>]),
      compareHexKeys,
    ),
    crawl,
  };
}

/** A campaign file's problem, for the importer's 400. */
export class CampaignFileError extends Error {
  override readonly name = "CampaignFileError";
}

/** Parse untrusted JSON as a campaign file: a clear error for another format, a newer version or a bad entry. */
export function parseCampaignFile(value: unknown): CampaignFile {
  if (typeof value === "object" && value !== null && "format" in value && value.format === CAMPAIGN_FILE_FORMAT && "version" in value) {
    const v = value.version;
    if (typeof v === "number" && v > CAMPAIGN_FILE_VERSION) {
      throw new CampaignFileError(`This campaign file is version ${v}; this server reads version ${CAMPAIGN_FILE_VERSION}. Update the server.`);
    }
  } else {
    throw new CampaignFileError(`Not a Hex Crawl campaign file (expected format "${CAMPAIGN_FILE_FORMAT}")`);
  }
  const parsed = CampaignFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CampaignFileError(`Bad campaign file at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** What an import wrote (or, for a preview, would write). */
export interface ImportCounts {
  hexes: number;
  terrain: number;
  label: number;
  notes: number;
  dmNotes: number;
  rumour: number;
  explored: number;
  landmark: number;
  reveals: number;
  crawlEntries: number;
}

/** Count what a file holds. */
export function countCampaignFile(file: CampaignFile): ImportCounts {
  const c: ImportCounts = { hexes: 0, terrain: 0, label: 0, notes: 0, dmNotes: 0, rumour: 0, explored: 0, landmark: 0, reveals: 0, crawlEntries: 0 };
  for (const h of Object.values(file.hexes)) {
    c.hexes++;
    if (h.terrain !== undefined) c.terrain++;
    for (const f of TEXT_FIELDS) if (h[f] !== undefined) c[f]++;
    if (h.landmark) c.landmark++;
  }
  for (const t of Object.values(file.reveals)) c.reveals += Object.keys(t).length;
  for (const name of CRAWL_KEYS) c.crawlEntries += Object.keys(file.crawl[name]).length;
  return c;
}

/**
 * Write a campaign file into a DM document, in one transaction with `origin`: every hex field (text fields as
 * Y.Text, edited in place when one exists), landmarks, reveals, settings and crawl entries. Keys the file does not
 * hold are left alone, so importing into a fresh document gives exactly the file, and into an existing one adds
 * and updates (the caller previews that with `previewMerge`). `name` replaces the map name when given.
 * Player ids in reveals and parties are written as they are: a new campaign's DMs re-invite players, and the
 * reveals keyed by old ids stay inert until a member with that id exists.
 */
export function importCampaign(doc: Y.Doc, file: CampaignFile, origin?: unknown, opts: { name?: string } = {}): void {
  doc.transact(() => {
    const meta = doc.getMap<unknown>(DmMap.meta);
    const name = (opts.name ?? file.name).slice(0, MAP_NAME_MAX_CHARS);
    if (name && meta.get(MetaKey.name) !== name) meta.set(MetaKey.name, name);
    for (const [k, v] of Object.entries(file.settings)) if (meta.get(k) !== v) meta.set(k, v);
    const terrain = doc.getMap<unknown>(DmMap.terrain);
    const landmark = doc.getMap<unknown>(DmMap.landmark);
    const texts = Object.fromEntries(TEXT_FIELDS.map((f) => [f, doc.getMap<unknown>(f)])) as Record<TextField, Y.Map<unknown>>;
    for (const [hex, h] of Object.entries(file.hexes)) {
      if (h.terrain !== undefined && terrain.get(hex) !== h.terrain) terrain.set(hex, h.terrain);
      for (const f of TEXT_FIELDS) {
        const v = h[f];
        if (v !== undefined && readText(texts[f].get(hex)) !== v) writeText(texts[f], hex, v);
      }
      if (h.landmark && landmark.get(hex) !== true) landmark.set(hex, true);
    }
    const reveals = doc.getMap<unknown>(DmMap.reveals);
    for (const [hex, targets] of Object.entries(file.reveals)) {
      for (const [target, level] of Object.entries(targets)) {
        const key = revealKey(hex, target);
        if (reveals.get(key) !== level) reveals.set(key, level);
      }
    }
    for (const name of CRAWL_KEYS) {
      const map = doc.getMap<unknown>(CRAWL_VALUES[name].map);
      for (const [key, value] of Object.entries(file.crawl[name] as Record<string, unknown>)) {
        if (JSON.stringify(map.get(key)) !== JSON.stringify(value)) map.set(key, value);
      }
    }
  }, origin);
}

/** One field of one hex an import into an existing campaign would change. */
export interface MergeChange {
  hex: HexKey;
  field: "terrain" | TextField | "landmark" | `reveal:${string}`;
  /** null: the field is empty now (the import adds it). */
  before: string | null;
  after: string;
}

/** What importing a file into an existing DM document would do (XCHG6): additions, and fields it would replace. */
export interface MergePreview {
  added: number;
  changed: number;
  unchanged: number;
  /** Every replaced value (nothing is overwritten silently), then the additions; at most `limit`. */
  changes: MergeChange[];
}

/** Preview `importCampaign(doc, file)` on an existing document, without writing anything. */
export function previewMerge(doc: Y.Doc, file: CampaignFile, limit = 500): MergePreview {
  const replaced: MergeChange[] = [];
  const added: MergeChange[] = [];
  let unchanged = 0;
  const note = (hex: HexKey, field: MergeChange["field"], before: string | null, after: string) => {
    if (before === after) unchanged++;
    else (before === null ? added : replaced).push({ hex, field, before, after });
  };
  for (const [hex, h] of Object.entries(file.hexes)) {
    if (h.terrain !== undefined) note(hex, "terrain", readText(doc.getMap<unknown>(DmMap.terrain).get(hex)) ?? null, h.terrain);
    for (const f of TEXT_FIELDS) {
      const v = h[f];
      if (v !== undefined) note(hex, f, readText(doc.getMap<unknown>(f).get(hex)) ?? null, v);
    }
    if (h.landmark) note(hex, "landmark", doc.getMap<unknown>(DmMap.landmark).get(hex) === true ? "true" : null, "true");
  }
  const reveals = doc.getMap<unknown>(DmMap.reveals);
  for (const [hex, targets] of Object.entries(file.reveals)) {
    for (const [target, level] of Object.entries(targets)) note(hex, `reveal:${target}`, readRevealLevel(reveals.get(revealKey(hex, target))), level);
  }
  return { added: added.length, changed: replaced.length, unchanged, changes: [...replaced, ...added].slice(0, limit) };
}

/** A fresh, empty campaign file (the base of the other formats' imports). */
export function emptyCampaignFile(name: string, now: Date = new Date()): CampaignFile {
  return {
    format: CAMPAIGN_FILE_FORMAT,
    version: CAMPAIGN_FILE_VERSION,
    exportedAt: now.toISOString(),
    name: name.slice(0, MAP_NAME_MAX_CHARS) || "Imported map",
    settings: { broadcastMode: "staged", orientation: "pointy", hexSize: 32 },
    schemaVersion: 0,
    hexes: {},
    reveals: {},
    crawl: emptyCrawl(),
  };
}

/** Player ids a file mentions (reveal targets and party members), for the importer's report. */
export function playerIdsOf(file: CampaignFile): string[] {
  const ids = new Set<string>();
  for (const targets of Object.values(file.reveals)) for (const t of Object.keys(targets)) if (t !== "*" && IdSchema.safeParse(t).success) ids.add(t);
  for (const p of Object.values(file.crawl.parties)) for (const m of p.members) ids.add(m);
  return [...ids].sort();
}
