import type { Document, Hocuspocus } from "@hocuspocus/server";
import type pg from "pg";
import type * as Y from "yjs";
import {
  ALL_PLAYERS,
  BroadcastMode,
  DmMap,
  HEX_FIELDS,
  MetaKey,
  applyPlayerMeta,
  applyView,
  diffViews,
  indexReveals,
  encodePush,
  PRESENCE_HEARTBEAT_MS,
  nextStatus,
  parseHexKey,
  parseRevealKey,
  partyDocName,
  playerDocName,
  project,
  projectHexes,
  projectPlayerMeta,
  readDmMeta,
  readPlayerMeta,
  readPlayerView,
  readSession,
  readText,
  revertHex,
  SCHEMA_VERSION,
  writeSession,
  type DmServerPresence,
  type ErrorCode,
  type HexKey,
  type HexView,
  type PendingChange,
  type PlayerView,
  type PlayerMeta,
  type PlayerServerPresence,
  type PresenceUser,
  type SessionAction,
  type SessionStatus,
} from "@hexcrawl/shared";
import { randomUUID } from "node:crypto";
import * as repos from "../db/repos.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { gameOrigin, isConnectionOrigin, isGameOrigin } from "./origins.ts";

/** Immediate mode: a burst of edits is published this long after the last one… */
export const IMMEDIATE_DEBOUNCE_MS = 60;
/** …but never later than this after the first one (typing in notes publishes ~4×/s, not per key). */
export const IMMEDIATE_MAX_WAIT_MS = 250;
/** How often the member list is re-read and the DM presence re-pushed to players while a DM is online. */
export const PLAYER_REFRESH_MS = PRESENCE_HEARTBEAT_MS;
/** Event-log inserts during a database outage: first retry, backoff cap, and how long to keep trying. */
export const EVENT_RETRY_FIRST_MS = 500;
export const EVENT_RETRY_CAP_MS = 10_000;
export const EVENT_RETRY_MAX_MS = 10 * 60_000;
/** Immediate-mode publishes are written to the event log as one event per this interval. */
export const IMMEDIATE_LOG_INTERVAL_MS = 10_000;
/** The first generation of a player document (bumped only if one must ever be rebuilt). */
export const FIRST_GENERATION = 1;

/** The concrete direct connection class (the exported `DirectConnection` is a narrower interface). */
type DirectConnection = Awaited<ReturnType<Hocuspocus["openDirectConnection"]>>;

/** Pseudo player id used to project what is revealed to every player (the party document). */
const PARTY = ALL_PLAYERS;

/** A command failure with a protocol error code. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CampaignDeps {
  hocuspocus: Hocuspocus;
  pool: pg.Pool;
  /** Called with every error of a background task (never thrown into Hocuspocus). */
  onError(where: string, err: unknown): void;
  /** Background writes (event log) register here so shutdown can wait for them. */
  track(task: Promise<unknown>): void;
  /** True once the server is shutting down (background retries give up). */
  stopping(): boolean;
}

interface Player {
  userId: string;
  name: string;
}

function readHexView(doc: Y.Doc, hex: HexKey): HexView | undefined {
  const view: HexView = {};
  let any = false;
  for (const f of HEX_FIELDS) {
    const v = readText(doc.getMap(f).get(hex));
    if (v !== undefined) {
      view[f] = v;
      any = true;
    }
  }
  return any ? view : undefined;
}

/**
 * Everything the game server does for one campaign on this instance: it keeps player documents equal
 * to the projection as of the last publish, answers DM commands, mirrors the session lifecycle and
 * derives presence. Work that changes documents is serialized per campaign (`serial`).
 */
export class Campaign {
  private dm: Document | null = null;
  private readonly players = new Map<string, Player>();
  private readonly playerConns = new Map<string, Promise<DirectConnection>>();
  /** Player documents whose direct connection is open (presence reads their awareness). */
  private readonly settled = new Map<string, Document>();
  private partyConn: Promise<DirectConnection> | null = null;
  /** Immediate mode: hexes a DM edited here (origin connection) since the last flush. */
  private readonly dirty = new Set<HexKey>();
  private dirtyAll = false;
  /**
   * Hexes whose projection may differ from the player documents: changed since the last publish by
   * anyone but the game server (DM edits here, over Redis, offline merges). "all" until the first full
   * publish after the DM document was attached here. Keeps a publish and the pending list proportional
   * to what changed, not to the size of the map.
   */
  private unpublished: Set<HexKey> | "all" = "all";
  /** Players whose documents had a full publish since attach (a new player gets one). */
  private readonly fullyPublished = new Set<string>();
  /** Immediate-mode publishes are logged as one event per IMMEDIATE_LOG_INTERVAL_MS. */
  private immediateLog: { hexes: Set<HexKey>; players: Set<string>; timer: NodeJS.Timeout } | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private firstDirtyAt = 0;
  private refreshTimer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly cleanups: Array<() => void> = [];
  private closed = false;

