import type * as Y from "yjs";
import {
  applyPlayerMeta,
  partyDocName,
  playerDocName,
  readPlayerMeta,
  readSession,
  SCHEMA_VERSION,
  writeSession,
  type SessionState,
} from "@hexcrawl/shared";
import { gameOrigin } from "./origins.ts";
import type { DocumentHost, OpenDocument, RoomDocument, SessionStore } from "./ports.ts";

/** The first generation of a player document (bumped only if one must ever be rebuilt). */
export const FIRST_GENERATION = 1;

/**
 * The party and player documents one campaign room holds open on this instance (while a DM is here: presence
 * reads their awareness, publishes write them). Opening is idempotent and concurrent opens share one promise; a
 * failed open is forgotten so the next call tries again.
 */
export class PlayerDocuments {
  readonly #host: DocumentHost;
  readonly #campaignId: string;
  #party: Promise<OpenDocument> | null = null;
  readonly #players = new Map<string, Promise<OpenDocument>>();
  /** Player documents whose open finished (presence reads these without waiting). */
  readonly #ready = new Map<string, RoomDocument>();
  readonly #watch: (doc: RoomDocument, userId: string | null) => () => void;
  readonly #unwatch: Array<() => void> = [];
  /** Documents whose open finished before the release (released by releaseAll). */
  readonly #held: OpenDocument[] = [];
  #released = false;

  /**
   * @param watch called once per document when its open finishes (userId null: the party document); returns
   *   the function that stops watching, called at release.
   */
  constructor(host: DocumentHost, campaignId: string, watch: (doc: RoomDocument, userId: string | null) => () => void) {
    this.#host = host;
    this.#campaignId = campaignId;
    this.#watch = watch;
  }

  async party(): Promise<RoomDocument> {
    let pending = this.#party;
    if (!pending) {
      pending = this.#host.open(partyDocName(this.#campaignId));
      this.#party = pending;
      pending.then(
        (open) => this.#opened(open, null),
        () => undefined,
      );
    }
    try {
      return (await pending).document;
    } catch (err) {
      if (this.#party === pending) this.#party = null;
      throw err;
    }
  }

  async player(userId: string): Promise<RoomDocument> {
    let pending = this.#players.get(userId);
    if (!pending) {
      pending = this.#host.open(playerDocName(this.#campaignId, userId));
      this.#players.set(userId, pending);
      pending.then(
        (open) => {
          if (this.#opened(open, userId)) this.#ready.set(userId, open.document);
        },
        () => {
          if (this.#players.get(userId) === pending) this.#players.delete(userId);
        },
      );
    }
    return (await pending).document;
  }

  /** Start watching a document whose open finished; one that finished after the release is released at once. */
  #opened(open: OpenDocument, userId: string | null): boolean {
    if (this.#released) {
      void open.release().catch(() => undefined);
      return false;
    }
    this.#held.push(open);
    this.#unwatch.push(this.#watch(open.document, userId));
    return true;
  }

  /** The player documents open right now, by user id. */
  get opened(): ReadonlyMap<string, RoomDocument> {
    return this.#ready;
  }

  /** Release every document (the DM document left this instance). This object is done after this. */
  async releaseAll(onError: (err: unknown) => void): Promise<void> {
    this.#released = true;
    for (const stop of this.#unwatch.splice(0)) stop();
    // Opens still under way release themselves when they finish (#opened).
    await Promise.allSettled([...this.#players.values(), ...(this.#party ? [this.#party] : [])]);
    this.#players.clear();
    this.#ready.clear();
    this.#party = null;
    for (const open of this.#held.splice(0)) {
      try {
        open.document.awareness.setLocalState(null);
        await open.release();
      } catch (err) {
        onError(err);
      }
    }
  }
}

/**
 * First load of a player document (by the player or by the server): give it meta (map name, grid from the party
 * document, generation, schema version) and the session status. Its hexes are only the player's private reveals:
 * what is published to everyone lives in the party document, which the player's client opens too (GAME5) — so a
 * late joiner sees the published map, never the DM's staged changes. Idempotent.
 */
export function initPlayerDocument(doc: Y.Doc, party: Y.Doc | null, session: SessionState, origin: unknown): void {
  if (readPlayerMeta(doc).generation === 0) {
    if (party) {
      const pm = readPlayerMeta(party);
      applyPlayerMeta(doc, { ...(pm.name ? { name: pm.name } : {}), orientation: pm.orientation, hexSize: pm.hexSize }, origin);
    }
    applyPlayerMeta(doc, { generation: FIRST_GENERATION, schemaVersion: SCHEMA_VERSION }, origin);
  }
  if (readSession(doc).status !== session.status) writeSession(doc, session, origin);
}

/** Prepare a player document loaded on this instance (by the player, a DM's preview or the room). */
export async function preparePlayerDocument(
  doc: Y.Doc,
  deps: { campaignId: string; sessions: SessionStore; documents: DocumentHost },
): Promise<void> {
  const session = await deps.sessions.current(deps.campaignId);
  const state = { status: session.status, updatedAt: session.updatedAt };
  // The party document lends its meta to a new player document only.
  if (readPlayerMeta(doc).generation !== 0) return initPlayerDocument(doc, null, state, gameOrigin("init"));
  const party = await deps.documents.open(partyDocName(deps.campaignId));
  try {
    initPlayerDocument(doc, party.document, state, gameOrigin("init"));
  } finally {
    await party.release();
  }
}

/**
 * Write the party document and every player's document: through the room's open documents while a DM is here,
 * else open, write, release each (nothing stays loaded on this instance's account).
 */
export async function writeEveryPlayerDocument(
  target: PlayerDocuments | { host: DocumentHost; campaignId: string },
  players: ReadonlyArray<{ userId: string }>,
  write: (doc: Y.Doc) => void,
): Promise<void> {
  if (target instanceof PlayerDocuments) {
    write(await target.party());
    for (const p of players) write(await target.player(p.userId));
    return;
  }
  for (const name of [partyDocName(target.campaignId), ...players.map((p) => playerDocName(target.campaignId, p.userId))]) {
    const open = await target.host.open(name);
    try {
      write(open.document);
    } finally {
      await open.release();
    }
  }
}
