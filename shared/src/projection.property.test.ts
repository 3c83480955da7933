import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { mulberry32 } from "./prng.ts";
import { hexesInRange, keyOf, parseHexKey, type HexKey } from "./hex.ts";
import { ensureDmDoc } from "./migrations.ts";
import {
  ALL_PLAYERS,
  applyPlayerMeta,
  dmMaps,
  HEX_FIELDS,
  hide,
  KNOWLEDGE_LEVELS,
  PLAYER_META_KEYS,
  PlayerMap,
  projectPlayerMeta,
  reveal,
  SessionKey,
  setDmNotes,
  setExplored,
  setLabel,
  setLandmark,
  setNotes,
  setRumour,
  setTerrain,
  TERRAIN_IDS,
} from "./model.ts";
import {
  applyView,
  diffViews,
  indexReveals,
  liveRevealIndex,
  overlayViews,
  project,
  projectHexes,
  projectPrivate,
  readPlayerView,
  revertHex,
  viewsEqual,
  type HexView,
  type PlayerView,
} from "./projection.ts";
import { writeSession } from "./session.ts";

/**
 * Seeded fuzz of the projection (PROJ13, PROJ14): random DM edits on two DM replicas (one sometimes
 * offline), reveals, hides, full and partial publishes, drops; invariants checked after every step.
 * A failing seed reproduces exactly: run with that seed and step count.
 */

const SEEDS = [1, 7, 42, 1234, 99991, 31337];
const STEPS = 250;
const PLAYERS = ["alice", "bob", "carol"] as const;
const HEXES: HexKey[] = hexesInRange({ q: 0, r: 0 }, 2).map(keyOf);
const PUBLISH = { kind: "publish" };
const DROP = { kind: "drop" };
const REMOTE = { kind: "remote" };

/** Two reveal indexes hold the same levels (in any order); a player with no valid reveal has no entry. */
function sameIndex(a: ReturnType<typeof indexReveals>, b: ReturnType<typeof indexReveals>): boolean {
  const flat = (i: ReturnType<typeof indexReveals>) =>
    JSON.stringify([
      [...i.all].sort(),
      [...i.byPlayer].map(([p, own]) => [p, [...own].sort()] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1)),
    ]);
  return flat(a) === flat(b);
}

/** A cheap assertion for hot loops (expect() per struct would dominate the runtime). */
function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}


class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new Error("pick from empty list");
    return x;
  }
}

/** Test oracle, independent of projection.ts: each hex revealed to `player` in the DM doc, with its level (1–4). */
function oracleRevealed(dm: Y.Doc, player: string): Map<HexKey, number> {
  const rank: Record<string, number> = { rumoured: 1, seen: 2, visited: 3, explored: 4 };
  const out = new Map<HexKey, number>();
  dm.getMap<unknown>("reveals").forEach((v, k) => {
    const [hex, target, ...rest] = k.split("|");
    const level = v === true ? 3 : typeof v === "string" ? (rank[v] ?? 0) : 0;
    if (level > 0 && rest.length === 0 && hex && (target === "*" || target === player)) out.set(hex, Math.max(level, out.get(hex) ?? 0));
  });
  return out;
}

/**
 * Test oracle of project(), written from the rules rather than from projection.ts: rumour from level 1, terrain
 * from 2, name and notes from 3 (the name from 2 on a landmark), what exploring finds at 4; the field that marks
 * the level (rumour, terrain, notes, explored) is there even when empty.
 */
function oracleView(dm: Y.Doc, player: string): PlayerView {
  const out: PlayerView = new Map();
  const from: Record<string, number> = { rumour: 1, terrain: 2, label: 3, notes: 3, explored: 4 };
  const marker = ["", "rumour", "terrain", "notes", "explored"];
  for (const [hex, level] of oracleRevealed(dm, player)) {
    const landmark = dm.getMap<unknown>("landmark").get(hex) === true;
    const v: HexView = {};
    for (const f of HEX_FIELDS) {
      const needed = f === "label" && landmark ? 2 : (from[f] ?? 9);
      if (level < needed) continue;
      const raw = dm.getMap<unknown>(f).get(hex);
      const s = raw instanceof Y.Text ? raw.toString() : typeof raw === "string" ? raw : "";
      if (s !== "" || f === marker[level]) v[f] = s;
    }
    out.set(hex, v);
  }
  return out;
}

