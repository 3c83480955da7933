import type * as Y from "yjs";
import { compareHexKeys, parseHexKey, type HexKey } from "./hex.ts";
import {
  ALL_PLAYERS,
  dmMaps,
  FIELD_LEVEL,
  HEX_FIELDS,
  KNOWLEDGE_LEVELS,
  levelRank,
  MARKER_FIELD,
  maxLevel,
  parseRevealKey,
  playerMaps,
  readPlain,
  readRevealLevel,
  readText,
  revealKey,
  type HexField,
  type KnowledgeLevel,
} from "./model.ts";
import { writeText } from "./text.ts";

/**
 * The projection (PROJ1–PROJ20 in SPEC.md): the pure function from the DM document to what one player may see,
 * and the minimal writes that bring a player document to it.
 *
 * Knowledge levels (MODEL10–MODEL12): a player's level for a hex is the higher of its `*` level and their own;
 * the fields they get are those at or below that level (FIELD_LEVEL; a landmark's name from `seen`), and the
 * level's marker field (MARKER_FIELD) is always present, empty when the DM wrote nothing — so the view says the
 * level, and `levelOfView` reads it back.
 *
 * Invariant (PROJ9): for every DM document `dm`, player `p` and player document `pd` (written only by
 * `applyView`),
 *
 *     applyView(pd, project(dm, p), { origin });
 *     readPlayerView(pd)  deep-equals  project(dm, p)
 *
 * and `applyView` with `hexes` makes that hold for those hexes while leaving every other hex as it was.
 */

/**
 * What a player sees of one hex: plain strings. A field is absent when it is above the player's level or empty —
 * except the marker field of their level, which is present (maybe "").
 */
export type HexView = { terrain?: string; label?: string; notes?: string; rumour?: string; explored?: string };

/** What a player sees: hex key -> view. Every revealed hex has a view (its marker field at least). */
export type PlayerView = Map<HexKey, HexView>;

/** One difference between a player's published view and the projection. */
export interface PendingChange {
  hex: HexKey;
  /** reveal: the player does not have the hex yet; update: fields (or the level) differ; hide: the player will lose it. */
  kind: "reveal" | "update" | "hide";
  before?: HexView;
  after?: HexView;
}

/** Field-wise equality of two views (absent and undefined are the same; "" is a value). */
export function hexViewEqual(a: HexView | undefined, b: HexView | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return HEX_FIELDS.every((f) => a[f] === b[f]);
}

/** Equality of two whole views. */
export function viewsEqual(a: PlayerView, b: PlayerView): boolean {
  if (a.size !== b.size) return false;
  for (const [hex, v] of a) if (!hexViewEqual(v, b.get(hex))) return false;
  return true;
}

/** The level a view shows: the highest level whose marker field it holds (null for an empty view). */
export function levelOfView(view: HexView | undefined): KnowledgeLevel | null {
  if (!view) return null;
  for (let i = KNOWLEDGE_LEVELS.length - 1; i >= 0; i--) {
    const level = KNOWLEDGE_LEVELS[i] as KnowledgeLevel;
    if (view[MARKER_FIELD[level]] !== undefined) return level;
  }
  return null;
}

/** True when `field` reaches a player at `level` (a landmark's label from `seen`). */
export function fieldVisible(field: HexField, level: KnowledgeLevel, landmark: boolean): boolean {
  const needed = field === "label" && landmark ? "seen" : FIELD_LEVEL[field];
  return levelRank(level) >= levelRank(needed);
}

/**
 * Views of DM hexes computed during one publish or pending list, by level then hex (PROJ19). A publish to N players
 * at the same level reads each hex's fields (Y.Text strings included) once instead of N times. Valid only while the
 * DM document does not change: make a new one per publish. The views are shared: never mutate them.
 */
export type HexViewCache = Map<KnowledgeLevel, Map<HexKey, HexView>>;

/** `dmHexView` through `cache` when given. */
function cachedHexView(maps: ReturnType<typeof dmMaps>, hex: HexKey, level: KnowledgeLevel, cache: HexViewCache | undefined): HexView {
  if (!cache) return dmHexView(maps, hex, level);
  let byHex = cache.get(level);
  if (!byHex) cache.set(level, (byHex = new Map()));
  let view = byHex.get(hex);
  if (!view) byHex.set(hex, (view = dmHexView(maps, hex, level)));
  return view;
}

