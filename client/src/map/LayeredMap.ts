import type * as Y from "yjs";

/**
 * One per-hex map of a player's view read from two documents: the player's own document over the
 * party document (what is published to everyone; PROJ15 in SPEC.md). A key present in the top map
 * wins; otherwise the party's value shows. A DM's document has no party layer: then this is just
 * that map. Plain (not reactive): the layer classes bump their revision from `observe`.
 */
export class LayeredMap {
  readonly top: Y.Map<unknown>;
  readonly under: Y.Map<unknown> | null;

  constructor(doc: Y.Doc, name: string, under: Y.Doc | null = null) {
    this.top = doc.getMap<unknown>(name);
    this.under = under ? under.getMap<unknown>(name) : null;
  }

  get(key: string): unknown {
    if (this.top.has(key) || !this.under) return this.top.get(key);
    return this.under.get(key);
  }

  has(key: string): boolean {
    return this.top.has(key) || (this.under?.has(key) ?? false);
  }

  /** Every key once (top first), with the value that shows. */
  forEach(visit: (value: unknown, key: string) => void): void {
    this.top.forEach((v, k) => visit(v, k));
    this.under?.forEach((v, k) => {
      if (!this.top.has(k)) visit(v, k);
    });
  }

  /** Number of keys that show. */
  get size(): number {
    if (!this.under) return this.top.size;
    let n = this.top.size;
    for (const k of this.under.keys()) if (!this.top.has(k)) n += 1;
    return n;
  }

  /** Call `onChange` after any change of either map (deep: notes may be a Y.Text); returns the cleanup. */
  observe(onChange: () => void, deep = false): () => void {
    const maps = this.under ? [this.top, this.under] : [this.top];
    for (const m of maps) {
      if (deep) m.observeDeep(onChange);
      else m.observe(onChange);
    }
    return () => {
      for (const m of maps) {
        if (deep) m.unobserveDeep(onChange);
        else m.unobserve(onChange);
      }
    };
  }
}
