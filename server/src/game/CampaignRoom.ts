import {
  BroadcastMode,
  liveRevealIndex,
  PRESENCE_HEARTBEAT_MS,
  writeSession,
  type CommandResult,
  type HexKey,
  type PendingList,
  type SessionAction,
  type SessionStatus,
} from "@hexcrawl/shared";
import type * as Y from "yjs";
import { PUBLISH_VIEWS_EVENT } from "@hexcrawl/shared/timeline";
import { watchForGame } from "./DmDocumentWatcher.ts";
import { CommandError } from "./errors.ts";
import { ImmediateMode, PublishLogBatch } from "./ImmediateMode.ts";
import { gameOrigin } from "./origins.ts";
import { PlayerDocuments, preparePlayerDocument, writeEveryPlayerDocument } from "./PlayerDocuments.ts";
import { transitionSession } from "./sessionLifecycle.ts";
import { Announcer } from "./Announcer.ts";
import { PendingPush } from "./PendingPush.ts";
import { MEMBERS_FRESH_MS, PlayerRoster } from "./PlayerRoster.ts";
import type { DmDocument, LocalConnection, Player, RoomDeps, RoomDocument } from "./ports.ts";
import { PresenceRelay } from "./PresenceRelay.ts";
import { Publisher, type PublishDocs, type PublishOutcome } from "./Publisher.ts";
import { publishViews } from "./timelineEntries.ts";

/** How often the member list is re-read and presence re-pushed to players while a DM document is here. */
export const PLAYER_REFRESH_MS = PRESENCE_HEARTBEAT_MS;

/**
 * One campaign's game on this instance (GAME, LIFE, PRES in SPEC.md): a coordinator over small parts — the DM
 * document watcher, the publisher, the player documents, the immediate-mode throttle, the presence relay — that
 * keeps the players' documents equal to the projection as of the last publish, answers DM commands, pushes the
 * pending list to the DMs here, and logs what happened. Work that reads or writes documents runs one task at a
 * time (`serial`).
 */
export class CampaignRoom {
  readonly id: string;
  readonly #deps: RoomDeps;
  #dm: DmDocument | null = null;
  #docs: PlayerDocuments | null = null;
  #presence: PresenceRelay | null = null;
  readonly #publisher = new Publisher();
  readonly #immediate: ImmediateMode;
  readonly #publishLog: PublishLogBatch;
  readonly #roster: PlayerRoster;
  readonly #push: PendingPush;
  readonly #announce: Announcer;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #stops: Array<() => void> = [];