/** The view of one hex of a DM document at `level`: the fields the level allows, and its marker. */
function dmHexView(maps: ReturnType<typeof dmMaps>, hex: HexKey, level: KnowledgeLevel): HexView {
  const landmark = maps.landmark.get(hex) === true;
  const view: HexView = {};
  for (const f of HEX_FIELDS) {
    if (!fieldVisible(f, level, landmark)) continue;
    const v = readText(maps[f].get(hex));
    if (v !== undefined) view[f] = v;
  }
  const marker = MARKER_FIELD[level];
  if (view[marker] === undefined) view[marker] = "";
  return view;
}

/**
 * The reveals of a DM document in one pass: the level of each hex revealed to everyone, and to each player (their
 * own key only). Malformed keys and values reveal nothing; legacy `true` is `visited`.
 */
export interface RevealIndex {
  all: Map<HexKey, KnowledgeLevel>;
  byPlayer: Map<string, Map<HexKey, KnowledgeLevel>>;
}

/** Index every reveal key once (a publish to N players reads the reveals once, not N times). */
export function indexReveals(dmDoc: Y.Doc): RevealIndex {
  const all = new Map<HexKey, KnowledgeLevel>();
  const byPlayer = new Map<string, Map<HexKey, KnowledgeLevel>>();
  dmMaps(dmDoc).reveals.forEach((value, key) => {
    const level = readRevealLevel(value);
    if (!level) return;
    const parsed = parseRevealKey(key);
    if (!parsed) return;
    if (parsed.target === ALL_PLAYERS) {
      all.set(parsed.hex, level);
      return;
    }
    let own = byPlayer.get(parsed.target);
    if (!own) byPlayer.set(parsed.target, (own = new Map()));
    own.set(parsed.hex, level);
  });
  return { all, byPlayer };
}

/**
 * The reveal index of a DM document, kept up to date (PROJ20): built by `indexReveals` on the first call, then each
 * transaction's changed reveal keys (noted before any observer runs, from `transaction.changed`) are re-read on the
 * next call — a publish costs the reveals that changed since the last one, not every reveal of the map (20,000 keys
 * with 200 players revealed 100 hexes each). Read inside an open transaction of the document (whose changes are not
 * noted yet), it indexes afresh. The index returned is the live one: read it, never change it, and do not keep it
 * across a change of the document. Equal (as maps) to `indexReveals(dmDoc)` at every call.
 */
export function liveRevealIndex(dmDoc: Y.Doc): RevealIndex {
  if (dmDoc._transaction !== null) return indexReveals(dmDoc);
  let live = liveIndexes.get(dmDoc);
  if (!live) {
    // Typed as an object: `transaction.changed` is keyed by AbstractType<YEvent>, which a Y.Map<unknown> is at runtime.
    const reveals: object = dmMaps(dmDoc).reveals;
    const created: LiveIndex = { index: null, dirty: new Set() };
    dmDoc.on("beforeObserverCalls", (tr: Y.Transaction) => {
      if (!created.index) return;
      for (const [type, keys] of tr.changed) if (type === reveals) for (const k of keys) if (k !== null) created.dirty.add(k);
      // A change of most of the map: indexing afresh is cheaper than re-reading each key.
      if (created.dirty.size > LIVE_INDEX_REBUILD_KEYS) {
        created.index = null;
        created.dirty.clear();
      }
    });
    liveIndexes.set(dmDoc, (live = created));
  }
  if (!live.index) {
    live.index = indexReveals(dmDoc);
    live.dirty.clear();
    return live.index;
  }
  const reveals = dmMaps(dmDoc).reveals;
  for (const key of live.dirty) reindexKey(live.index, key, reveals.get(key));
  live.dirty.clear();
  return live.index;
}

/** Changed reveal keys past which the live index is rebuilt instead of patched. */
const LIVE_INDEX_REBUILD_KEYS = 50_000;

interface LiveIndex {
  index: RevealIndex | null;
  dirty: Set<string>;
}
const liveIndexes = new WeakMap<Y.Doc, LiveIndex>();

