import type * as Y from "yjs";
import { isHexKey } from "@hexcrawl/shared/hex";
import { LayeredMap } from "./layeredMap.ts";

/** Transaction origin of the client's own paint strokes (so observers can tell them apart). */
export const PAINT_ORIGIN = { source: "client-paint" } as const;

/**
 * Reactive view of a document's `terrain` map (hex key → terrain id). The map itself is the
 * state; this class only bumps `revision` when it changes, so a canvas knows when to redraw
 * without copying 10,000 entries into Svelte state. A player's view reads their own document over
 * the party document (`under`).
 */
export class TerrainLayer {
  readonly #doc: Y.Doc;
  readonly #map: Y.Map<unknown>;
  readonly #view: LayeredMap;
  #revision = $state(0);
  #size = $state(0);
  readonly #unobserve: () => void;

  constructor(doc: Y.Doc, under: Y.Doc | null = null) {
    this.#doc = doc;
    this.#view = new LayeredMap(doc, "terrain", under);
    this.#map = this.#view.top;
    this.#size = this.#view.size;
    this.#unobserve = this.#view.observe(() => {
      this.#revision += 1;
      this.#size = this.#view.size;
    });
  }

  /** Bumped on every change of the map. Read it to depend on the contents. */
  get revision(): number {
    return this.#revision;
  }

  /** Number of hexes with a terrain. */
  get size(): number {
    return this.#size;
  }

  /** Terrain id of a hex; non-string values (a bad writer) read as empty. */
  get(key: string): string | undefined {
    const v = this.#view.get(key);
    return typeof v === "string" ? v : undefined;
  }

  /** Visit every hex with a string terrain. */
  forEach(visit: (terrain: string, key: string) => void): void {
    this.#view.forEach((v, key) => {
      if (typeof v === "string") visit(v, key);
    });
  }

  /**
   * Paint hexes with a terrain (null erases) in one transaction. Unchanged hexes are skipped,
   * so a stroke that passes over its own hexes again sends nothing.
   */
  paint(keys: readonly string[], terrain: string | null): void {
    this.#doc.transact(() => {
      for (const key of keys) {
        // Keys come from pointer maths; one far off the map (out of bounds) is never written.
        if (!isHexKey(key)) continue;
        if (terrain === null) {
          if (this.#map.has(key)) this.#map.delete(key);
        } else if (this.#map.get(key) !== terrain) {
          this.#map.set(key, terrain);
        }
      }
    }, PAINT_ORIGIN);
  }

  destroy(): void {
    this.#unobserve();
  }
}
