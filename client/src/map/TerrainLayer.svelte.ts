import type * as Y from "yjs";
import { LayeredMap } from "./LayeredMap.ts";

/**
 * Reactive view of a document's `terrain` map (hex key → terrain id). The map itself is the
 * state; this class only bumps `revision` when it changes, so a canvas knows when to redraw
 * without copying 10,000 entries into Svelte state. A player's view reads their own document over
 * the party document (`under`). Read-only: a DM paints through `DmEditor.paint` (the shared model's
 * `setTerrain`, on the undo stack).
 */
export class TerrainLayer {
  readonly #view: LayeredMap;
  #revision = $state(0);
  #size = $state(0);
  readonly #unobserve: () => void;

  constructor(doc: Y.Doc, under: Y.Doc | null = null) {
    this.#view = new LayeredMap(doc, "terrain", under);
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

  destroy(): void {
    this.#unobserve();
  }
}