/** Make `index` say what reveal key `key` (now holding `value`) says, as `indexReveals` would. */
function reindexKey(index: RevealIndex, key: string, value: unknown): void {
  const parsed = parseRevealKey(key);
  if (!parsed) return;
  const level = readRevealLevel(value);
  if (parsed.target === ALL_PLAYERS) {
    if (level) index.all.set(parsed.hex, level);
    else index.all.delete(parsed.hex);
    return;
  }
  let own = index.byPlayer.get(parsed.target);
  if (level) {
    if (!own) index.byPlayer.set(parsed.target, (own = new Map()));
    own.set(parsed.hex, level);
  } else if (own) {
    own.delete(parsed.hex);
    if (own.size === 0) index.byPlayer.delete(parsed.target);
  }
}

/** A player's level for a hex from the index (`*` for the party). */
export function indexedLevel(index: RevealIndex, hex: HexKey, playerId: string): KnowledgeLevel | null {
  const all = index.all.get(hex) ?? null;
  if (playerId === ALL_PLAYERS) return all;
  return maxLevel(all, index.byPlayer.get(playerId)?.get(hex));
}

/** Every hex revealed to a player (to `*` or by their own key), with their level. */
export function revealedHexes(dmDoc: Y.Doc, playerId: string): Map<HexKey, KnowledgeLevel> {
  const index = liveRevealIndex(dmDoc);
  const out = new Map(index.all);
  if (playerId !== ALL_PLAYERS) for (const [hex, level] of index.byPlayer.get(playerId) ?? []) out.set(hex, maxLevel(out.get(hex), level) ?? level);
  return out;
}

function revealLevel(reveals: Y.Map<unknown>, hex: HexKey, playerId: string): KnowledgeLevel | null {
  const all = readRevealLevel(reveals.get(revealKey(hex, ALL_PLAYERS)));
  return playerId === ALL_PLAYERS ? all : maxLevel(all, readRevealLevel(reveals.get(revealKey(hex, playerId))));
}

/**
 * What `playerId` (or `*`: the party) may see of the DM document: every hex revealed to them at some level, with
 * the fields of that level only. Never dmNotes, never an unrevealed hex, never a field above their level, never a
 * hex revealed only to another player.
 */
export function project(dmDoc: Y.Doc, playerId: string, cache?: HexViewCache): PlayerView {
  return projectHexes(dmDoc, playerId, revealedHexes(dmDoc, playerId).keys(), cache);
}

/**
 * `project` restricted to `hexes` (for incremental updates after an edit touched a few hexes): the result holds
 * exactly the hexes of `hexes` that `project` would hold, with the same views.
 */
export function projectHexes(dmDoc: Y.Doc, playerId: string, hexes: Iterable<HexKey>, cache?: HexViewCache): PlayerView {
  const maps = dmMaps(dmDoc);
  const out: PlayerView = new Map();
  for (const hex of hexes) {
    if (out.has(hex) || parseHexKey(hex) === null) continue;
    const level = revealLevel(maps.reveals, hex, playerId);
    if (level) out.set(hex, cachedHexView(maps, hex, level, cache));
  }
  return out;
}

/**
 * What goes into player `playerId`'s own document when the party document carries what is revealed to everyone
 * (PROJ15): the hexes of `hexes` (default: all) where the player's own level is above the `*` level, at their
 * level. `overlayViews(party, private)` is then `project(dm, playerId)`.
 */
export function projectPrivate(dmDoc: Y.Doc, playerId: string, index: RevealIndex, hexes?: Iterable<HexKey>, cache?: HexViewCache): PlayerView {
  const own = index.byPlayer.get(playerId);
  if (!own) return new Map();
  const maps = dmMaps(dmDoc);
  const out: PlayerView = new Map();
  // A publish of many players' private reveals asks each player about every player's hexes (PROJ18): walk the
  // player's own keys instead when they are fewer.
  const candidates = hexes instanceof Set && hexes.size > own.size ? [...own.keys()].filter((h) => hexes.has(h)) : (hexes ?? own.keys());
  for (const hex of candidates) {
    const level = own.get(hex);
    if (!level || out.has(hex) || levelRank(level) <= levelRank(index.all.get(hex))) continue;
    out.set(hex, cachedHexView(maps, hex, level, cache));
  }
  return out;
}

