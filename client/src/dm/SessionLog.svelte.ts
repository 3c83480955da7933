import type { EventLogEntry } from "@hexcrawl/shared/httpApi";
import { apiRoutes } from "@hexcrawl/shared/httpApi";
import { call, errorMessage } from "../connection/api.ts";

/** Most events the log view keeps in memory (the newest). */
export const LOG_VIEW_MAX_EVENTS = 2_000;

/**
 * The DM's view of the session log (LOGUI1): read over HTTP once, then only what is new each time the server
 * nudges (an `events` push — never on a timer); filtered by session and by kinds of event on the server.
 */
export class SessionLog {
  readonly #campaignId: string;
  #events = $state<EventLogEntry[]>([]);
  #error = $state<string | null>(null);
  #loading = $state(false);
  #session = $state<string | null>(null);
  #types = $state<readonly string[]>([]);
  /** Sessions seen in the log, oldest first (for the filter). */
  #sessions = $state<string[]>([]);
  #inFlight: Promise<void> | null = null;
  #again = false;

  constructor(campaignId: string) {
    this.#campaignId = campaignId;
  }

  get events(): readonly EventLogEntry[] {
    return this.#events;
  }
  get error(): string | null {
    return this.#error;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get session(): string | null {
    return this.#session;
  }
  get types(): readonly string[] {
    return this.#types;
  }
  get sessions(): readonly string[] {
    return this.#sessions;
  }

  /** Show only one session and some kinds (empty: every kind); reloads. */
  setFilter(session: string | null, types: readonly string[]): void {
    this.#session = session;
    this.#types = [...types];
    this.#events = [];
    void this.refresh();
  }

  /** Fetch what is new (after the last event shown); concurrent calls coalesce into one more fetch. */
  refresh(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return this.#inFlight;
    }
    this.#inFlight = this.#fetch().finally(() => {
      this.#inFlight = null;
      if (this.#again) {
        this.#again = false;
        void this.refresh();
      }
    });
    return this.#inFlight;
  }

  async #fetch(): Promise<void> {
    this.#loading = true;
    try {
      for (;;) {
        const after = this.#events.at(-1)?.id ?? 0;
        const query = {
          after,
          limit: 500,
          ...(this.#session ? { session: this.#session } : {}),
          ...(this.#types.length > 0 ? { types: this.#types.join(",") } : {}),
        };
        const { events } = await call(apiRoutes.listEvents, { params: { id: this.#campaignId }, query });
        if (events.length === 0) break;
        this.#events = [...this.#events, ...events].slice(-LOG_VIEW_MAX_EVENTS);
        for (const e of events) if (e.sessionId && !this.#sessions.includes(e.sessionId)) this.#sessions = [...this.#sessions, e.sessionId];
        if (events.length < 500) break;
      }
      this.#error = null;
    } catch (err) {
      this.#error = errorMessage(err);
    } finally {
      this.#loading = false;
    }
  }
}
