import { encodePush, type PendingList } from "@hexcrawl/shared";
import type { Clock, LocalConnection } from "./ports.ts";

/** The pending list is pushed this long after the last change that may alter it… */
export const PENDING_PUSH_DELAY_MS = 100;
/** …but no later than this after the first one (a long drag stroke still sees its list grow). */
export const PENDING_PUSH_MAX_DELAY_MS = 500;

export interface PendingPushDeps {
  clock: Clock;
  /** The DM connections on this instance. */
  connections(): readonly LocalConnection[];
  /** Compute the list now (null: nothing to push, the DM document left). Called with `markFresh` right before
   * the list is read, so changes after it make the list stale again. */
  compute(markFresh: () => void): Promise<PendingList | null>;
  onError(err: unknown): void;
}

/**
 * Pushes the pending list to the DM connections on this instance (PUSH1, PUSH2 in SPEC.md): a moment after
 * anything that may change it (trailing debounce, capped), and at once to a DM who connects. Every instance with
 * DMs computes it for its own connections, so nothing depends on which instance published. An unchanged list is
 * not sent again.
 */
export class PendingPush {
  readonly #deps: PendingPushDeps;
  #timer: unknown = null;
  #firstAt = 0;
  #last: string | null = null;
  /** Something changed since `#last` was computed. */
  #stale = true;

  constructor(deps: PendingPushDeps) {
    this.#deps = deps;
  }

  /** Something that may change the list happened. `force`: push even when no DM is connected yet, and resend. */
  schedule(force = false): void {
    this.#stale = true;
    if (!force && this.#deps.connections().length === 0) return;
    const { clock } = this.#deps;
    const now = clock.now();
    if (this.#timer === null) this.#firstAt = now;
    else if (now - this.#firstAt >= PENDING_PUSH_MAX_DELAY_MS - PENDING_PUSH_DELAY_MS) return;
    else clock.clearTimeout(this.#timer);
    if (force) this.#last = null;
    this.#timer = clock.setTimeout(() => {
      this.#timer = null;
      void this.#push().catch((err: unknown) => this.#deps.onError(err));
    }, PENDING_PUSH_DELAY_MS);
  }

  /** A DM connected here: the last list if it is current, else a fresh one for everybody. */
  connected(connection: LocalConnection): void {
    if (this.#last !== null && !this.#stale) connection.sendStateless(this.#last);
    else this.schedule(true);
  }

  /** Stop (the DM document left): nothing more is sent. */
  stop(): void {
    if (this.#timer !== null) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#last = null;
    this.#stale = true;
  }

  async #push(): Promise<void> {
    const list = await this.#deps.compute(() => {
      this.#stale = false;
    });
    if (!list) return;
    const push = encodePush({ v: 1, type: "pending", pending: list });
    if (push === this.#last) return;
    this.#last = push;
    for (const connection of this.#deps.connections()) connection.sendStateless(push);
  }
}