/** What a player sees: the party view with their own document's hexes over it (PROJ15). */
export function overlayViews(party: PlayerView, own: PlayerView): PlayerView {
  if (own.size === 0) return new Map(party);
  const out = new Map(party);
  for (const [hex, view] of own) out.set(hex, view);
  return out;
}

/** One hex of a player (or party) document, undefined when it has none of the fields. */
export function readHexView(playerDoc: Y.Doc, hex: HexKey): HexView | undefined {
  const maps = playerMaps(playerDoc);
  const view: HexView = {};
  let any = false;
  for (const f of HEX_FIELDS) {
    const v = readPlain(maps[f].get(hex));
    if (v !== undefined) {
      view[f] = v;
      any = true;
    }
  }
  return any ? view : undefined;
}

/** Read what a player document currently shows (the last published view). */
export function readPlayerView(playerDoc: Y.Doc): PlayerView {
  const maps = playerMaps(playerDoc);
  const out: PlayerView = new Map();
  for (const f of HEX_FIELDS) {
    maps[f].forEach((value, hex) => {
      const v = readPlain(value);
      if (v === undefined || parseHexKey(hex) === null) return;
      let view = out.get(hex);
      if (!view) out.set(hex, (view = {}));
      view[f] = v;
    });
  }
  return out;
}

/** The pending changes from `published` to `target`, sorted by hex (compareHexKeys). */
export function diffViews(published: PlayerView, target: PlayerView): PendingChange[] {
  const out: PendingChange[] = [];
  for (const [hex, before] of published) {
    const after = target.get(hex);
    if (after === undefined) out.push({ hex, kind: "hide", before });
    else if (!hexViewEqual(before, after)) out.push({ hex, kind: "update", before, after });
  }
  for (const [hex, after] of target) {
    if (!published.has(hex)) out.push({ hex, kind: "reveal", after });
  }
  return out.sort((a, b) => compareHexKeys(a.hex, b.hex));
}

/**
 * The hexes of `scope` that a player (or party) document holds a field of or `target` has: the only ones a write or
 * a comparison restricted to `scope` can touch (PROJ18). Walks the smaller side — a publish of every player's private
 * reveals has a scope of all their hexes, while each player's document and target hold their own few — so such a
 * publish costs each player their own hexes, not everyone's (N players: linear in N, not quadratic).
 */
export function scopedHexes(doc: Y.Doc, target: PlayerView, scope: ReadonlySet<HexKey>): ReadonlySet<HexKey> {
  const maps = playerMaps(doc);
  let held = target.size;
  // An upper bound is enough to pick the side to walk: the key count including deleted entries, O(1).
  for (const f of HEX_FIELDS) held += maps[f]._map.size;
  if (scope.size <= held) return scope;
  const out = new Set<HexKey>();
  for (const h of target.keys()) if (scope.has(h)) out.add(h);
  for (const f of HEX_FIELDS) for (const h of maps[f].keys()) if (scope.has(h)) out.add(h);
  return out;
}

/**
 * Write `target` into a player document with the fewest changes: only fields that differ are set,
 * fields and hexes absent from `target` are deleted. All in ONE transaction with `origin` (so the
 * server's own observers can recognise and skip it); no transaction at all when nothing differs.
 * With `hexes`, only those hexes are touched (a partial publish); otherwise every hex in either the
 * document or `target`. Never clears or rebuilds the document. Returns the changed hexes, sorted.
 */
