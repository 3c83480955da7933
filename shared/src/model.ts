import * as Y from "yjs";
import { z } from "zod";
import { ID_RE, IdSchema } from "./docNames.ts";
import { Orientation, OrientationSchema, parseHexKey, type HexKey } from "./hex.ts";
import { writeText } from "./text.ts";

/**
 * The document model (MODEL1–MODEL12 in SPEC.md): names of the top-level Yjs types, key formats, knowledge
 * levels, the terrain palette, and small mutating helpers.
 *
 * Every per-hex field is its own flat top-level Y.Map keyed by hex so two DMs editing different fields of one hex
 * both win, and no nested Y.Map is ever created on the fly (concurrent creation of the same nested map loses one
 * side). Text fields hold Y.Text values so DMs co-edit them character by character (text.ts).
 */

/** Top-level types of the DM document. */
export const DmMap = {
  meta: "meta",
  terrain: "terrain",
  label: "label",
  notes: "notes",
  dmNotes: "dmNotes",
  rumour: "rumour",
  explored: "explored",
  landmark: "landmark",
  reveals: "reveals",
} as const;
export type DmMap = (typeof DmMap)[keyof typeof DmMap];

/** Top-level types of a player (or party) document. Nothing else may appear in one. */
export const PlayerMap = {
  meta: "meta",
  terrain: "terrain",
  label: "label",
  notes: "notes",
  rumour: "rumour",
  explored: "explored",
  session: "session",
  /** The crawl (crawlProjection.ts): parties' shown markers, the player's trail, the clock. */
  parties: "parties",
  trail: "trail",
  clock: "clock",
} as const;
export type PlayerMap = (typeof PlayerMap)[keyof typeof PlayerMap];

/** Per-hex fields a player may see, in a fixed order. `dmNotes` is deliberately absent. */
export const HEX_FIELDS = ["terrain", "label", "notes", "rumour", "explored"] as const;
export type HexField = (typeof HEX_FIELDS)[number];

/** The DM document's text fields: Y.Text values (legacy plain strings are read and converted on first edit). */
export const TEXT_FIELDS = ["label", "notes", "dmNotes", "rumour", "explored"] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/**
 * The DM maps whose change can change what a player sees of a hex: the visible fields, and `landmark` (it
 * decides whether a hex's name is seen from afar). Reveals are watched apart (their keys are `"hex|target"`).
 */
export const PROJECTION_INPUTS = [...HEX_FIELDS, DmMap.landmark] as const;

/**
 * What a player knows of a hex, lowest first (MODEL10). A player's level for a hex is the higher of its `*`
 * level and their own.
 */
export const KnowledgeLevel = { rumoured: "rumoured", seen: "seen", visited: "visited", explored: "explored" } as const;
export type KnowledgeLevel = (typeof KnowledgeLevel)[keyof typeof KnowledgeLevel];
export const KNOWLEDGE_LEVELS: readonly KnowledgeLevel[] = ["rumoured", "seen", "visited", "explored"];
export const KnowledgeLevelSchema = z.enum(["rumoured", "seen", "visited", "explored"]);

/** 1…4 for the levels in order; 0 for "not known". */
export function levelRank(level: KnowledgeLevel | null | undefined): number {
  return level ? KNOWLEDGE_LEVELS.indexOf(level) + 1 : 0;
}

/** The higher of two levels (null = not known). */
export function maxLevel(a: KnowledgeLevel | null | undefined, b: KnowledgeLevel | null | undefined): KnowledgeLevel | null {
  return levelRank(a) >= levelRank(b) ? (a ?? null) : (b ?? null);
}

/**
 * The level a reveal value stands for: a level name, or legacy `true` (before levels) which means `visited`.
 * Anything else reveals nothing.
 */
export function readRevealLevel(value: unknown): KnowledgeLevel | null {
  if (value === true) return KnowledgeLevel.visited;
  // A plain lookup, not a schema parse: this runs for every reveal key on every DM edit and publish, and a failed
  // parse (a deleted key reads as undefined) costs an exception-shaped object each time (bench profile).
  return typeof value === "string" && (KNOWLEDGE_LEVELS as readonly string[]).includes(value) ? (value as KnowledgeLevel) : null;
}

