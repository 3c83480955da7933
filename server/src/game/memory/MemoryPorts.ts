import * as Y from "yjs";
import { Awareness } from "y-protocols/awareness";
import { isAllowedTransition, INITIAL_SESSION_STATUS, type SessionStatus } from "@hexcrawl/shared";
import type { Member } from "@hexcrawl/shared/httpApi";
import type { EventStore, StoredEvent } from "../EventLog.ts";
import type { Clock, DocumentHost, LocalConnection, MemberDirectory, OpenDocument, Player, SessionRecord, SessionStore } from "../ports.ts";

/**
 * The room's ports in memory, so the game rules run in fast tests without Hocuspocus or Postgres (STYLE 13):
 * documents are plain Y.Docs with a real y-protocols Awareness, members/sessions/events are arrays and maps, and
 * the clock is driven by the test.
 */

/** A document in memory: what the room reads and writes, plus what it broadcast and to whom. */
export class MemoryDocument extends Y.Doc {
  readonly name: string;
  readonly awareness: Awareness;
  /** Stateless broadcasts, in order. */
  readonly broadcasts: string[] = [];
  /** The "connections" on this instance (DM clients), each recording what it was sent. */
  readonly connections: MemoryConnection[] = [];
  /** How many room handles hold it open. */
  openCount = 0;

  constructor(name: string) {
    super({ gc: true });
    this.name = name;
    this.awareness = new Awareness(this);
  }

  broadcastStateless(payload: string): void {
    this.broadcasts.push(payload);
    for (const c of this.connections) c.sendStateless(payload);
  }

  getConnections(): readonly LocalConnection[] {
    return this.connections;
  }

  /** Connect a client here (tests). */
  connect(): MemoryConnection {
    const c = new MemoryConnection();
    this.connections.push(c);
    return c;
  }
}

/** A connection that records every stateless message it is sent. */
export class MemoryConnection implements LocalConnection {
  readonly received: string[] = [];
  sendStateless(payload: string): void {
    this.received.push(payload);
  }
}

/** Documents by name; `open` creates a missing one empty (as Hocuspocus would load an unstored one). */
export class MemoryDocumentHost implements DocumentHost {
  readonly docs = new Map<string, MemoryDocument>();
  /** Makes the next opens wait for this promise (tests of what happens meanwhile). */
  gate: Promise<void> | null = null;

  get(name: string): MemoryDocument {
    let doc = this.docs.get(name);
    if (!doc) {
      doc = new MemoryDocument(name);
      this.docs.set(name, doc);
    }
    return doc;
  }

  async open(name: string): Promise<OpenDocument> {
    if (this.gate) await this.gate;
    const document = this.get(name);
    document.openCount += 1;
    let released = false;
    return {
      document,
      release: async () => {
        if (released) throw new Error(`${name} released twice`);
        released = true;
        document.openCount -= 1;
      },
    };
  }
}

/** Players per campaign; counts reads (a read is a query in the real server). */
export class MemoryMembers implements MemberDirectory {
  readonly byCampaign = new Map<string, Player[]>();
  reads = 0;
  /** Makes the next reads wait for this promise. */
  gate: Promise<void> | null = null;

  set(campaignId: string, players: Player[]): void {
    this.byCampaign.set(campaignId, players);
  }

  async members(campaignId: string): Promise<Member[]> {
    this.reads += 1;
    if (this.gate) await this.gate;
    return (this.byCampaign.get(campaignId) ?? []).map((p) => ({ ...p, role: "player", joinedAt: "2026-01-01T00:00:00.000Z" }));
  }
}

/** The session lifecycle in memory, with the same optimistic transition as the store. */
export class MemorySessions implements SessionStore {
  readonly rows = new Map<string, SessionRecord>();
  readonly #clock: Clock;
  #seq = 0;
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async current(campaignId: string): Promise<SessionRecord> {
    let row = this.rows.get(campaignId);
    if (!row) {
      row = { id: `s${++this.#seq}`, status: INITIAL_SESSION_STATUS, updatedAt: this.#clock.now() };
      this.rows.set(campaignId, row);
    }
    return row;
  }

  async transition(campaignId: string, expected: SessionStatus, next: SessionStatus): Promise<SessionRecord | null> {
    const row = await this.current(campaignId);
    if (row.status !== expected) return null;
    if (!isAllowedTransition(expected, next)) throw new RangeError(`session transition ${expected} → ${next} is not allowed`);
    const updated = { id: expected === "ended" ? `s${++this.#seq}` : row.id, status: next, updatedAt: this.#clock.now() };
    this.rows.set(campaignId, updated);
    return updated;
  }
}

/** Events in an array; `failing` makes appends throw (an outage). */
export class MemoryEvents implements EventStore {
  readonly events: StoredEvent[] = [];
  failing: Error | null = null;
  async append(event: StoredEvent): Promise<void> {
    if (this.failing) throw this.failing;
    if (this.events.some((e) => e.eventKey === event.eventKey)) return;
    this.events.push(event);
  }
  ofType(type: string): StoredEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** A clock the test moves: timers run when `advance` passes their time, in order. */
export class ManualClock implements Clock {
  #now = 1_700_000_000_000;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void; every: number | null }>();

  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn, every: null });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  setInterval(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { at: this.#now + ms, fn, every: ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Move time forward by `ms`, running every timer that falls due, and let promises settle after each. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      let next: [number, { at: number; fn: () => void; every: number | null }] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      const [id, timer] = next;
      this.#now = Math.max(this.#now, timer.at);
      if (timer.every === null) this.#timers.delete(id);
      else timer.at += timer.every;
      timer.fn();
    }
    this.#now = end;
    await settle();
  }
}

/** Let every queued promise callback run (a few macrotask turns: the room chains several awaits). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
