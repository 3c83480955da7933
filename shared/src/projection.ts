import type * as Y from "yjs";
import { compareHexKeys, parseHexKey, type HexKey } from "./hex.ts";
import {
  ALL_PLAYERS,
  dmMaps,
  HEX_FIELDS,
  parseRevealKey,
  playerMaps,
  readText,
  revealKey,
  writeText,
  type HexField,
} from "./model.ts";

/**
 * The projection (PROJ1–PROJ15 in SPEC.md): the pure function from the DM document to what one
 * player may see, and the minimal writes that bring a player document to it.
 *
 * Invariant (PROJ9): for every DM document `dm`, player `p` and player document `pd` (written only by
 * `applyView`),
 *
 *     applyView(pd, project(dm, p), { origin });
 *     readPlayerView(pd)  deep-equals  project(dm, p)
 *
 * and `applyView` with `hexes` makes that hold for those hexes while leaving every other hex as it was.
 */

/** What a player sees of one hex: plain strings, each absent when empty. */
export type HexView = { terrain?: string; label?: string; notes?: string };

/** What a player sees: hex key -> view. A hex with an empty view is not in it (see PROJ4). */
export type PlayerView = Map<HexKey, HexView>;

/** One difference between a player's published view and the projection. */
export interface PendingChange {
  hex: HexKey;
  /** reveal: the player does not have the hex yet; update: fields differ; hide: the player will lose it. */
  kind: "reveal" | "update" | "hide";
  before?: HexView;
  after?: HexView;
}

/** Field-wise equality of two views (absent and undefined are the same). */
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

/** The view of one hex in a DM document, regardless of reveals; undefined when every field is empty. */
function dmHexView(maps: ReturnType<typeof dmMaps>, hex: HexKey): HexView | undefined {
  const view: HexView = {};
  for (const f of HEX_FIELDS) {
    const v = readText(maps[f].get(hex));
    if (v !== undefined) view[f] = v;
  }
  return Object.keys(view).length === 0 ? undefined : view;
}

/**
 * The hexes revealed to a player: keys `hex|*` or `hex|playerId` whose value is `true`. Malformed keys
 * reveal nothing. Includes revealed hexes whose view is empty (those are not in `project`).
 */
export function revealedHexes(dmDoc: Y.Doc, playerId: string): Set<HexKey> {
  const out = new Set<HexKey>();
  dmMaps(dmDoc).reveals.forEach((value, key) => {
    if (value !== true) return;
    const parsed = parseRevealKey(key);
    if (parsed && (parsed.target === ALL_PLAYERS || parsed.target === playerId)) out.add(parsed.hex);
  });
  return out;
}

/** The reveals of a DM document in one pass: hexes revealed to everyone, and to each player. */
export interface RevealIndex {
  all: Set<HexKey>;
  byPlayer: Map<string, Set<HexKey>>;
}

/** Index every reveal key once (a publish to N players reads the reveals once, not N times). */
export function indexReveals(dmDoc: Y.Doc): RevealIndex {
  const all = new Set<HexKey>();
  const byPlayer = new Map<string, Set<HexKey>>();
  dmMaps(dmDoc).reveals.forEach((value, key) => {
    if (value !== true) return;
    const parsed = parseRevealKey(key);
    if (!parsed) return;
    if (parsed.target === ALL_PLAYERS) {
      all.add(parsed.hex);
      return;
    }
    let set = byPlayer.get(parsed.target);
    if (!set) byPlayer.set(parsed.target, (set = new Set()));
    set.add(parsed.hex);
  });
  return { all, byPlayer };
}

function revealedTo(reveals: Y.Map<unknown>, hex: HexKey, playerId: string): boolean {
  return reveals.get(revealKey(hex, ALL_PLAYERS)) === true || reveals.get(revealKey(hex, playerId)) === true;
}

/**
 * What `playerId` may see of the DM document: hexes revealed to ALL_PLAYERS or to that player, with
 * only terrain, label and notes as plain strings. Never dmNotes, never an unrevealed hex, never a
 * hex revealed only to another player.
 */
export function project(dmDoc: Y.Doc, playerId: string): PlayerView {
  return projectHexes(dmDoc, playerId, revealedHexes(dmDoc, playerId));
}

/**
 * `project` restricted to `hexes` (for incremental updates after an edit touched a few hexes): the
 * result holds exactly the hexes of `hexes` that `project` would hold, with the same views.
 */