const ALLOWED_TOP = new Set<string>(Object.values(PlayerMap));
const ALLOWED_SUB: Record<string, (k: string) => boolean> = {
  terrain: (k) => parseHexKey(k) !== null,
  label: (k) => parseHexKey(k) !== null,
  notes: (k) => parseHexKey(k) !== null,
  rumour: (k) => parseHexKey(k) !== null,
  explored: (k) => parseHexKey(k) !== null,
  meta: (k) => (PLAYER_META_KEYS as readonly string[]).includes(k),
  session: (k) => (Object.values(SessionKey) as string[]).includes(k),
};

/** Decode a player document's full state and check every struct against the allowed shape. */
function assertPlayerDocShape(pd: Y.Doc, canaries: readonly string[]): void {
  const update = Y.encodeStateAsUpdate(pd);
  const bytes = Buffer.from(update);
  for (const c of canaries) check(!bytes.includes(c), `canary ${c} in player doc bytes`);
  for (const s of Y.decodeUpdate(update).structs) {
    if (!(s instanceof Y.Item)) continue;
    // No nested types in a player document: values are plain.
    check(!(s.content instanceof Y.ContentType), "nested type in player doc");
    if (s.parent === null) continue; // parent info omitted: inherited from its origin item
    check(typeof s.parent === "string", "item under a nested parent");
    const top = String(s.parent);
    check(ALLOWED_TOP.has(top), `top-level ${top}`);
    if (s.parentSub !== null) check(ALLOWED_SUB[top]?.(s.parentSub) === true, `${top}.${s.parentSub}`);
  }
  const fresh = new Y.Doc();
  Y.applyUpdate(fresh, update);
  for (const name of fresh.share.keys()) check(ALLOWED_TOP.has(name), `top-level ${name}`);
}

function dmState(dm: Y.Doc): unknown {
  return Object.fromEntries(Object.values(dmMaps(dm)).map((m, i) => [i, m.toJSON()]));
}