  constructor(
    readonly id: string,
    private readonly deps: CampaignDeps,
  ) {}

  get hasDm(): boolean {
    return this.dm !== null;
  }

  /** Run `fn` after every earlier document-changing task of this campaign. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  // ---------------------------------------------------------------------------------------------
  // DM document

  /** The DM document was loaded on this instance: observe it, open player documents for presence. */
  attachDm(doc: Document): void {
    if (this.dm === doc) return;
    this.detachObservers();
    this.dm = doc;
    this.closed = false;
    const terrain = doc.getMap(DmMap.terrain);
    const label = doc.getMap(DmMap.label);
    const notes = doc.getMap(DmMap.notes);
    const reveals = doc.getMap(DmMap.reveals);
    const meta = doc.getMap(DmMap.meta);

    const onField = (event: Y.YMapEvent<unknown>, tx: Y.Transaction) => {
      for (const key of event.keysChanged) this.markDirty(key, tx.origin);
    };
    const onNotesDeep = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, tx: Y.Transaction) => {
      for (const e of events) {
        if (e.target === notes) for (const key of (e as Y.YMapEvent<unknown>).keysChanged) this.markDirty(key, tx.origin);
        else if (typeof e.path[0] === "string") this.markDirty(e.path[0], tx.origin);
      }
    };
    const onReveals = (event: Y.YMapEvent<unknown>, tx: Y.Transaction) => {
      for (const key of event.keysChanged) {
        const parsed = parseRevealKey(key);
        if (parsed) this.markDirty(parsed.hex, tx.origin);
      }
      if (!isConnectionOrigin(tx.origin)) return;
      const revealed: Array<{ hex: string; target: string }> = [];
      const hidden: Array<{ hex: string; target: string }> = [];
      for (const [key, change] of event.changes.keys) {
        const parsed = parseRevealKey(key);
        if (!parsed) continue;
        if (change.action === "delete") hidden.push(parsed);
        else if (reveals.get(key) === true) revealed.push(parsed);
      }
      const actor = this.actorOf(tx.origin);
      if (revealed.length > 0) this.log("reveal", actor, { reveals: revealed });
      if (hidden.length > 0) this.log("hide", actor, { hides: hidden });
    };
    const onMeta = (event: Y.YMapEvent<unknown>, tx: Y.Transaction) => {
      if (!isConnectionOrigin(tx.origin)) return;
      if (event.keysChanged.has(MetaKey.broadcastMode)) {
        const mode = readDmMeta(doc).broadcastMode;
        this.log("mode", this.actorOf(tx.origin), { mode });
        // Switching to immediate publishes everything pending at once.
        if (mode === BroadcastMode.immediate) this.dirtyAll = true;
      }
      this.scheduleFlush();
    };
    const onAwareness = () => this.updatePresence();

    terrain.observe(onField);
    label.observe(onField);
    notes.observeDeep(onNotesDeep);
    reveals.observe(onReveals);
    meta.observe(onMeta);
    doc.awareness.on("change", onAwareness);
    this.cleanups.push(() => {
      terrain.unobserve(onField);
      label.unobserve(onField);
      notes.unobserveDeep(onNotesDeep);
      reveals.unobserve(onReveals);
      meta.unobserve(onMeta);
      doc.awareness.off("change", onAwareness);
    });

