import type * as Y from "yjs";
import { KNOWLEDGE_LEVELS, MARKER_FIELD, readPlain, type KnowledgeLevel } from "@hexcrawl/shared/model";
import { LayeredMap } from "../map/LayeredMap.ts";

/**
 * What the player knows of each hex (PLAY6): the knowledge level their view shows, read from the level's marker
 * field (MARKER_FIELD: present, maybe empty, at each level) in their own document over the party document. The
 * map draws fog, "?" marks and "found" marks from it; nothing else about levels reaches a player.
 */
export class PlayerKnowledge {
  /** Highest level first: the first marker present is the level. */
  readonly #markers: Array<{ level: KnowledgeLevel; map: LayeredMap }>;
  readonly #stops: Array<() => void> = [];
  #revision = $state(0);

  constructor(own: Y.Doc, party: Y.Doc | null) {
    this.#markers = [...KNOWLEDGE_LEVELS].reverse().map((level) => ({ level, map: new LayeredMap(own, MARKER_FIELD[level], party) }));
    for (const { map } of this.#markers) this.#stops.push(map.observe(() => (this.#revision += 1)));
  }

  /** Bumped on every change that may change a level. */
  get revision(): number {
    return this.#revision;
  }

  /** The player's level for a hex, or null when they know nothing of it. Reactive. */
  levelOf(hex: string): KnowledgeLevel | null {
    void this.#revision;
    for (const { level, map } of this.#markers) if (readPlain(map.get(hex)) !== undefined) return level;
    return null;
  }

  /** Every hex the player knows of, with its level. */
  forEach(visit: (level: KnowledgeLevel, hex: string) => void): void {
    const seen = new Set<string>();
    for (const { level, map } of this.#markers) {
      map.forEach((value, hex) => {
        if (seen.has(hex) || readPlain(value) === undefined) return;
        seen.add(hex);
        visit(level, hex);
      });
    }
  }

  /** Plain copy: hex → level (debug handle, tests). */
  toRecord(): Record<string, KnowledgeLevel> {
    const out: Record<string, KnowledgeLevel> = {};
    this.forEach((level, hex) => (out[hex] = level));
    return out;
  }

  destroy(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }
}
