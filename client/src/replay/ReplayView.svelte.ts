import type { KnowledgeLevel } from "@hexcrawl/shared/model";
import { levelOfView, type HexView } from "@hexcrawl/shared/projection";
import { foldTimeline, summariseStep, type StepSummary, type Timeline, type TimelineEntry } from "@hexcrawl/shared/timeline";

/**
 * One player's map at one step of their timeline (REPLAY5): the fold of the entries up to `step`, exposed as the
 * sources the map draws (terrain, names, knowledge) and reactive on `step`. Step -1 is before the first publish.
 */
export class ReplayView {
  readonly entries: readonly TimelineEntry[];
  readonly more: number;
  #step = $state(-1);
  #map = $state.raw(new Map<string, HexView>());
  #revision = $state(0);

  constructor(timeline: Timeline) {
    this.entries = timeline.entries;
    this.more = timeline.more;
    this.step = timeline.entries.length - 1;
  }

  get step(): number {
    return this.#step;
  }
  set step(k: number) {
    const next = Math.max(-1, Math.min(this.entries.length - 1, Math.trunc(k)));
    this.#step = next;
    this.#map = foldTimeline(this.entries, next);
    this.#revision += 1;
  }

  get revision(): number {
    return this.#revision;
  }
  get size(): number {
    return this.#map.size;
  }
  /** The entry shown (null before the first). */
  get entry(): TimelineEntry | null {
    return this.entries[this.#step] ?? null;
  }
  /** What the shown entry changed. */
  get summary(): StepSummary | null {
    const e = this.entry;
    return e ? summariseStep(foldTimeline(this.entries, this.#step - 1), e) : null;
  }
  /** Hexes the shown entry changed (flashed on the map). */
  get changed(): ReadonlySet<string> {
    return new Set(this.entry?.changes.map((c) => c.hex) ?? []);
  }

  // The map's sources.
  readonly terrain = {
    view: this,
    get revision(): number {
      return this.view.revision;
    },
    get: (key: string): string | undefined => this.#map.get(key)?.terrain || undefined,
    forEach: (visit: (terrain: string, key: string) => void): void => {
      for (const [k, v] of this.#map) if (v.terrain) visit(v.terrain, k);
    },
  };
  readonly labels = {
    view: this,
    get revision(): number {
      return this.view.revision;
    },
    forEach: (visit: (text: string, key: string) => void): void => {
      for (const [k, v] of this.#map) if (v.label) visit(v.label, k);
    },
  };
  readonly knowledge = {
    view: this,
    get revision(): number {
      return this.view.revision;
    },
    forEach: (visit: (level: KnowledgeLevel, hex: string) => void): void => {
      for (const [k, v] of this.#map) {
        const level = levelOfView(v);
        if (level) visit(level, k);
      }
    },
  };
}