function runSeed(seed: number): { publishes: number; drops: number; merges: number } {
  const rng = new Rng(seed);
  const dmA = new Y.Doc(); // the server's replica: publishes and drops happen here
  const dmB = new Y.Doc(); // a second DM, sometimes offline
  let online = true;
  dmA.on("update", (u: Uint8Array, origin: unknown) => {
    if (online && origin !== REMOTE) Y.applyUpdate(dmB, u, REMOTE);
  });
  dmB.on("update", (u: Uint8Array, origin: unknown) => {
    if (online && origin !== REMOTE) Y.applyUpdate(dmA, u, REMOTE);
  });
  ensureDmDoc(dmA, { name: `seed ${seed}` });

  const playerDocs = new Map(PLAYERS.map((p) => [p, new Y.Doc()]));
  const model = new Map<string, PlayerView>(PLAYERS.map((p) => [p, new Map()]));
  const revealedAtPublish = new Map<string, Set<HexKey>>(PLAYERS.map((p) => [p, new Set()]));
  const canaries: string[] = [];
  let n = 0;
  const stats = { publishes: 0, drops: 0, merges: 0 };

  const publish = (hexes: HexKey[] | undefined) => {
    for (const p of PLAYERS) {
      const pd = playerDocs.get(p)!;
      const target = project(dmA, p);
      const revealed = oracleRevealed(dmA, p);
      const scope = hexes ?? [...new Set([...target.keys(), ...model.get(p)!.keys()])];
      applyView(pd, target, hexes ? { hexes, origin: PUBLISH } : { origin: PUBLISH });
      const m = model.get(p)!;
      for (const h of scope) {
        const v = target.get(h);
        if (v) {
          m.set(h, v);
          if (revealed.has(h)) revealedAtPublish.get(p)!.add(h);
        } else m.delete(h);
      }
      applyPlayerMeta(pd, { ...projectPlayerMeta(dmA), generation: 1 }, PUBLISH);
      writeSession(pd, { status: rng.pick(["waiting", "active", "paused", "ended"] as const), updatedAt: n }, PUBLISH);
      if (!hexes) {
        // [PROJ9] after a full publish the player doc equals the projection, which equals the oracle.
        expect(viewsEqual(readPlayerView(pd), target), `seed ${seed} step ${n} full publish ${p}`).toBe(true);
        expect(viewsEqual(target, oracleView(dmA, p)), `seed ${seed} step ${n} oracle ${p}`).toBe(true);
      }
    }
    stats.publishes++;
  };

  for (n = 0; n < STEPS; n++) {
    const dm = online && rng.chance(0.5) ? dmB : rng.chance(0.5) ? dmA : dmB;
    const hex = rng.pick(HEXES);
    const op = rng.int(100);
    if (op < 12) {
      setTerrain(dm, hex, rng.chance(0.85) ? rng.pick(TERRAIN_IDS) : undefined);
    } else if (op < 20) {
      setLabel(dm, hex, rng.chance(0.8) ? `Label-${seed}-${n}` : undefined);
    } else if (op < 28) {
      const current = dm.getMap<unknown>("notes").get(hex);
      if (current instanceof Y.Text && rng.chance(0.6)) current.insert(rng.int(current.length + 1), `+${n}`);
      else if (rng.chance(0.4)) {
        const t = new Y.Text();
        dm.getMap<unknown>("notes").set(hex, t);
        t.insert(0, `Text-${seed}-${n}`);
      } else setNotes(dm, hex, rng.chance(0.8) ? `Notes-${seed}-${n}` : undefined);
    } else if (op < 38) {
      const canary = `DMSECRET${seed}x${n}Z`;
      canaries.push(canary);
      if (rng.chance(0.3)) {
        const t = new Y.Text();
        dm.getMap<unknown>("dmNotes").set(hex, t);
        t.insert(0, canary);
      } else setDmNotes(dm, hex, canary);
    } else if (op < 44) {
      const what = rng.int(3);
      if (what === 0) setRumour(dm, hex, rng.chance(0.8) ? `Rumour-${seed}-${n}` : undefined);
      else if (what === 1) setExplored(dm, hex, rng.chance(0.8) ? `Found-${seed}-${n}` : undefined);
      else setLandmark(dm, hex, rng.chance(0.5));
    } else if (op < 52) {
      reveal(dm, hex, rng.chance(0.4) ? ALL_PLAYERS : rng.pick(PLAYERS), undefined, rng.pick(KNOWLEDGE_LEVELS));
    } else if (op < 60) {
      // Mostly hide hexes that are revealed, so hides become pending changes worth dropping.
      const revealedKeys = [...dm.getMap<unknown>("reveals").keys()].sort();
      const h = revealedKeys.length > 0 && rng.chance(0.8) ? rng.pick(revealedKeys).split("|")[0]! : hex;
      if (rng.chance(0.5)) hide(dm, h);
      else hide(dm, h, rng.chance(0.3) ? ALL_PLAYERS : rng.pick(PLAYERS));
    } else if (op < 66) {
      publish(undefined);
    } else if (op < 72) {
      const k = 1 + rng.int(8);
      publish(Array.from({ length: k }, () => rng.pick(HEXES)));
    } else if (op < 88) {
      // Drop a pending change of a random pending hex (any player), on the server replica.
      const pending = new Set<HexKey>();
      for (const p of PLAYERS) for (const c of diffViews(model.get(p)!, project(dmA, p))) pending.add(c.hex);
      const candidates = [...pending].sort();
      const target = candidates.length > 0 ? rng.pick(candidates) : hex;
      const published = new Map<string, HexView | undefined>(PLAYERS.map((p) => [p, model.get(p)!.get(target)]));
      // Each player's document holds their whole view here (no party document in this model).
      revertHex(dmA, target, { party: undefined, own: published }, DROP);
      // [PROJ12] right after a drop nothing is pending for that hex, for any player.
      for (const p of PLAYERS) {
        expect(projectHexes(dmA, p, [target]).get(target), `seed ${seed} step ${n} drop ${target} ${p}`).toEqual(
          published.get(p),
        );
      }
      stats.drops++;
    } else if (op < 94) {
      if (online) online = false;
      else {
        online = true;
        Y.applyUpdate(dmA, Y.encodeStateAsUpdate(dmB, Y.encodeStateVector(dmA)), REMOTE);
        Y.applyUpdate(dmB, Y.encodeStateAsUpdate(dmA, Y.encodeStateVector(dmB)), REMOTE);
        stats.merges++;
      }
    } else {
      // An edit of a hex nobody will ever reveal: its secrets must never travel.
      setLabel(dm, "9,9", `HIDDENLABEL${seed}x${n}Z`);
      canaries.push(`HIDDENLABEL${seed}x${n}Z`);
    }

    // Invariants after every step.
    if (online) expect(dmState(dmA), `seed ${seed} step ${n} replicas diverged`).toEqual(dmState(dmB));
    for (const p of PLAYERS) {
      const pd = playerDocs.get(p)!;
      const v = readPlayerView(pd);
      // [PROJ13] a player doc holds exactly what was published to it...
      check(viewsEqual(v, model.get(p)!), `seed ${seed} step ${n} model ${p}`);
      // ...and only hexes that were revealed to that player when published.
      for (const h of v.keys()) check(revealedAtPublish.get(p)!.has(h), `seed ${seed} step ${n} ${p} has ${h}`);
      // [PROJ14] no secret bytes and only allowed top-level types and keys.
      assertPlayerDocShape(pd, canaries);
    }
    // [PROJ15] the party view under each player's private view is the projection, and the private view holds a
    // hex revealed to everyone only where the player's own level is higher (checked against the oracle, on both
    // replicas).
    for (const dm of [dmA, dmB]) {
      const index = indexReveals(dm);
      // [PROJ20] the live index, patched from each transaction's changed keys, says what a fresh one says.
      check(sameIndex(liveRevealIndex(dm), index), `seed ${seed} step ${n} live reveal index`);
      const party = project(dm, ALL_PLAYERS);
      const toAll = oracleRevealed(dm, ALL_PLAYERS);
      for (const p of PLAYERS) {
        const own = projectPrivate(dm, p, index);
        const mine = oracleRevealed(dm, p);
        for (const h of own.keys()) check((mine.get(h) ?? 0) > (toAll.get(h) ?? 0), `seed ${seed} step ${n} private ${p} copies ${h}`);
        check(viewsEqual(overlayViews(party, own), oracleView(dm, p)), `seed ${seed} step ${n} party+private ${p}`);
      }
    }
  }

  // Final: bring everyone online, publish everything, and check equality with the projection.
  online = true;
  Y.applyUpdate(dmA, Y.encodeStateAsUpdate(dmB, Y.encodeStateVector(dmA)), REMOTE);
  Y.applyUpdate(dmB, Y.encodeStateAsUpdate(dmA, Y.encodeStateVector(dmB)), REMOTE);
  expect(dmState(dmA)).toEqual(dmState(dmB));
  publish(undefined);
  for (const p of PLAYERS) {
    expect(viewsEqual(readPlayerView(playerDocs.get(p)!), project(dmA, p))).toBe(true);
    expect(diffViews(readPlayerView(playerDocs.get(p)!), project(dmB, p))).toEqual([]);
  }
  return stats;
}

describe("projection property test (seeded)", () => {
  for (const seed of SEEDS) {
    it(`[PROJ13] [PROJ14] [PROJ15] seed ${seed}: ${STEPS} random steps keep every invariant`, () => {
      const stats = runSeed(seed);
      // The run must actually exercise publishes, drops and offline merges.
      expect(stats.publishes).toBeGreaterThan(10);
      expect(stats.drops).toBeGreaterThan(5);
      expect(stats.merges).toBeGreaterThan(0);
      // A second or two on an idle machine; the bound is for a loaded one (correctness, not speed, is checked here).
    }, 60_000);
  }
});