/**
 * The lowest level at which each field reaches a player (MODEL11). `label` is seen from afar (at `seen`) when the
 * hex is a landmark.
 */
export const FIELD_LEVEL: Readonly<Record<HexField, KnowledgeLevel>> = {
  rumour: "rumoured",
  terrain: "seen",
  label: "visited",
  notes: "visited",
  explored: "explored",
};

/**
 * The field that is always present in a player's view at each level — empty when the DM wrote nothing — so a
 * player document says what level the player has without any other key (MODEL12, PROJ16): a rumour without text
 * is still "you heard of it", an explored hex without findings still "searched, nothing more".
 */
export const MARKER_FIELD: Readonly<Record<KnowledgeLevel, HexField>> = {
  rumoured: "rumour",
  seen: "terrain",
  visited: "notes",
  explored: "explored",
};

/** Keys of the `meta` map. `generation` is only used in player documents. */
export const MetaKey = {
  name: "name",
  schemaVersion: "schemaVersion",
  broadcastMode: "broadcastMode",
  orientation: "orientation",
  hexSize: "hexSize",
  generation: "generation",
} as const;
export type MetaKey = (typeof MetaKey)[keyof typeof MetaKey];

/** Keys of a player document's `meta` map. */
export const PLAYER_META_KEYS = [
  MetaKey.name,
  MetaKey.orientation,
  MetaKey.hexSize,
  MetaKey.generation,
  MetaKey.schemaVersion,
] as const;

/** Keys of a player document's `session` map. */
export const SessionKey = { status: "status", updatedAt: "updatedAt" } as const;
export type SessionKey = (typeof SessionKey)[keyof typeof SessionKey];

/** `staged`: the DM reviews pending changes and publishes; `immediate`: the server publishes as the DM edits. */
export const BroadcastMode = { staged: "staged", immediate: "immediate" } as const;
export type BroadcastMode = (typeof BroadcastMode)[keyof typeof BroadcastMode];
export const BroadcastModeSchema = z.enum(["staged", "immediate"]);

/** Hex size (centre-to-corner, pixels) bounds and default. */
export const HEX_SIZE_MIN_PX = 8;
export const HEX_SIZE_MAX_PX = 256;
export const HEX_SIZE_DEFAULT_PX = 32;
export const HexSizeSchema = z.number().int().min(HEX_SIZE_MIN_PX).max(HEX_SIZE_MAX_PX);

/** Longest map name. */
export const MAP_NAME_MAX_CHARS = 200;
export const MapNameSchema = z.string().min(1).max(MAP_NAME_MAX_CHARS);

/** Meta defaults of a new DM document (schemaVersion is stamped by migrateDmDoc). */
export const DM_META_DEFAULTS = {
  broadcastMode: BroadcastMode.staged,
  orientation: Orientation.pointy,
  hexSize: HEX_SIZE_DEFAULT_PX,
} as const;

/** Reveal target meaning "every player of the campaign". */
export const ALL_PLAYERS = "*";

/** A reveal target: a player's userId or ALL_PLAYERS. */
export const RevealTargetSchema = z.union([z.literal(ALL_PLAYERS), IdSchema]);

/** Reveal-map key `"q,r|target"`. */
export function revealKey(hex: HexKey, target: string): string {
  return `${hex}|${target}`;
}

/** Parse a reveal-map key; `null` when the hex or the target is malformed (such keys reveal nothing). */
export function parseRevealKey(key: string): { readonly hex: HexKey; readonly target: string } | null {
  if (typeof key !== "string" || key.length > 13 + 1 + 64) return null;
  // Every publish indexes every reveal key of the map (20,000 keys with 200 players revealed 100 hexes each):
  // remember the parse. Bounded: cleared when full.
  const cached = revealKeyCache.get(key);
  if (cached !== undefined) return cached;
  const parsed = parseRevealKeyUncached(key);
  if (revealKeyCache.size >= REVEAL_KEY_CACHE_MAX) revealKeyCache.clear();
  revealKeyCache.set(key, parsed);
  return parsed;
}