    this.refreshTimer = setInterval(() => {
      void this.refreshPlayers()
        .then(() => this.updatePresence(true))
        .catch((err: unknown) => this.deps.onError("refresh players", err));
    }, PLAYER_REFRESH_MS);
    this.refreshTimer.unref();
    void this.refreshPlayers().catch((err: unknown) => this.deps.onError("open player documents", err));
  }

  /** The DM document was unloaded here: stop deriving, release every player document. */
  async detachDm(): Promise<void> {
    this.lastPlayerPush = "";
    for (const doc of this.settled.values()) doc.broadcastStateless(this.playerPresencePush([]));
    this.closed = true;
    this.detachObservers();
    this.dm = null;
    const conns = [...this.playerConns.values()];
    this.playerConns.clear();
    this.settled.clear();
    const party = this.partyConn;
    this.partyConn = null;
    for (const pending of [...conns, ...(party ? [party] : [])]) {
      try {
        const conn = await pending;
        conn.document?.awareness.setLocalState(null);
        await conn.disconnect();
      } catch (err) {
        this.deps.onError("release player document", err);
      }
    }
  }

  private detachObservers(): void {
    for (const c of this.cleanups.splice(0)) c();
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = null;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.dirty.clear();
    this.dirtyAll = false;
    this.unpublished = "all";
    this.fullyPublished.clear();
    this.flushImmediateLog();
  }

  private actorOf(origin: unknown): string | null {
    if (typeof origin !== "object" || origin === null || !("connection" in origin)) return null;
    const conn = (origin as { connection: { context?: unknown } }).connection;
    const ctx = conn.context as { user?: { id?: unknown } } | undefined;
    return typeof ctx?.user?.id === "string" ? ctx.user.id : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Immediate mode

  /** A hex of the DM document changed: it is unpublished; an edit arriving here also feeds immediate mode. */
  private markDirty(hex: string, origin: unknown): void {
    if (isGameOrigin(origin) || parseHexKey(hex) === null) return;
    if (this.unpublished !== "all") this.unpublished.add(hex);
    if (!isConnectionOrigin(origin)) return;
    this.dirty.add(hex);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    const dm = this.dm;
    if (!dm || readDmMeta(dm).broadcastMode !== BroadcastMode.immediate) return;
    const now = Date.now();
    if (!this.flushTimer) this.firstDirtyAt = now;
    else clearTimeout(this.flushTimer);
    const wait = Math.max(0, Math.min(IMMEDIATE_DEBOUNCE_MS, this.firstDirtyAt + IMMEDIATE_MAX_WAIT_MS - now));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      const all = this.dirtyAll;
      const hexes = [...this.dirty];
      this.dirty.clear();
      this.dirtyAll = false;
      void this.serial(() => this.publishNow(all ? undefined : hexes, null, BroadcastMode.immediate, false)).catch(
        (err: unknown) => this.deps.onError("immediate publish", err),
      );
    }, wait);
  }

  // ---------------------------------------------------------------------------------------------
  // Player documents

  private async refreshPlayers(): Promise<Player[]> {
    const members = await repos.listMembers(this.deps.pool, this.id);
    const current = members.filter((m) => m.role === "player").map((m) => ({ userId: m.userId, name: m.name }));
    const ids = new Set(current.map((p) => p.userId));
    for (const p of current) this.players.set(p.userId, p);
    for (const id of [...this.players.keys()]) if (!ids.has(id)) this.players.delete(id);
    if (this.dm && !this.closed) {
      // Keep every player document loaded while a DM is here: presence reads their awareness.
      await Promise.all(current.map((p) => this.playerDoc(p.userId)));
      this.updatePresence();
    }
    return current;
  }

  private open(name: string): Promise<DirectConnection> {
    return this.deps.hocuspocus.openDirectConnection(name, { game: true, campaignId: this.id });
  }

  private async partyDoc(): Promise<Document> {
    this.partyConn ??= this.open(partyDocName(this.id));
    const conn = await this.partyConn.catch((err: unknown) => {
      this.partyConn = null;
      throw err;
    });
    if (!conn.document) throw new Error("party document closed");
    return conn.document;
  }

  private async playerDoc(userId: string): Promise<Document> {
    let pending = this.playerConns.get(userId);
    if (!pending) {
      pending = this.open(playerDocName(this.id, userId));
      this.playerConns.set(userId, pending);
      pending.then(
        (conn) => {
          const doc = conn.document;
          if (!doc) return;
          this.settled.set(userId, doc);
          const onChange = () => this.updatePresence();
          doc.awareness.on("change", onChange);
          this.cleanups.push(() => doc.awareness.off("change", onChange));
        },
        () => this.playerConns.delete(userId),
      );
    }
    const conn = await pending;
    if (!conn.document) throw new Error("player document closed");
    return conn.document;
  }

  /**
   * First load of a player document (by the player or by us): give it meta, the session status and
   * everything already published to every player (the party document), so a late joiner sees the
   * published map — not the DM's staged changes. Idempotent.
   */
  async initPlayerDoc(doc: Document): Promise<void> {
    const meta = readPlayerMeta(doc);
    const session = await repos.getCurrentSession(this.deps.pool, this.id);
    const origin = gameOrigin("init");
    if (meta.generation === 0) {
      const party = await this.open(partyDocName(this.id));
      try {
        const partyDoc = party.document;
        if (partyDoc) {
          // Only add: another instance may be publishing into this document at the same moment, and
          // our copy of the party document may be older than what it writes.
          const partyView = readPlayerView(partyDoc);
          applyView(doc, partyView, { hexes: partyView.keys(), origin });
          const pm = readPlayerMeta(partyDoc);
          applyPlayerMeta(
            doc,
            { ...(pm.name ? { name: pm.name } : {}), orientation: pm.orientation, hexSize: pm.hexSize },
            origin,
          );
        }
      } finally {
        await party.disconnect();
      }
      applyPlayerMeta(doc, { generation: FIRST_GENERATION, schemaVersion: SCHEMA_VERSION }, origin);
    }
    if (readSession(doc).status !== session.status) {
      writeSession(doc, { status: session.status, updatedAt: session.updatedAt.getTime() }, origin);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  private requireDm(): Document {
    if (!this.dm) throw new CommandError("NOT_FOUND", "The DM document is not open on this server");
    return this.dm;
  }

  /**
   * Apply the projection to every player document (and the party document): every unpublished hex, or
   * `hexes`. The reveals are indexed once and the part revealed to everyone is projected once, so the
   * cost is (changed hexes) × (players), not (map size) × (players). Must run inside `serial`.
   * @param freshMembers re-read the member list first (commands); immediate-mode flushes use the cache.
   */
  private async publishNow(
    hexes: HexKey[] | undefined,
    actorId: string | null,
    mode: BroadcastMode,
    freshMembers = true,
  ): Promise<{ hexes: number; players: number; at: number }> {
    const dm = this.requireDm();
    const players = freshMembers || this.players.size === 0 ? await this.refreshPlayers() : [...this.players.values()];
    const origin = gameOrigin("publish");
    const meta: PlayerMeta = projectPlayerMeta(dm);
    const index = indexReveals(dm);
    const unpublished = this.unpublished;
    // What this publish covers: the listed hexes, or everything unpublished (all hexes after an attach).
    const scope: Set<HexKey> | null = hexes ? new Set(hexes) : unpublished === "all" ? null : new Set(unpublished);
    const changedHexes = new Set<HexKey>();
    const changedPlayers: string[] = [];

    const starFull = () => projectHexes(dm, PARTY, index.all);
    const starScoped = scope ? projectHexes(dm, PARTY, [...scope].filter((h) => index.all.has(h))) : null;
    const targetFor = (playerId: string, full: boolean): { view: PlayerView; scope: Set<HexKey> | null } => {
      const own = index.byPlayer.get(playerId);
      if (full || !scope) {
        const view = starFull();
        if (own) for (const [h, v] of projectHexes(dm, playerId, own)) view.set(h, v);
        return { view, scope: null };
      }
      const view = new Map(starScoped ?? []);
      if (own) for (const [h, v] of projectHexes(dm, playerId, [...scope].filter((h) => own.has(h)))) view.set(h, v);
      return { view, scope };
    };

    const party = await this.partyDoc();
    const partyTarget = scope ? (starScoped ?? new Map()) : starFull();
    party.transact(() => {
      applyView(party, partyTarget, { ...(scope ? { hexes: scope } : {}), origin });
      applyPlayerMeta(party, meta, origin);
    }, origin);

    for (const p of players) {
      const doc = await this.playerDoc(p.userId);
      // A player not fully published since attach (new member, new instance) gets everything, not a delta.
      const full = !hexes && !this.fullyPublished.has(p.userId);
      const target = targetFor(p.userId, full);
      // Hexes and meta in one transaction: one update per player document per publish.
      let changed: HexKey[] = [];
      let metaChanged = false;
      doc.transact(() => {
        changed = applyView(doc, target.view, { ...(target.scope ? { hexes: target.scope } : {}), origin });
        metaChanged = applyPlayerMeta(doc, meta, origin);
      }, origin);
      if (!hexes) this.fullyPublished.add(p.userId);
      if (changed.length > 0 || metaChanged) changedPlayers.push(p.userId);
      for (const h of changed) changedHexes.add(h);
    }
    if (hexes) {
      if (this.unpublished !== "all") for (const h of hexes) this.unpublished.delete(h);
    } else if (this.unpublished === unpublished || this.unpublished === "all") {
      this.unpublished = new Set();
    } else {
      for (const h of unpublished) this.unpublished.delete(h);
    }
    const at = Date.now();
    if (changedHexes.size > 0) {
      if (mode === BroadcastMode.immediate) this.logImmediate(changedHexes, changedPlayers);
      else this.log("publish", actorId, { mode, hexes: [...changedHexes], players: changedPlayers });
    }
    return { hexes: changedHexes.size, players: changedPlayers.length, at };
  }

  /** Immediate mode publishes several times a second: log them as one event per interval. */
  private logImmediate(hexes: Iterable<HexKey>, players: Iterable<string>): void {
    if (!this.immediateLog) {
      const timer = setTimeout(() => this.flushImmediateLog(), IMMEDIATE_LOG_INTERVAL_MS);
      timer.unref();
      this.immediateLog = { hexes: new Set(), players: new Set(), timer };
    }
    for (const h of hexes) this.immediateLog.hexes.add(h);
    for (const p of players) this.immediateLog.players.add(p);
  }

  private flushImmediateLog(): void {
    const entry = this.immediateLog;
    if (!entry) return;
    this.immediateLog = null;
    clearTimeout(entry.timer);
    this.log("publish", null, { mode: BroadcastMode.immediate, hexes: [...entry.hexes], players: [...entry.players] });
  }

  /** `publish` command (staged mode; also valid in immediate mode as a "sync now"). */
  publish(hexes: HexKey[] | undefined, actorId: string): Promise<{ hexes: number; players: number; at: number }> {
    return this.serial(() => this.publishNow(hexes, actorId, BroadcastMode.staged));
  }

  /** `pending` command: per player, what publishing now would change. */
  pending(): Promise<{ players: Array<{ userId: string; changes: PendingChange[] }> }> {
    return this.serial(async () => {
      const dm = this.requireDm();
      const players = await this.refreshPlayers();
      const scope = this.unpublished;
      const out: Array<{ userId: string; changes: PendingChange[] }> = [];
      for (const p of [...players].sort((a, b) => a.userId.localeCompare(b.userId))) {
        const doc = await this.playerDoc(p.userId);
        if (scope === "all" || !this.fullyPublished.has(p.userId)) {
          out.push({ userId: p.userId, changes: diffViews(readPlayerView(doc), project(dm, p.userId)) });
          continue;
        }
        // Everything outside `unpublished` is known to be equal: diff only those hexes.
        const published: PlayerView = new Map();
        for (const h of scope) {
          const v = readHexView(doc, h);
          if (v) published.set(h, v);
        }
        out.push({ userId: p.userId, changes: diffViews(published, projectHexes(dm, p.userId, scope)) });
      }
      return { players: out };
    });
  }

  /** `drop` command: revert one hex's pending change in the DM document. */
  drop(hex: HexKey, actorId: string): Promise<{ hex: HexKey; changed: boolean }> {
    return this.serial(async () => {
      const dm = this.requireDm();
      const players = await this.refreshPlayers();
      const published = new Map<string, HexView | undefined>();
      for (const p of players) published.set(p.userId, readHexView(await this.playerDoc(p.userId), hex));
      const changed = revertHex(dm, hex, published, gameOrigin("drop"));
      if (changed) this.log("drop", actorId, { hex });
      return { hex, changed };
    });
  }

  /** `session` command: move the lifecycle, persist it, mirror it into every player document. */
  session(action: SessionAction, actorId: string): Promise<{ status: SessionStatus }> {
    return this.serial(async () => {
      const current = await repos.getCurrentSession(this.deps.pool, this.id);
      const next = nextStatus(current.status, action);
      if (!next.ok) throw new CommandError("INVALID_TRANSITION", next.message);
      const updated = await repos.setSessionStatus(this.deps.pool, this.id, current.status, next.status);
      if (!updated) throw new CommandError("INVALID_TRANSITION", "The session changed meanwhile; try again");
      await this.mirrorSession(updated.status, updated.updatedAt.getTime());
      this.log(`session_${action}`, actorId, { from: current.status, to: updated.status }, updated.id);
      return { status: updated.status };
    });
  }

  private async mirrorSession(status: SessionStatus, updatedAt: number): Promise<void> {
    const players = await this.refreshPlayers();
    const origin = gameOrigin("session");
    writeSession(await this.partyDoc(), { status, updatedAt }, origin);
    for (const p of players) writeSession(await this.playerDoc(p.userId), { status, updatedAt }, origin);
  }

  // ---------------------------------------------------------------------------------------------
  // Presence

  /**
   * Presence from awareness: players online = a player's own state on their player document
   * (Redis forwards awareness from other instances); DMs online = DM states on the DM document.
   * Published as this server's awareness state on the DM document (players + DMs) and on each
   * player document (DM names only).
   */
  updatePresence(heartbeat = false): void {
    const dm = this.dm;
    if (!dm || this.closed) return;
    const online: PresenceUser[] = [];
    for (const [userId, doc] of this.settled) {
      const player = this.players.get(userId);
      if (!player) continue;
      let isOnline = false;
      doc.awareness.getStates().forEach((state, clientId) => {
        if (clientId === doc.awareness.clientID) return;
        const user = (state as { user?: { userId?: unknown; role?: unknown } }).user;
        if (user?.userId === userId && user.role === "player") isOnline = true;
      });
      if (isOnline) online.push({ userId, name: player.name });
    }
    online.sort((a, b) => a.userId.localeCompare(b.userId));
    const dmList = this.currentDms();
    const dmState: DmServerPresence = { presence: { players: online, dms: dmList } };
    if (JSON.stringify(dm.awareness.getLocalState()) !== JSON.stringify(dmState)) dm.awareness.setLocalState(dmState);
    const playerState: PlayerServerPresence = { presence: { dms: dmList.map((d) => ({ name: d.name })) } };
    for (const doc of this.settled.values()) {
      if (JSON.stringify(doc.awareness.getLocalState()) !== JSON.stringify(playerState)) {
        doc.awareness.setLocalState(playerState);
      }
    }
    // The Redis extension does not forward awareness of a document with no client connection here, so
    // players on other instances also get a stateless push — on change and as a heartbeat (clients treat
    // a DM as offline when no push arrived for PRESENCE_STALE_MS, shared/src/protocol.ts).
    const push = this.playerPresencePush(dmList);
    if (heartbeat || push !== this.lastPlayerPush) {
      this.lastPlayerPush = push;
      for (const doc of this.settled.values()) doc.broadcastStateless(push);
    }
  }

  private lastPlayerPush = "";

  /** The presence push players get: the DMs online, nothing about other players. */
  playerPresencePush(dms: PresenceUser[] = this.currentDms()): string {
    return encodePush({ v: 1, type: "presence", online: dms.map((d) => ({ userId: d.userId, name: d.name, role: "dm" })) });
  }

  private currentDms(): PresenceUser[] {
    const dm = this.dm;
    if (!dm || this.closed) return [];
    const dms = new Map<string, PresenceUser>();
    dm.awareness.getStates().forEach((state, clientId) => {
      if (clientId === dm.awareness.clientID) return;
      const user = (state as { user?: { userId?: unknown; name?: unknown; role?: unknown } }).user;
      if (user && typeof user.userId === "string" && typeof user.name === "string" && user.role !== "player") {
        dms.set(user.userId, { userId: user.userId, name: user.name });
      }
    });
    return [...dms.values()].sort((a, b) => a.userId.localeCompare(b.userId));
  }

  // ---------------------------------------------------------------------------------------------
  // Event log

  /**
   * Record an event (once: callers only log where the change or command arrived). Never throws. While the
   * database is unreachable the insert is retried with backoff for up to EVENT_RETRY_MAX_MS, keeping the
   * original time; a random event key makes a retry after an ambiguous failure a no-op, not a duplicate.
   */
  log(type: string, actorId: string | null, payload: unknown, sessionId?: string): void {
    const at = new Date();
    const eventKey = `${this.id}:${randomUUID()}`;
    const task = (async () => {
      for (let delay = EVENT_RETRY_FIRST_MS; ; delay = Math.min(delay * 2, EVENT_RETRY_CAP_MS)) {
        try {
          const sid = sessionId ?? (await repos.getCurrentSession(this.deps.pool, this.id)).id;
          await repos.appendEvent(this.deps.pool, { campaignId: this.id, sessionId: sid, type, actorId, payload, eventKey, at });
          return;
        } catch (err) {
          if (!isDatabaseUnavailable(err) || Date.now() - at.getTime() > EVENT_RETRY_MAX_MS || this.deps.stopping()) throw err;
          this.deps.onError(`log ${type} (retrying)`, err);
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    })().catch((err: unknown) => this.deps.onError(`log ${type}`, err));
    this.deps.track(task);
  }
}
