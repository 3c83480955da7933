import type { HexKey } from "@hexcrawl/shared";
import type { Clock } from "./ports.ts";

/**
 * Immediate mode publishes at most once per this interval per campaign (throttle, leading edge): an edit after a
 * quiet moment goes out at once, a burst (typing in notes) is coalesced into ≤ 20 publishes/s. Kept below the gap
 * between keystrokes of fast typing (~100 ms): a throttle as long as that gap locks into delaying every keystroke
 * by a whole interval.
 */
export const IMMEDIATE_INTERVAL_MS = 50;
/** Immediate-mode publishes are written to the event log as one event per this interval. */
export const IMMEDIATE_LOG_INTERVAL_MS = 10_000;

/**
 * The immediate-mode throttle (GAME4): collects the hexes DMs edited on this instance and calls `flush` with them
 * at most once per IMMEDIATE_INTERVAL_MS — `undefined` meaning "everything unpublished" after a switch to
 * immediate mode. The flush runs on a timer even when due at once, so the edits of one tick (one message, one
 * offline merge) go out together.
 */
export class ImmediateMode {
  readonly #clock: Clock;
  readonly #flush: (hexes: HexKey[] | undefined) => void;
  readonly #dirty = new Set<HexKey>();
  #all = false;
  #timer: unknown = null;
  #lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(clock: Clock, flush: (hexes: HexKey[] | undefined) => void) {
    this.#clock = clock;
    this.#flush = flush;
  }

  /** DMs edited these hexes here. */
  edited(hexes: Iterable<HexKey>): void {
    for (const h of hexes) this.#dirty.add(h);
    this.#schedule();
  }

  /** Publish everything unpublished (the mode was just switched to immediate). */
  publishAll(): void {
    this.#all = true;
    this.#schedule();
  }

  /** Forget what is waiting (the DM document left, or the mode is staged again). */
  cancel(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#dirty.clear();
    this.#all = false;
  }

  #schedule(): void {
    // A flush already scheduled takes everything dirty when it runs.
    if (this.#timer !== null) return;
    const wait = Math.max(0, this.#lastFlushAt + IMMEDIATE_INTERVAL_MS - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#lastFlushAt = this.#clock.now();
      const hexes = this.#all ? undefined : [...this.#dirty];
      this.#dirty.clear();
      this.#all = false;
      this.#flush(hexes);
    }, wait);
  }
}

/** Immediate-mode publishes happen several times a second: they are logged as one event per interval. */
export class PublishLogBatch {
  readonly #clock: Clock;
  readonly #write: (hexes: HexKey[], players: string[]) => void;
  #open: { hexes: Set<HexKey>; players: Set<string>; timer: unknown } | null = null;

  constructor(clock: Clock, write: (hexes: HexKey[], players: string[]) => void) {
    this.#clock = clock;
    this.#write = write;
  }

  add(hexes: Iterable<HexKey>, players: Iterable<string>): void {
    if (!this.#open) {
      const timer = this.#clock.setTimeout(() => this.flush(), IMMEDIATE_LOG_INTERVAL_MS);
      this.#open = { hexes: new Set(), players: new Set(), timer };
    }
    for (const h of hexes) this.#open.hexes.add(h);
    for (const p of players) this.#open.players.add(p);
  }

  /** Write what was collected now (interval over, or the DM document leaves). */
  flush(): void {
    const open = this.#open;
    if (!open) return;
    this.#open = null;
    this.#clock.clearTimeout(open.timer);
    this.#write([...open.hexes], [...open.players]);
  }
}
