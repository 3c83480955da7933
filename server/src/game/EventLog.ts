import { randomUUID } from "node:crypto";
import type { Clock, EventSink, GameEvent } from "./ports.ts";

/** Event-log inserts during a database outage: first retry, backoff cap, and how long to keep trying. */
export const EVENT_RETRY_FIRST_MS = 500;
export const EVENT_RETRY_CAP_MS = 10_000;
export const EVENT_RETRY_MAX_MS = 10 * 60_000;

/** An event as stored: with its idempotency key and its original time. */
export interface StoredEvent extends GameEvent {
  /** Unique across campaigns; a retried insert with the same key is a no-op, never a duplicate. */
  eventKey: string;
  at: Date;
}

/** Where the log writes (Postgres in the server, memory in tests). */
export interface EventStore {
  append(event: StoredEvent): Promise<void>;
}

export interface EventLogOptions {
  /** Called after an event is stored (the server tells the DMs' log views, on every instance). */
  onStored?(campaignId: string): void;
  /** True for errors worth retrying (the database is unreachable). */
  isUnavailable(err: unknown): boolean;
  onError(campaignId: string, where: string, err: unknown): void;
  clock: Clock;
}

/**
 * The session event log, one per process (LOG1, LOG2 in SPEC.md). `log` never throws and never blocks: while the
 * database is unreachable an insert is retried with backoff for up to EVENT_RETRY_MAX_MS, keeping the original
 * time; a random event key makes a retry after an ambiguous failure a no-op. `drain` waits for every write in
 * flight (shutdown, before the pool closes).
 */
export class EventLog implements EventSink {
  readonly #store: EventStore;
  readonly #opts: EventLogOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #stopping = false;

  constructor(store: EventStore, opts: EventLogOptions) {
    this.#store = store;
    this.#opts = opts;
  }

  log(event: GameEvent): void {
    const stored: StoredEvent = { ...event, eventKey: `${event.campaignId}:${randomUUID()}`, at: new Date(this.#opts.clock.now()) };
    const task = this.#write(stored).catch((err: unknown) => this.#opts.onError(event.campaignId, `log ${event.type}`, err));
    this.#inFlight.add(task);
    void task.finally(() => this.#inFlight.delete(task));
  }

  async #write(event: StoredEvent): Promise<void> {
    for (let delay = EVENT_RETRY_FIRST_MS; ; delay = Math.min(delay * 2, EVENT_RETRY_CAP_MS)) {
      try {
        await this.#store.append(event);
        this.#opts.onStored?.(event.campaignId);
        return;
      } catch (err) {
        const age = this.#opts.clock.now() - event.at.getTime();
        if (!this.#opts.isUnavailable(err) || age > EVENT_RETRY_MAX_MS || this.#stopping) throw err;
        this.#opts.onError(event.campaignId, `log ${event.type} (retrying)`, err);
        await new Promise<void>((resolve) => this.#opts.clock.setTimeout(resolve, delay));
      }
    }
  }

  /** Stop retrying and wait for the writes in flight. */
  async drain(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled([...this.#inFlight]);
  }
}