  constructor(deps: RoomDeps) {
    this.id = deps.campaignId;
    this.#deps = deps;
    this.#immediate = new ImmediateMode(deps.clock, (hexes) => {
      void this.serial(() => this.#flushImmediate(hexes)).catch((err: unknown) => this.#error("immediate publish", err));
    });
    this.#publishLog = new PublishLogBatch(deps.clock, (hexes, players) => {
      this.#log("publish", null, { mode: BroadcastMode.immediate, hexes, players });
      // Immediate mode records the players' views once per log batch, not per keystroke (REPLAY1).
      const written = { party: hexes, own: new Map(players.map((id) => [id, hexes])) };
      void this.serial(async () => {
        // The last DM may have left since the batch began: the documents are closed, nothing to read (REPLAY1).
        if (!this.#dm) return;
        this.#recordTimeline(await this.#publishDocs(Number.POSITIVE_INFINITY), written);
      }).catch((err: unknown) => this.#error("timeline", err));
    });
    this.#roster = new PlayerRoster(deps.members, deps.campaignId, deps.clock);
    this.#push = new PendingPush({
      clock: deps.clock,
      connections: () => this.#dm?.getConnections() ?? [],
      compute: (markFresh) =>
        this.serial(async () => {
          if (!this.#dm) return null;
          const docs = await this.#publishDocs(Number.POSITIVE_INFINITY);
          markFresh();
          return this.#publisher.pending(docs);
        }),
      onError: (err) => this.#error("pending push", err),
    });
    this.#announce = new Announcer({
      dm: () => this.#dm,
      party: () => this.#docs?.party() ?? null,
      clock: deps.clock,
      onError: (where, err) => this.#error(where, err),
    });
  }

  /** True while the DM document is attached here. */
  get hasDm(): boolean {
    return this.#dm !== null;
  }

  /** What the publisher has not published yet (tests, diagnostics). */
  get unpublished(): ReadonlySet<HexKey> | "all" {
    return this.#publisher.unpublished;
  }

  /** Run `fn` after every earlier document task of this room. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(fn, fn);
    this.#chain = next.catch(() => undefined);
    return next;
  }

  // The DM document

  /** The DM document was loaded on this instance: watch it, open the players' documents for presence. */
  attach(dm: DmDocument): void {
    if (this.#dm === dm) return;
    this.#stopAll();
    this.#dm = dm;
    this.#publisher.reset();
    this.#presence = new PresenceRelay(dm);
    this.#docs = new PlayerDocuments(this.#deps.documents, this.id, (doc, userId) => this.#watchPlayerDocument(doc, userId));
    this.#stops.push(
      watchForGame(dm, {
        unpublished: (hexes) => this.#publisher.markChanged(hexes),
        editedHere: (hexes) => this.#immediate.edited(hexes),
        // Switching to immediate publishes everything pending at once; back to staged, nothing more goes out.
        modeSwitched: (mode) => (mode === BroadcastMode.immediate ? this.#immediate.publishAll() : this.#immediate.cancel()),
        log: (type, actorId, payload) => this.#log(type, actorId, payload),
        rollShared: (roll) => this.#announce.roll(roll),
      }),
    );
    // Anything in the DM document may change the pending list (a drop by the server too).
    const onUpdate = () => this.#push.schedule();
    const onAwareness = () => this.#updatePresence();
    dm.on("update", onUpdate);
    dm.awareness.on("change", onAwareness);
    this.#stops.push(() => {
      dm.off("update", onUpdate);
      dm.awareness.off("change", onAwareness);
    });
    const clock = this.#deps.clock;
    const timer = clock.setInterval(() => {
      void this.#refreshPlayers()
        .then(() => this.#updatePresence(true))
        .catch((err: unknown) => this.#error("refresh players", err));
    }, PLAYER_REFRESH_MS);
    this.#stops.push(() => clock.clearInterval(timer));
    void this.#refreshPlayers().catch((err: unknown) => this.#error("open player documents", err));
  }

  /** The DM document was unloaded here: stop deriving, release every player document. */
  async detach(): Promise<void> {
    const docs = this.#docs;
    if (docs) this.#presence?.clear(docs.opened);
    this.#stopAll();
    this.#dm = null;
    this.#docs = null;
    this.#presence = null;
    await docs?.releaseAll((err) => this.#error("release player document", err));
  }

  #stopAll(): void {
    for (const stop of this.#stops.splice(0)) stop();
    this.#immediate.cancel();
    this.#publishLog.flush();
    this.#push.stop();
    this.#announce.stop();
  }

  #requireDm(): DmDocument {
    if (!this.#dm) throw new CommandError("NOT_FOUND", "The DM document is not open on this server");
    return this.#dm;
  }

  // Players and their documents

  async #refreshPlayers(): Promise<Player[]> {
    const { players, playersChanged, membersChanged } = await this.#roster.refresh();
    const docs = this.#docs;
    if (docs) {
      // Keep every player document loaded while a DM is here: presence reads their awareness.
      await Promise.all(players.map((p) => docs.player(p.userId)));
      this.#updatePresence();
    }
    if (playersChanged) this.#push.schedule();
    if (membersChanged) this.#announce.members(this.#roster.members);
    return players;
  }

  /** The members changed somewhere (the cluster bus): read them now, push the list and the pending list. */
  membersChanged(): void {
    if (!this.#dm) return;
    void this.#refreshPlayers().catch((err: unknown) => this.#error("refresh members", err));
  }

  /** New events are in the log (from any instance): nudge the DMs here (Announcer). */
  eventsStored(): void {
    this.#announce.eventsStored();
  }

  /** The players, from the roster unless it is stale for `maxAgeMs` (PlayerRoster.isStale). */
  async #playerList(maxAgeMs: number): Promise<Player[]> {
    const dm = this.#dm;
    const stale = this.#roster.isStale(maxAgeMs, () => (dm ? liveRevealIndex(dm).byPlayer.keys() : []));
    return stale ? this.#refreshPlayers() : [...this.#roster.byId.values()];
  }

  /** The documents a publish, pending list or drop works on (the DM document must be here). */
  async #publishDocs(maxMemberAgeMs: number): Promise<PublishDocs> {
    this.#requireDm();
    const players = await this.#playerList(maxMemberAgeMs);
    const docs = this.#docs;
    const dm = this.#dm;
    if (!docs || !dm) throw new CommandError("NOT_FOUND", "The DM document left this server");
    const [party, own] = await Promise.all([
      docs.party(),
      Promise.all(players.map(async (p) => ({ userId: p.userId, doc: await docs.player(p.userId) }))),
    ]);
    return { dm, party, players: own };
  }

  /** A player or party document opened by the room: its changes may change the pending list. */
  #watchPlayerDocument(doc: RoomDocument, userId: string | null): () => void {
    const onUpdate = () => this.#push.schedule();
    const onAwareness = () => this.#updatePresence();
    doc.on("update", onUpdate);
    if (userId !== null) doc.awareness.on("change", onAwareness);
    return () => {
      doc.off("update", onUpdate);
      doc.awareness.off("change", onAwareness);
    };
  }

  /** A player opened their document (on any instance that tells us): a new member is picked up at once. */
  playerConnected(userId: string): void {
    if (this.#dm && !this.#roster.byId.has(userId)) {
      void this.#refreshPlayers().catch((err: unknown) => this.#error("refresh players", err));
    }
  }

  /** Prepare a player document loaded on this instance: meta and session status (preparePlayerDocument). */
  preparePlayerDocument(doc: Y.Doc): Promise<void> {
    return preparePlayerDocument(doc, { campaignId: this.id, sessions: this.#deps.sessions, documents: this.#deps.documents });
  }

  // Commands (each runs in `serial`)

  /** `publish`: every pending change, or only `hexes`. */
  publish(hexes: HexKey[] | undefined, actorId: string): Promise<CommandResult<"publish">> {
    return this.serial(async () => {
      const docs = await this.#publishDocs(MEMBERS_FRESH_MS);
      const out = this.#publisher.publish(docs, hexes, gameOrigin("publish"));
      const at = this.#deps.clock.now();
      if (out.hexes.length > 0) this.#log("publish", actorId, { mode: BroadcastMode.staged, hexes: out.hexes, players: out.players });
      this.#recordTimeline(docs, out.written);
      return { hexes: out.hexes.length, players: out.players.length, at };
    });
  }

  async #flushImmediate(hexes: HexKey[] | undefined): Promise<void> {
    if (!this.#dm) return;
    const docs = await this.#publishDocs(Number.POSITIVE_INFINITY);
    const out = this.#publisher.publish(docs, hexes, gameOrigin("publish"));
    if (out.hexes.length > 0) this.#publishLog.add(out.hexes, out.players);
  }

  /** `pending`: what publishing now would change, grouped (the same list the push carries). */
  pending(): Promise<PendingList> {
    return this.serial(async () => this.#publisher.pending(await this.#publishDocs(MEMBERS_FRESH_MS)));
  }

  /** `drop`: revert one hex's pending change in the DM document. */
  drop(hex: HexKey, actorId: string): Promise<{ hex: HexKey; changed: boolean }> {
    return this.serial(async () => {
      const docs = await this.#publishDocs(MEMBERS_FRESH_MS);
      const changed = this.#publisher.drop(docs, hex, gameOrigin("drop"));
      if (changed) this.#log("drop", actorId, { hex });
      return { hex, changed };
    });
  }

  /** `session`: move the lifecycle, persist it, mirror it into the party and every player document. */
  session(action: SessionAction, actorId: string): Promise<{ status: SessionStatus }> {
    return this.serial(async () => {
      const { from, to } = await transitionSession(this.#deps.sessions, this.id, action);
      const state = { status: to.status, updatedAt: to.updatedAt };
      const players = await this.#refreshPlayers();
      const target = this.#docs ?? { host: this.#deps.documents, campaignId: this.id };
      await writeEveryPlayerDocument(target, players, (doc) => writeSession(doc, state, gameOrigin("session")));
      this.#log(`session_${action}`, actorId, { from, to: to.status }, to.id);
      return { status: to.status };
    });
  }

  /** A DM connected here: give them the pending list now (PendingPush). */
  dmConnected(connection: LocalConnection): void {
    this.#push.connected(connection);
    if (this.#roster.loaded) this.#announce.members(this.#roster.members, connection);
  }

  // Presence and the event log

  #updatePresence(heartbeat = false): void {
    const docs = this.#docs;
    if (!this.#dm || !docs) return;
    this.#presence?.update(this.#roster.byId, docs.opened, heartbeat);
  }

  /** The presence push for a player connecting now (null without a DM document here). */
  playerPresencePush(): string | null {
    return this.#presence?.playerPush() ?? null;
  }

  /** What this publish changed in each player's view, into their timeline (REPLAY1). */
  #recordTimeline(docs: PublishDocs, written: PublishOutcome["written"]): void {
    for (const payload of publishViews(docs, written)) this.#log(PUBLISH_VIEWS_EVENT, null, payload);
  }

  #log(type: string, actorId: string | null, payload: unknown, sessionId?: string): void {
    this.#deps.events.log({ campaignId: this.id, type, actorId, payload, ...(sessionId ? { sessionId } : {}) });
  }

  #error(where: string, err: unknown): void {
    this.#deps.onError(this.id, where, err);
  }
}
