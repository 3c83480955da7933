import type * as Y from "yjs";
import { ALL_PLAYERS, DmMap, parseRevealKey } from "@hexcrawl/shared/model";

/** How a hex is revealed on the DM map: to every player, or to some of them. */
export const RevealKind = { all: "all", some: "some" } as const;
export type RevealKind = (typeof RevealKind)[keyof typeof RevealKind];

/** What the map needs to mark revealed hexes. */
export interface RevealSource {
  readonly revision: number;
  forEach(visit: (kind: RevealKind, key: string) => void): void;
}

/**
 * Reactive view of the DM document's `reveals` map (`"q,r|target" → true`), grouped by hex.
 * Malformed keys and non-`true` values reveal nothing, exactly as in the projection.
 */
export class RevealLayer implements RevealSource {
  readonly #map: Y.Map<unknown>;
  readonly #observer: () => void;
  #revision = $state(0);
  #byHex = new Map<string, Set<string>>();
  #count = $state(0);

  constructor(doc: Y.Doc) {
    this.#map = doc.getMap<unknown>(DmMap.reveals);
    this.#observer = () => this.#rebuild();
    this.#map.observe(this.#observer);
    this.#rebuild();
  }

  #rebuild(): void {
    const byHex = new Map<string, Set<string>>();
    this.#map.forEach((value, key) => {
      if (value !== true) return;
      const parsed = parseRevealKey(key);
      if (!parsed) return;
      let targets = byHex.get(parsed.hex);
      if (!targets) byHex.set(parsed.hex, (targets = new Set()));
      targets.add(parsed.target);
    });
    this.#byHex = byHex;
    this.#count = byHex.size;
    this.#revision += 1;
  }

  get revision(): number {
    return this.#revision;
  }

  /** Hexes revealed to anyone. */
  get count(): number {
    return this.#count;
  }

  /** Targets a hex is revealed to (`*` and/or player ids), sorted. Reactive. */
  targetsOf(key: string): string[] {
    void this.#revision;
    return [...(this.#byHex.get(key) ?? [])].sort();
  }

  forEach(visit: (kind: RevealKind, key: string) => void): void {
    for (const [key, targets] of this.#byHex) visit(targets.has(ALL_PLAYERS) ? RevealKind.all : RevealKind.some, key);
  }

  /** Plain copy: hex → targets (debug handle, tests). */
  toRecord(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [key, targets] of this.#byHex) out[key] = [...targets].sort();
    return out;
  }

  destroy(): void {
    this.#map.unobserve(this.#observer);
  }
}