const REVEAL_KEY_CACHE_MAX = 200_000;
const revealKeyCache = new Map<string, { readonly hex: HexKey; readonly target: string } | null>();

function parseRevealKeyUncached(key: string): { hex: HexKey; target: string } | null {
  const bar = key.indexOf("|");
  if (bar < 0) return null;
  const hex = key.slice(0, bar);
  const target = key.slice(bar + 1);
  if (parseHexKey(hex) === null) return null;
  // Same rule as RevealTargetSchema, without zod: this runs for every reveal key on every publish.
  if (target !== ALL_PLAYERS && !ID_RE.test(target)) return null;
  return { hex, target };
}

/** The terrain palette. Ids are stored in documents: never rename one, add new ones at the end. */
export const TERRAINS = [
  { id: "plains", name: "Plains", colour: "#c8d98a" },
  { id: "forest", name: "Forest", colour: "#3f7d3a" },
  { id: "jungle", name: "Jungle", colour: "#1f5e2e" },
  { id: "hills", name: "Hills", colour: "#a89160" },
  { id: "mountains", name: "Mountains", colour: "#7d7468" },
  { id: "swamp", name: "Swamp", colour: "#5d6b45" },
  { id: "desert", name: "Desert", colour: "#e3c67b" },
  { id: "tundra", name: "Tundra", colour: "#dfe8ec" },
  { id: "water", name: "Water", colour: "#4a7fb5" },
  { id: "settlement", name: "Settlement", colour: "#b5544a" },
] as const;
export type TerrainId = (typeof TERRAINS)[number]["id"];
export const TERRAIN_IDS: readonly TerrainId[] = TERRAINS.map((t) => t.id);

/** True for an id of the palette. Unknown ids (from a newer client) are still stored and projected. */
export function isTerrainId(id: unknown): id is TerrainId {
  return typeof id === "string" && (TERRAIN_IDS as readonly string[]).includes(id);
}

/** The palette entry of a terrain id, or undefined for an unknown id. */
export function terrainInfo(id: string): (typeof TERRAINS)[number] | undefined {
  return TERRAINS.find((t) => t.id === id);
}

/** Longest label / notes / dmNotes / rumour / explored text a helper will write (characters). */
export const LABEL_MAX_CHARS = 200;
export const NOTES_MAX_CHARS = 20_000;
/** Longest text per field (the writers refuse more). */
export const TEXT_MAX_CHARS: Readonly<Record<TextField, number>> = {
  label: LABEL_MAX_CHARS,
  notes: NOTES_MAX_CHARS,
  dmNotes: NOTES_MAX_CHARS,
  rumour: NOTES_MAX_CHARS,
  explored: NOTES_MAX_CHARS,
};

/**
 * True when a Y.Map holds no live entry. Never `Y.Map.size` in a hot path: it builds an array of every entry (it
 * was 3 % of a publish bench's server CPU, called per player per publish).
 */
export function mapIsEmpty(map: Y.Map<unknown>): boolean {
  return map.keys().next().done === true;
}

/** The number of live entries of a Y.Map, counted without the array `Y.Map.size` builds. */
export function mapSize(map: Y.Map<unknown>): number {
  let n = 0;
  for (const item of map._map.values()) if (!item.deleted) n += 1;
  return n;
}

/**
 * Read a text field that may be a plain string or a Y.Text. Anything else (numbers, nested maps from a
 * buggy writer) and the empty string read as `undefined`, so "absent" has one representation.
 */
export function readText(value: unknown): string | undefined {
  let s: string | undefined;
  if (typeof value === "string") s = value;
  else if (value instanceof Y.Text) s = value.toString();
  return s === undefined || s === "" ? undefined : s;
}

/**
 * Read a player-document value as it was written: a string, the empty string included (an empty marker field,
 * MARKER_FIELD). Y.Text (never written there, but a reader never throws) reads as its text; anything else is
 * absent.
 */