export function applyView(
  playerDoc: Y.Doc,
  target: PlayerView,
  opts: { hexes?: Iterable<HexKey>; origin: unknown },
): HexKey[] {
  const maps = playerMaps(playerDoc);
  let scope: ReadonlySet<HexKey>;
  if (opts.hexes) {
    scope = scopedHexes(playerDoc, target, opts.hexes instanceof Set ? opts.hexes : new Set(opts.hexes));
  } else {
    const all = new Set(target.keys());
    for (const f of HEX_FIELDS) for (const hex of maps[f].keys()) all.add(hex);
    scope = all;
  }
  const writes: { field: HexField; hex: HexKey; value: string | undefined }[] = [];
  const changed = new Set<HexKey>();
  for (const hex of scope) {
    const want = target.get(hex);
    for (const f of HEX_FIELDS) {
      // "" is a value here (an empty marker field), not "absent".
      const value = want?.[f];
      const current = maps[f].get(hex);
      // A present non-string value (never written by us) must go too, hence the typeof check.
      const same = value === undefined ? !maps[f].has(hex) : typeof current === "string" && current === value;
      if (same) continue;
      writes.push({ field: f, hex, value });
      changed.add(hex);
    }
  }
  if (writes.length > 0) {
    playerDoc.transact(() => {
      for (const w of writes) {
        if (w.value === undefined) maps[w.field].delete(w.hex);
        else maps[w.field].set(w.hex, w.value);
      }
    }, opts.origin);
  }
  return [...changed].sort(compareHexKeys);
}

/** What was last published of one hex: the party document's view, and each listed player's own document's. */
export interface PublishedHex {
  party: HexView | undefined;
  own: ReadonlyMap<string, HexView | undefined>;
}

/**
 * Drop a pending change of one hex (PROJ12): edit the DM document so that its projection of the hex is again what
 * was last published — the party document's view for everyone, each listed player's own document's view for them
 * — so nothing is pending for that hex, for anyone. Player documents are not touched.
 *
 * - Fields: every field some published view holds is restored from the highest-level view that holds it (views
 *   agree on a field: publish is per hex for everyone); a field no published view holds is left as the DM wrote it
 *   (unpublished prep stays). `landmark` follows a view at `seen`: set when it has the name, cleared when it has
 *   none but a higher view does. Y.Text values are edited in place.
 * - Levels: the `*` key becomes the party view's level (removed when the party did not have the hex); each listed
 *   player's own key becomes their own view's level (removed when their own document did not have it). Keys of
 *   targets not listed stay as they are.
 *
 * One transaction with `origin`; returns true if the DM document changed.
 */
export function revertHex(dmDoc: Y.Doc, hex: HexKey, published: PublishedHex, origin: unknown): boolean {
  if (parseHexKey(hex) === null) throw new RangeError(`not a hex key: ${String(hex)}`);
  const maps = dmMaps(dmDoc);
  let changed = false;
  const setValue = (map: Y.Map<unknown>, key: string, value: unknown) => {
    if (value === undefined) {
      if (map.has(key)) {
        map.delete(key);
        changed = true;
      }
    } else if (map.get(key) !== value) {
      map.set(key, value);
      changed = true;
    }
  };
  dmDoc.transact(() => {
    const views = [published.party, ...published.own.values()]
      .map((view) => ({ view, level: levelOfView(view) }))
      .filter((x): x is { view: HexView; level: KnowledgeLevel } => x.view !== undefined && x.level !== null)
      .sort((a, b) => levelRank(b.level) - levelRank(a.level));
    if (views.length > 0) {
      // Landmark: a view at `seen` tells whether the name was seen from afar.
      const seen = views.find((x) => x.level === "seen");
      const topLabel = views.find((x) => x.view.label !== undefined)?.view.label;
      let landmark = maps.landmark.get(hex) === true;
      if (seen && seen.view.label !== undefined) landmark = true;
      else if (seen && topLabel) landmark = false;
      setValue(maps.landmark, hex, landmark ? true : undefined);
      for (const f of HEX_FIELDS) {
        const holder = views.find((x) => fieldVisible(f, x.level, landmark));
        if (!holder) continue;
        const want = holder.view[f] === "" ? undefined : holder.view[f];
        if (readText(maps[f].get(hex)) === want) continue;
        if (f === "terrain") setValue(maps.terrain, hex, want);
        else writeText(maps[f], hex, want);
        changed = true;
      }
    }
    setValue(maps.reveals, revealKey(hex, ALL_PLAYERS), levelOfView(published.party) ?? undefined);
    for (const [player, view] of published.own) setValue(maps.reveals, revealKey(hex, player), levelOfView(view) ?? undefined);
  }, origin);
  return changed;
}
