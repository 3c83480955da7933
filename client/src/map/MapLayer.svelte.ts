import type * as Y from "yjs";
import { readText } from "@hexcrawl/shared/model";
import { LayeredMap } from "./LayeredMap.ts";

/**
 * Reactive view of one per-hex text map of a document (`label`, `notes`, `dmNotes`): the Y.Map is the
 * state; this class bumps `revision` on every change (deep, since notes may be a Y.Text edited in
 * place) so components and the canvas know when to read again, without copying the map into $state.
 * A player's view reads their own document over the party document (`under`).
 */
export class MapLayer {
  readonly #map: LayeredMap;
  readonly #unobserve: () => void;
  #revision = $state(0);
  #size = $state(0);

  constructor(doc: Y.Doc, name: string, under: Y.Doc | null = null) {
    this.#map = new LayeredMap(doc, name, under);
    this.#size = this.#map.size;
    this.#unobserve = this.#map.observe(() => {
      this.#revision += 1;
      this.#size = this.#map.size;
    }, true);
  }

  /** Bumped on every change of the map or of a Y.Text inside it. */
  get revision(): number {
    return this.#revision;
  }

  /** Number of hexes with a value. */
  get size(): number {
    return this.#size;
  }

  /** Text of a hex (string or Y.Text); empty and malformed values read as undefined. Reactive. */
  text(key: string): string | undefined {
    void this.#revision;
    return readText(this.#map.get(key));
  }

  /** True when the hex's value is `true` (a flag map such as `landmark`). Reactive. */
  flag(key: string): boolean {
    void this.#revision;
    return this.#map.get(key) === true;
  }

  /** Visit every hex whose value is `true` (a flag map such as `landmark`), as the text "true". */
  forEachFlag(visit: (text: string, key: string) => void): void {
    void this.#revision;
    this.#map.forEach((v, key) => {
      if (v === true) visit("true", key);
    });
  }

  /** Visit every hex with a non-empty text. */
  forEach(visit: (text: string, key: string) => void): void {
    this.#map.forEach((v, key) => {
      const t = readText(v);
      if (t !== undefined) visit(t, key);
    });
  }

  /** Plain copy (debug handle, tests). */
  toRecord(): Record<string, string> {
    const out: Record<string, string> = {};
    this.forEach((t, k) => (out[k] = t));
    return out;
  }

  destroy(): void {
    this.#unobserve();
  }
}