export function readPlain(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value instanceof Y.Text) return value.toString();
  return undefined;
}

/** The typed top-level maps of a DM document. */
export function dmMaps(doc: Y.Doc) {
  return {
    meta: doc.getMap<unknown>(DmMap.meta),
    terrain: doc.getMap<unknown>(DmMap.terrain),
    label: doc.getMap<unknown>(DmMap.label),
    notes: doc.getMap<unknown>(DmMap.notes),
    dmNotes: doc.getMap<unknown>(DmMap.dmNotes),
    rumour: doc.getMap<unknown>(DmMap.rumour),
    explored: doc.getMap<unknown>(DmMap.explored),
    landmark: doc.getMap<unknown>(DmMap.landmark),
    reveals: doc.getMap<unknown>(DmMap.reveals),
  };
}

/** The typed top-level maps of a player (or party) document. */
export function playerMaps(doc: Y.Doc) {
  return {
    meta: doc.getMap<unknown>(PlayerMap.meta),
    terrain: doc.getMap<unknown>(PlayerMap.terrain),
    label: doc.getMap<unknown>(PlayerMap.label),
    notes: doc.getMap<unknown>(PlayerMap.notes),
    rumour: doc.getMap<unknown>(PlayerMap.rumour),
    explored: doc.getMap<unknown>(PlayerMap.explored),
    session: doc.getMap<unknown>(PlayerMap.session),
  };
}

/**
 * Set meta defaults on a DM document, each only if absent (so a late or concurrent init never
 * overwrites a DM's choice). Does not stamp schemaVersion: call `migrateDmDoc` (or `ensureDmDoc`).
 */
export function initDmDoc(doc: Y.Doc, opts: { name: string }, origin?: unknown): void {
  const { meta } = dmMaps(doc);
  doc.transact(() => {
    if (!meta.has(MetaKey.name)) meta.set(MetaKey.name, opts.name.slice(0, MAP_NAME_MAX_CHARS));
    for (const [k, v] of Object.entries(DM_META_DEFAULTS)) if (!meta.has(k)) meta.set(k, v);
  }, origin);
}

/** Settings read from a DM document's meta, with defaults for missing or invalid values. */
export interface DmMeta {
  name: string;
  schemaVersion: number;
  broadcastMode: BroadcastMode;
  orientation: Orientation;
  hexSize: number;
}

/** Read a DM document's meta; invalid values fall back to defaults (a reader never throws on a doc). */
export function readDmMeta(doc: Y.Doc): DmMeta {
  const { meta } = dmMaps(doc);
  const name = MapNameSchema.safeParse(meta.get(MetaKey.name));
  const sv = meta.get(MetaKey.schemaVersion);
  const mode = BroadcastModeSchema.safeParse(meta.get(MetaKey.broadcastMode));
  const orient = OrientationSchema.safeParse(meta.get(MetaKey.orientation));
  const size = HexSizeSchema.safeParse(meta.get(MetaKey.hexSize));
  return {
    name: name.success ? name.data : "",
    schemaVersion: typeof sv === "number" && Number.isSafeInteger(sv) && sv >= 0 ? sv : 0,
    broadcastMode: mode.success ? mode.data : DM_META_DEFAULTS.broadcastMode,
    orientation: orient.success ? orient.data : DM_META_DEFAULTS.orientation,
    hexSize: size.success ? size.data : DM_META_DEFAULTS.hexSize,
  };
}

/** Set one DM meta setting (validated). */
export function setDmSetting(
  doc: Y.Doc,
  key: "name" | "broadcastMode" | "orientation" | "hexSize",
  value: string | number,
  origin?: unknown,
): void {
  const schema = {
    name: MapNameSchema,
    broadcastMode: BroadcastModeSchema,
    orientation: OrientationSchema,
    hexSize: HexSizeSchema,
  }[key];
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RangeError(`bad ${key}: ${String(value)}`);
  const { meta } = dmMaps(doc);
  if (meta.get(key) !== parsed.data) doc.transact(() => meta.set(key, parsed.data), origin);
}

