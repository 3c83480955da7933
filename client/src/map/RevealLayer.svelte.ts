import type * as Y from "yjs";
import { ALL_PLAYERS, DmMap, levelRank, parseRevealKey, readRevealLevel, type KnowledgeLevel } from "@hexcrawl/shared/model";

/** How known a hex is on the DM map: to every player, to some of them. */
export const RevealKind = { all: "all", some: "some" } as const;
export type RevealKind = (typeof RevealKind)[keyof typeof RevealKind];

/** What the map needs to shade hexes by what players know (the `*` level, and the highest any player has). */
export interface RevealSource {
  readonly revision: number;
  forEach(visit: (kind: RevealKind, key: string, level: KnowledgeLevel) => void): void;
}

/** Who knows a hex at which level: everyone (`*`), and each player with a key of their own. */
export interface HexKnowledge {
  all: KnowledgeLevel | null;
  players: ReadonlyMap<string, KnowledgeLevel>;
}

/**
 * Reactive view of the DM document's `reveals` map (`"q,r|target" → level`), grouped by hex. Malformed keys and
 * values reveal nothing, legacy `true` is `visited` — exactly as in the projection.
 */
export class RevealLayer implements RevealSource {
  readonly #map: Y.Map<unknown>;
  readonly #observer: () => void;
  #revision = $state(0);
  #byHex = new Map<string, Map<string, KnowledgeLevel>>();
  #count = $state(0);

  constructor(doc: Y.Doc) {
    this.#map = doc.getMap<unknown>(DmMap.reveals);
    this.#observer = () => this.#rebuild();
    this.#map.observe(this.#observer);
    this.#rebuild();
  }

  #rebuild(): void {
    const byHex = new Map<string, Map<string, KnowledgeLevel>>();
    this.#map.forEach((value, key) => {
      const level = readRevealLevel(value);
      const parsed = parseRevealKey(key);
      if (!level || !parsed) return;
      let targets = byHex.get(parsed.hex);
      if (!targets) byHex.set(parsed.hex, (targets = new Map()));
      targets.set(parsed.target, level);
    });
    this.#byHex = byHex;
    this.#count = byHex.size;
    this.#revision += 1;
  }

  get revision(): number {
    return this.#revision;
  }

  /** Hexes known to anyone. */
  get count(): number {
    return this.#count;
  }

  /** Targets a hex is revealed to (`*` and/or player ids), sorted. Reactive. */
  targetsOf(key: string): string[] {
    void this.#revision;
    return [...(this.#byHex.get(key)?.keys() ?? [])].sort();
  }

  /** Who knows the hex, at which level. Reactive. */
  knowledgeOf(key: string): HexKnowledge {
    void this.#revision;
    const targets = this.#byHex.get(key);
    const players = new Map<string, KnowledgeLevel>();
    for (const [target, level] of targets ?? []) if (target !== ALL_PLAYERS) players.set(target, level);
    return { all: targets?.get(ALL_PLAYERS) ?? null, players };
  }

  /** A player's level for a hex: the higher of `*` and their own (null: they do not know it). Reactive. */
  levelFor(key: string, playerId: string): KnowledgeLevel | null {
    const k = this.knowledgeOf(key);
    const own = k.players.get(playerId) ?? null;
    return levelRank(own) > levelRank(k.all) ? own : k.all;
  }

  /** Every known hex: known to all (at the `*` level) or to some (at the highest level any player has). */
  forEach(visit: (kind: RevealKind, key: string, level: KnowledgeLevel) => void): void {
    for (const [key, targets] of this.#byHex) {
      const all = targets.get(ALL_PLAYERS);
      if (all) {
        visit(RevealKind.all, key, all);
        continue;
      }
      let top: KnowledgeLevel | null = null;
      for (const level of targets.values()) if (levelRank(level) > levelRank(top)) top = level;
      if (top) visit(RevealKind.some, key, top);
    }
  }

  /** Plain copy: hex → targets, sorted (debug handle, tests). */
  toRecord(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [key, targets] of this.#byHex) out[key] = [...targets.keys()].sort();
    return out;
  }

  /** Plain copy: hex → target → level (debug handle, tests). */
  levelsRecord(): Record<string, Record<string, KnowledgeLevel>> {
    const out: Record<string, Record<string, KnowledgeLevel>> = {};
    for (const [key, targets] of this.#byHex) out[key] = Object.fromEntries([...targets].sort(([a], [b]) => a.localeCompare(b)));
    return out;
  }

  destroy(): void {
    this.#map.unobserve(this.#observer);
  }
}