export function projectHexes(dmDoc: Y.Doc, playerId: string, hexes: Iterable<HexKey>): PlayerView {
  const maps = dmMaps(dmDoc);
  const out: PlayerView = new Map();
  for (const hex of hexes) {
    if (out.has(hex) || parseHexKey(hex) === null) continue;
    if (!revealedTo(maps.reveals, hex, playerId)) continue;
    const view = dmHexView(maps, hex);
    if (view) out.set(hex, view);
  }
  return out;
}

/**
 * What goes into player `playerId`'s own document when the party document carries what is revealed to
 * everyone (PROJ15): the hexes of `hexes` (default: all) revealed to that player by their own key and NOT
 * to `*`. `overlayViews(party, private)` is then `project(dm, playerId)`.
 */
export function projectPrivate(
  dmDoc: Y.Doc,
  playerId: string,
  index: RevealIndex,
  hexes?: Iterable<HexKey>,
): PlayerView {
  const own = index.byPlayer.get(playerId);
  if (!own) return new Map();
  // The index holds only well-formed keys revealed with `true`: no need to re-check each hex's reveal keys.
  const maps = dmMaps(dmDoc);
  const out: PlayerView = new Map();
  for (const hex of hexes ?? own) {
    if (!own.has(hex) || index.all.has(hex)) continue;
    const view = dmHexView(maps, hex);
    if (view) out.set(hex, view);
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
    const v = readText(maps[f].get(hex));
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
      const v = readText(value);
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
  let scope: Set<HexKey>;
  if (opts.hexes) {
    scope = new Set(opts.hexes);
  } else {
    scope = new Set(target.keys());
    for (const f of HEX_FIELDS) for (const hex of maps[f].keys()) scope.add(hex);
  }
  const writes: { field: HexField; hex: HexKey; value: string | undefined }[] = [];
  const changed = new Set<HexKey>();
  for (const hex of scope) {
    const want = target.get(hex);
    for (const f of HEX_FIELDS) {
      const value = want?.[f] === "" ? undefined : want?.[f];
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

/**
 * Drop a pending change of one hex: edit the DM document so that, for every player in `published`,
 * `projectHexes(dm, p, [hex])` gives exactly what that player was last published (undefined = the
 * player does not have the hex). Player documents are not touched: after this there is no pending
 * change for that hex for any listed player.
 *
 * - Fields: if any listed player has the hex, terrain/label/notes are restored from that view (all
 *   players that have a hex agree on it, since publish is per hex for everyone). A Y.Text notes value
 *   is edited in place. If no listed player has it, the fields are kept and the hex is un-revealed.
 * - Reveals: a player who had it and no longer gets it gets `hex|player` back (`hex|*` if every listed
 *   player had it); a player who did not have it but would get it loses `hex|player`, and a `hex|*`
 *   is replaced by per-player keys for the players who had it. Players not listed may lose a `*`
 *   reveal: the caller lists every player of the campaign.
 *
 * One transaction with `origin`; returns true if the DM document changed.
 */
export function revertHex(
  dmDoc: Y.Doc,
  hex: HexKey,
  published: Map<string, HexView | undefined>,
  origin: unknown,
): boolean {
  if (parseHexKey(hex) === null) throw new RangeError(`not a hex key: ${String(hex)}`);
  const maps = dmMaps(dmDoc);
  const players = [...published.keys()].sort();
  const had = (p: string) => published.get(p) !== undefined;
  const ref = players.map((p) => published.get(p)).find((v) => v !== undefined);
  let changed = false;
  const setReveal = (key: string) => {
    if (maps.reveals.get(key) !== true) {
      maps.reveals.set(key, true);
      changed = true;
    }
  };
  const deleteReveal = (key: string) => {
    if (maps.reveals.has(key)) {
      maps.reveals.delete(key);
      changed = true;
    }
  };
  dmDoc.transact(() => {
    if (ref) {
      for (const f of HEX_FIELDS) {
        if (readText(maps[f].get(hex)) !== ref[f]) {
          writeText(maps[f], hex, ref[f]);
          changed = true;
        }
      }
    }
    const gives = (p: string) => projectHexes(dmDoc, p, [hex]).has(hex);
    const all = revealKey(hex, ALL_PLAYERS);
    // Players who must lose the hex: `*` cannot stay, nor their own key.
    const mustLose = players.filter((p) => !had(p) && gives(p));
    if (mustLose.length > 0) deleteReveal(all);
    for (const p of mustLose) deleteReveal(revealKey(hex, p));
    // Players who must get the hex back (including those who only had it through the `*` just removed:
    // they get per-player keys, since not every listed player had it).
    const mustGain = players.filter((p) => had(p) && !gives(p));
    if (mustGain.length > 0) {
      if (players.every(had)) setReveal(all);
      else for (const p of mustGain) setReveal(revealKey(hex, p));
    }
  }, origin);
  return changed;
}