function assertHex(hex: HexKey): void {
  if (parseHexKey(hex) === null) throw new RangeError(`not a hex key: ${String(hex)}`);
}

/** Longest terrain id. */
export const TERRAIN_ID_MAX_CHARS = 64;

/** Set a hex's terrain id; undefined or "" removes it. */
export function setTerrain(doc: Y.Doc, hex: HexKey, terrain: string | undefined, origin?: unknown): void {
  assertHex(hex);
  if (terrain !== undefined && terrain.length > TERRAIN_ID_MAX_CHARS) throw new RangeError(`terrain longer than ${TERRAIN_ID_MAX_CHARS}`);
  const map = doc.getMap<unknown>(DmMap.terrain);
  const value = terrain === "" ? undefined : terrain;
  if (value === undefined ? !map.has(hex) : map.get(hex) === value) return;
  doc.transact(() => (value === undefined ? map.delete(hex) : map.set(hex, value)), origin);
}

/**
 * Set one text field of a hex (TEXT_FIELDS); undefined or "" removes it. An existing Y.Text is edited in place with
 * the smallest change, so co-editors keep their cursors and concurrent typing merges (text.ts).
 */
export function setText(doc: Y.Doc, field: TextField, hex: HexKey, value: string | undefined, origin?: unknown): void {
  assertHex(hex);
  const max = TEXT_MAX_CHARS[field];
  if (value !== undefined && value.length > max) throw new RangeError(`${field} longer than ${max}`);
  doc.transact(() => writeText(doc.getMap<unknown>(field), hex, value), origin);
}

/** Set a hex's player-visible name (seen from afar when it is a landmark). */
export function setLabel(doc: Y.Doc, hex: HexKey, label: string | undefined, origin?: unknown): void {
  setText(doc, "label", hex, label, origin);
}

/** Set a hex's player-visible notes (what a visit shows). */
export function setNotes(doc: Y.Doc, hex: HexKey, notes: string | undefined, origin?: unknown): void {
  setText(doc, "notes", hex, notes, origin);
}

/** Set a hex's DM-only secret notes. Never projected. */
export function setDmNotes(doc: Y.Doc, hex: HexKey, notes: string | undefined, origin?: unknown): void {
  setText(doc, "dmNotes", hex, notes, origin);
}

/** Set what players have heard of a hex before they see it (from level `rumoured`). */
export function setRumour(doc: Y.Doc, hex: HexKey, rumour: string | undefined, origin?: unknown): void {
  setText(doc, "rumour", hex, rumour, origin);
}

/** Set what a thorough search of a hex finds (only at level `explored`). */
export function setExplored(doc: Y.Doc, hex: HexKey, explored: string | undefined, origin?: unknown): void {
  setText(doc, "explored", hex, explored, origin);
}

/** Mark a hex as a landmark (its name is seen from afar, at level `seen`) or not. */
export function setLandmark(doc: Y.Doc, hex: HexKey, on: boolean, origin?: unknown): void {
  assertHex(hex);
  const map = doc.getMap<unknown>(DmMap.landmark);
  if (on === (map.get(hex) === true)) return;
  doc.transact(() => (on ? map.set(hex, true) : map.delete(hex)), origin);
}

/** True when the hex is a landmark. */
export function isLandmark(doc: Y.Doc, hex: HexKey): boolean {
  return doc.getMap<unknown>(DmMap.landmark).get(hex) === true;
}

/**
 * Reveal a hex to one player (userId) or to every player (ALL_PLAYERS) at `level` (default `visited`). Setting a
 * lower level than before lowers it: what the player saw above it goes away at the next publish.
 */
export function reveal(doc: Y.Doc, hex: HexKey, target: string, origin?: unknown, level: KnowledgeLevel = KnowledgeLevel.visited): void {
  assertHex(hex);
  if (!RevealTargetSchema.safeParse(target).success) throw new RangeError(`bad reveal target ${target}`);
  if (!KnowledgeLevelSchema.safeParse(level).success) throw new RangeError(`bad level ${String(level)}`);
  const { reveals } = dmMaps(doc);
  const key = revealKey(hex, target);
  if (reveals.get(key) !== level) doc.transact(() => reveals.set(key, level), origin);
}

