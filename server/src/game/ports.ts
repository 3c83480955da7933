import type * as Y from "yjs";
import type { SessionStatus } from "@hexcrawl/shared";
import type { Member } from "@hexcrawl/shared/httpApi";

/**
 * What the campaign room needs from the world, as interfaces (STYLE 13). The server wires them to Hocuspocus
 * and Postgres (`hocuspocusDocuments.ts`, `postgresPorts.ts`); fast tests wire them to memory
 * (`memory/MemoryPorts.ts`). No Hocuspocus or pg import here.
 */

/** The awareness of a shared document, as far as the room uses it (y-protocols' Awareness fits). */
export interface RoomAwareness {
  readonly clientID: number;
  getStates(): Map<number, unknown>;
  getLocalState(): unknown;
  setLocalState(state: unknown): void;
  on(event: "change", handler: () => void): void;
  off(event: "change", handler: () => void): void;
}

/** A document the room reads or writes: a Y.Doc with its awareness and a broadcast of stateless messages. */
export type RoomDocument = Y.Doc & {
  readonly awareness: RoomAwareness;
  /** Send a stateless message to every connection of this document, on every instance. */
  broadcastStateless(payload: string): void;
};

/** A connection to a document on this instance (pushes that only this instance computes go this way). */
export interface LocalConnection {
  sendStateless(payload: string): void;
}

/** The DM document: also lists the connections this instance holds on it (the DMs here). */
export type DmDocument = RoomDocument & {
  getConnections(): readonly LocalConnection[];
};

/** A document held open by the room until `release`. */
export interface OpenDocument {
  readonly document: RoomDocument;
  release(): Promise<void>;
}

/** Opens a campaign's party and player documents (loaded from the store if needed). */
export interface DocumentHost {
  open(name: string): Promise<OpenDocument>;
}

/** A player of a campaign. */
export interface Player {
  userId: string;
  name: string;
}

/** Who is in a campaign: every member with their role (players are those with role `player`). */
export interface MemberDirectory {
  members(campaignId: string): Promise<Member[]>;
}

/** A game session row, as the room needs it. */
export interface SessionRecord {
  id: string;
  status: SessionStatus;
  /** Milliseconds since the epoch. */
  updatedAt: number;
}

/** The session lifecycle's store (optimistic: a transition applies only from `expected`). */
export interface SessionStore {
  current(campaignId: string): Promise<SessionRecord>;
  transition(campaignId: string, expected: SessionStatus, next: SessionStatus): Promise<SessionRecord | null>;
}

/** One event of the session log. */
export interface GameEvent {
  campaignId: string;
  type: string;
  actorId: string | null;
  payload: unknown;
  /** The session to file it under; absent: the campaign's current session. */
  sessionId?: string;
}

/** Where events go. Never throws and never blocks the caller (see EventLog). */
export interface EventSink {
  log(event: GameEvent): void;
}

/** Errors of background work (timers, pushes), with where they happened; never thrown into Hocuspocus. */
export type ErrorReporter = (campaignId: string, where: string, err: unknown) => void;

/** Timers, injectable so tests can drive them. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** The real clock; timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

/** What a campaign room is built from (STYLE 13: dependencies passed in, as interfaces). */
export interface RoomDeps {
  campaignId: string;
  documents: DocumentHost;
  members: MemberDirectory;
  sessions: SessionStore;
  events: EventSink;
  onError: ErrorReporter;
  clock: Clock;
}
