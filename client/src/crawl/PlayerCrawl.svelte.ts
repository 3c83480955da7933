import type * as Y from "yjs";
import { overlayCrawl, PlayerCrawlMap, readCrawlView, type ClockView, type PartyView, type Push, type StepView } from "@hexcrawl/shared";

/** A roll the DM showed the players. */
export type SharedRoll = Extract<Push, { type: "roll" }>;

/** Most shared rolls a player's view keeps (the latest). */
export const SHARED_ROLLS_KEPT = 50;

/**
 * The crawl as a player sees it (PLAY7): their party's shown marker and trail, the parties the DM shows, the day
 * and watch — their own document over the party document — and the rolls the DM showed them (pushed, not stored).
 */
export class PlayerCrawl {
  readonly #own: Y.Doc;
  readonly #party: Y.Doc | null;
  readonly #stops: Array<() => void> = [];
  #revision = $state(0);
  #rolls = $state<SharedRoll[]>([]);

  constructor(own: Y.Doc, party: Y.Doc | null) {
    this.#own = own;
    this.#party = party;
    for (const doc of party ? [own, party] : [own]) {
      for (const name of Object.values(PlayerCrawlMap)) {
        const map = doc.getMap<unknown>(name);
        const bump = () => (this.#revision += 1);
        map.observe(bump);
        this.#stops.push(() => map.unobserve(bump));
      }
    }
  }

  get revision(): number {
    return this.#revision;
  }

  #view() {
    void this.#revision;
    const own = readCrawlView(this.#own);
    return this.#party ? overlayCrawl(readCrawlView(this.#party), own) : own;
  }

  /** Parties on the player's map (theirs first). Reactive. */
  get parties(): Array<PartyView & { id: string }> {
    return [...this.#view().parties]
      .map(([id, p]) => ({ ...p, id }))
      .sort((a, b) => Number(b.mine) - Number(a.mine) || a.name.localeCompare(b.name));
  }

  /** The player's trail (shown hexes), in the order walked. Reactive. */
  get trail(): StepView[] {
    return [...this.#view().trail.values()].sort((a, b) => a.day - b.day || a.watch - b.watch);
  }

  /** Day and watch, or null before the DM published any. Reactive. */
  get clock(): ClockView | null {
    return this.#view().clock;
  }

  /** Rolls the DM showed, newest first. */
  get rolls(): readonly SharedRoll[] {
    return this.#rolls;
  }

  /** A `roll` push arrived (on the party document's connection). */
  addRoll(roll: SharedRoll): void {
    this.#rolls = [roll, ...this.#rolls].slice(0, SHARED_ROLLS_KEPT);
  }

  destroy(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }
}