/**
 * Hide a hex. With a target, removes only that reveal key (a hex revealed to ALL_PLAYERS stays visible
 * to that player). Without a target, removes every reveal key of the hex: hidden from everyone.
 */
export function hide(doc: Y.Doc, hex: HexKey, target?: string, origin?: unknown): void {
  assertHex(hex);
  const { reveals } = dmMaps(doc);
  const keys =
    target === undefined ? revealKeysOfHex(doc, hex) : reveals.has(revealKey(hex, target)) ? [revealKey(hex, target)] : [];
  if (keys.length === 0) return;
  doc.transact(() => {
    for (const k of keys) reveals.delete(k);
  }, origin);
}

/** Every reveal key of one hex (valid or not), sorted. */
export function revealKeysOfHex(doc: Y.Doc, hex: HexKey): string[] {
  const prefix = `${hex}|`;
  const out: string[] = [];
  for (const k of dmMaps(doc).reveals.keys()) if (k.startsWith(prefix)) out.push(k);
  return out.sort();
}

/** The level a player has for a hex: the higher of its `*` level and their own (null: not revealed to them). */
export function levelFor(doc: Y.Doc, hex: HexKey, playerId: string): KnowledgeLevel | null {
  const { reveals } = dmMaps(doc);
  const all = readRevealLevel(reveals.get(revealKey(hex, ALL_PLAYERS)));
  return playerId === ALL_PLAYERS ? all : maxLevel(all, readRevealLevel(reveals.get(revealKey(hex, playerId))));
}

/** True if the hex is revealed to that player at any level, directly or through ALL_PLAYERS. */
export function isRevealedTo(doc: Y.Doc, hex: HexKey, playerId: string): boolean {
  return levelFor(doc, hex, playerId) !== null;
}

/** Player-document meta the server copies from the DM document. */
export interface PlayerMeta {
  name: string;
  orientation: Orientation;
  hexSize: number;
}

/** The part of a DM document's meta that players see. */
export function projectPlayerMeta(dmDoc: Y.Doc): PlayerMeta {
  const m = readDmMeta(dmDoc);
  return { name: m.name, orientation: m.orientation, hexSize: m.hexSize };
}

/** Player document generation bounds: bumped when a player document must be rebuilt. */
export const GenerationSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Read a player document's meta (defaults for missing values; generation 0 when absent). */
export function readPlayerMeta(doc: Y.Doc): PlayerMeta & { generation: number; schemaVersion: number } {
  const { meta } = playerMaps(doc);
  const name = MapNameSchema.safeParse(meta.get(MetaKey.name));
  const orient = OrientationSchema.safeParse(meta.get(MetaKey.orientation));
  const size = HexSizeSchema.safeParse(meta.get(MetaKey.hexSize));
  const gen = GenerationSchema.safeParse(meta.get(MetaKey.generation));
  const sv = GenerationSchema.safeParse(meta.get(MetaKey.schemaVersion));
  return {
    name: name.success ? name.data : "",
    orientation: orient.success ? orient.data : DM_META_DEFAULTS.orientation,
    hexSize: size.success ? size.data : DM_META_DEFAULTS.hexSize,
    generation: gen.success ? gen.data : 0,
    schemaVersion: sv.success ? sv.data : 0,
  };
}

/**
 * Write player meta, only the keys that differ, in one transaction with `origin`.
 * Returns true if anything changed.
 */
export function applyPlayerMeta(
  playerDoc: Y.Doc,
  values: Partial<PlayerMeta & { generation: number; schemaVersion: number }>,
  origin: unknown,
): boolean {
  const { meta } = playerMaps(playerDoc);
  const changes = Object.entries(values).filter(
    ([k, v]) => v !== undefined && (PLAYER_META_KEYS as readonly string[]).includes(k) && meta.get(k) !== v,
  );
  if (changes.length === 0) return false;
  playerDoc.transact(() => {
    for (const [k, v] of changes) meta.set(k, v);
  }, origin);
  return true;
}
