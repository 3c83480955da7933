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
  overlayViews,
  project,
  projectHexes,
  projectPrivate,
  readHexView,
  projectPlayerMeta,
  readDmMeta,
  readPlayerMeta,
  readPlayerView,
  readSession,
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
  type RevealIndex,
  type SessionAction,
  type SessionStatus,
} from "@hexcrawl/shared";
import { randomUUID } from "node:crypto";
import * as repos from "../db/repos.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { gameOrigin, isConnectionOrigin, isGameOrigin } from "./origins.ts";

/**
 * Immediate mode publishes at most once per this interval per campaign (throttle, leading edge): an edit
 * after a quiet moment goes out at once, a burst (typing in notes) is coalesced into ≤ 20 publishes/s. Kept
 * below the gap between keystrokes of fast typing (~100 ms): a throttle as long as that gap locks into
 * delaying every keystroke by a whole interval.
 */
export const IMMEDIATE_INTERVAL_MS = 50;
/** How often the member list is re-read and the DM presence re-pushed to players while a DM is online. */
export const PLAYER_REFRESH_MS = PRESENCE_HEARTBEAT_MS;
/** A publish command re-reads the member list when it is older than this. */
export const MEMBERS_FRESH_MS = 2_000;
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

/** Every hex a player (or party) document holds a field of. */
function hexesOf(doc: Y.Doc): Set<HexKey> {
  const out = new Set<HexKey>();
  for (const f of HEX_FIELDS) for (const h of doc.getMap(f).keys()) out.add(h);
  return out;
}

/** True when a player (or party) document holds a field of `hex`. */
function holdsHex(doc: Y.Doc, hex: HexKey): boolean {
  return HEX_FIELDS.some((f) => doc.getMap(f).has(hex));
}

/** True when a player (or party) document holds any hex. */
function hasHexes(doc: Y.Doc): boolean {
  return HEX_FIELDS.some((f) => doc.getMap(f).size > 0);
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
  /** Per player: the meta (JSON) this instance last wrote into their document since attach. */
  private readonly metaWritten = new Map<string, string>();
  /** Players whose documents had a full publish since attach (a new player gets one). */
  private readonly fullyPublished = new Set<string>();
  /** Immediate-mode publishes are logged as one event per IMMEDIATE_LOG_INTERVAL_MS. */
  private immediateLog: { hexes: Set<HexKey>; players: Set<string>; timer: NodeJS.Timeout } | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFlushAt = 0;
  private refreshTimer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly cleanups: Array<() => void> = [];
  private closed = false;
  /** When the member list was last read (publish reuses it for MEMBERS_FRESH_MS). */
  private playersReadAt = 0;
  /** A game_session row exists for this campaign (the event log can file events in one statement). */
  private sessionExists = false;

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
      this.markDirty(event.keysChanged, tx.origin);
    };
    const onNotesDeep = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, tx: Y.Transaction) => {
      const hexes: string[] = [];
      for (const e of events) {
        if (e.target === notes) for (const key of (e as Y.YMapEvent<unknown>).keysChanged) hexes.push(key);
        else if (typeof e.path[0] === "string") hexes.push(e.path[0]);
      }
      this.markDirty(hexes, tx.origin);
    };
    const onReveals = (event: Y.YMapEvent<unknown>, tx: Y.Transaction) => {
      const hexes: string[] = [];
      for (const key of event.keysChanged) {
        const parsed = parseRevealKey(key);
        if (parsed) hexes.push(parsed.hex);
      }
      this.markDirty(hexes, tx.origin);
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
        if (conn.document) {
          conn.document.awareness.setLocalState(null);
          this.presenceSet.delete(conn.document);
        }
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
    this.metaWritten.clear();
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

  /** Hexes of the DM document changed: they are unpublished; an edit arriving here also feeds immediate mode. */
  private markDirty(hexes: Iterable<string>, origin: unknown): void {
    if (isGameOrigin(origin)) return;
    const live = isConnectionOrigin(origin);
    let any = false;
    for (const hex of hexes) {
      if (parseHexKey(hex) === null) continue;
      if (this.unpublished !== "all") this.unpublished.add(hex);
      if (live) this.dirty.add(hex);
      any = true;
    }
    // Once per observed event, not per hex: it reads the broadcast mode from the DM document.
    if (live && any) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    const dm = this.dm;
    if (!dm || readDmMeta(dm).broadcastMode !== BroadcastMode.immediate) return;
    // A flush already scheduled takes everything dirty when it runs.
    if (this.flushTimer) return;
    // setTimeout even when due now: edits of the same tick (one message, one offline merge) coalesce.
    const wait = Math.max(0, this.lastFlushAt + IMMEDIATE_INTERVAL_MS - Date.now());
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.lastFlushAt = Date.now();
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
    const readAt = Date.now();
    const members = await repos.listMembers(this.deps.pool, this.id);
    this.playersReadAt = readAt;
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
   * First load of a player document (by the player or by us): give it meta (map name, grid from the
   * party document) and the session status. Its hexes are only the player's private reveals: what is
   * published to everyone lives in the party document, which the player's client opens too (GAME5,
   * PROJ15) — so a late joiner sees the published map, never the DM's staged changes. Idempotent.
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
   * Apply the projection: what is revealed to everyone goes into the party document ONCE (one write, one
   * fan-out to every player's client), each player's own reveals into their player document (PROJ15).
   * Covers every unpublished hex, or `hexes`. The reveals are indexed once, so the cost is (changed hexes)
   * + (private reveals), not (map size) × (players). Must run inside `serial`.
   * @param freshMembers re-read the member list unless read within MEMBERS_FRESH_MS (commands);
   *   immediate-mode flushes use the cache. Either way a player with a private reveal missing from the
   *   cache forces a re-read.
   */
  private async publishNow(
    hexes: HexKey[] | undefined,
    actorId: string | null,
    mode: BroadcastMode,
    freshMembers = true,
  ): Promise<{ hexes: number; players: number; at: number }> {
    const dm = this.requireDm();
    let index = indexReveals(dm);
    // Re-read the members for a command unless they were read a moment ago and every player with a
    // private reveal is known (a new member with only `*` reveals reads the party document anyway).
    const stale =
      this.players.size === 0 ||
      (freshMembers && Date.now() - this.playersReadAt > MEMBERS_FRESH_MS) ||
      [...index.byPlayer.keys()].some((id) => !this.players.has(id));
    const players = stale ? await this.refreshPlayers() : [...this.players.values()];
    // The DM document may have changed during that read: index what the snapshot below covers.
    if (stale) index = indexReveals(dm);
    // What this publish covers: the listed hexes, or everything unpublished (all hexes after an attach).
    // Taken out of `unpublished` BEFORE the first await: an edit that lands while this publish runs marks
    // its hex unpublished again and goes out with the next one (clearing afterwards would forget it).
    const taken = this.unpublished;
    let scope: Set<HexKey> | null;
    if (hexes) {
      scope = new Set(hexes);
      if (taken !== "all") for (const h of hexes) taken.delete(h);
    } else {
      scope = taken === "all" ? null : new Set(taken);
      this.unpublished = new Set();
    }
    try {
      return await this.writeProjection(dm, players, index, scope, hexes !== undefined, actorId, mode);
    } catch (err) {
      // Nothing counts as published: put the hexes back (unless the DM document was re-attached meanwhile).
      if (this.unpublished !== "all") {
        if (taken === "all" && !hexes) this.unpublished = "all";
        else for (const h of scope ?? []) this.unpublished.add(h);
      }
      throw err;
    }
  }

  /** The writes of a publish (see publishNow): party document, then each player's own document. */
  private async writeProjection(
    dm: Document,
    players: Player[],
    index: RevealIndex,
    scope: Set<HexKey> | null,
    /** The DM listed the hexes (a partial publish): no player counts as fully published by it. */
    listed: boolean,
    actorId: string | null,
    mode: BroadcastMode,
  ): Promise<{ hexes: number; players: number; at: number }> {
    const origin = gameOrigin("publish");
    const meta: PlayerMeta = projectPlayerMeta(dm);
    const metaJson = JSON.stringify(meta);
    const changedHexes = new Set<HexKey>();
    const changedPlayers: string[] = [];

    const party = await this.partyDoc();
    const partyTarget = projectHexes(dm, PARTY, scope ? [...scope].filter((h) => index.all.has(h)) : index.all);
    // Party additions first, removals last, player documents in between: a hex moving between the party
    // document and a player's own (a `*` reveal added or removed while theirs stays) never disappears from
    // that player's view between the two updates — no false "hidden" or "just revealed" on their map.
    const partyRemovals: HexKey[] = [];
    for (const h of scope ?? hexesOf(party)) if (!partyTarget.has(h) && holdsHex(party, h)) partyRemovals.push(h);
    let partyChanged: HexKey[] = [];
    party.transact(() => {
      partyChanged = applyView(party, partyTarget, { hexes: partyTarget.keys(), origin });
      applyPlayerMeta(party, meta, origin);
    }, origin);
    const partyRemoved = partyRemovals.length > 0;

    for (const p of players) {
      const doc = await this.playerDoc(p.userId);
      // A player not fully published since attach (new member, new instance) gets everything, not a delta.
      const full = !scope || (!listed && !this.fullyPublished.has(p.userId));
      const target = projectPrivate(dm, p.userId, index, full ? undefined : scope);
      // Hexes and meta in one transaction: at most one update per player document per publish, none when
      // only the party document changed.
      let changed: HexKey[] = [];
      let metaChanged = false;
      // The common case of a publish to everyone: nothing private to write or remove here.
      const untouched = target.size === 0 && !hasHexes(doc);
      const needsMeta = this.metaWritten.get(p.userId) !== metaJson;
      // Not even an empty transaction when there is nothing to do (immediate mode flushes ≤ 20×/s).
      if (!untouched || needsMeta) {
        doc.transact(() => {
          if (!untouched) changed = applyView(doc, target, { ...(full ? {} : { hexes: scope }), origin });
          if (needsMeta) metaChanged = applyPlayerMeta(doc, meta, origin);
        }, origin);
        this.metaWritten.set(p.userId, metaJson);
      }
      if (!listed) this.fullyPublished.add(p.userId);
      if (changed.length > 0 || metaChanged || partyChanged.length > 0 || partyRemoved) changedPlayers.push(p.userId);
      for (const h of changed) changedHexes.add(h);
    }
    if (partyRemoved) for (const h of applyView(party, partyTarget, { hexes: partyRemovals, origin })) partyChanged.push(h);
    for (const h of partyChanged) changedHexes.add(h);
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

  /** What a player was last published of one hex: their own document's view over the party's. */
  private publishedHex(party: Y.Doc, own: Y.Doc, hex: HexKey): HexView | undefined {
    return readHexView(own, hex) ?? readHexView(party, hex);
  }

  /** `pending` command: per player, what publishing now would change. */
  pending(): Promise<{ players: Array<{ userId: string; changes: PendingChange[] }> }> {
    return this.serial(async () => {
      const dm = this.requireDm();
      const players = await this.refreshPlayers();
      const scope = this.unpublished;
      const party = await this.partyDoc();
      let partyView: PlayerView | null = null;
      const out: Array<{ userId: string; changes: PendingChange[] }> = [];
      for (const p of [...players].sort((a, b) => a.userId.localeCompare(b.userId))) {
        const doc = await this.playerDoc(p.userId);
        if (scope === "all" || !this.fullyPublished.has(p.userId)) {
          partyView ??= readPlayerView(party);
          const published = overlayViews(partyView, readPlayerView(doc));
          out.push({ userId: p.userId, changes: diffViews(published, project(dm, p.userId)) });
          continue;
        }
        // Everything outside `unpublished` is known to be equal: diff only those hexes.
        const published: PlayerView = new Map();
        for (const h of scope) {
          const v = this.publishedHex(party, doc, h);
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
      const party = await this.partyDoc();
      const published = new Map<string, HexView | undefined>();
      for (const p of players) published.set(p.userId, this.publishedHex(party, await this.playerDoc(p.userId), hex));
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
    const playerJson = JSON.stringify(playerState);
    for (const doc of this.settled.values()) {
      // Remembered per document: with N players this runs N times per awareness change (N² at connect).
      if (this.presenceSet.get(doc) !== playerJson) {
        doc.awareness.setLocalState(playerState);
        this.presenceSet.set(doc, playerJson);
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
  /** The server's presence state last set on each player document (JSON). */
  private readonly presenceSet = new WeakMap<Document, string>();

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
          const event = { campaignId: this.id, type, actorId, payload, eventKey, at };
          if (sessionId === undefined && this.sessionExists) {
            // Sessions are never deleted: once one exists the insert finds the current one itself.
            await repos.appendEvent(this.deps.pool, event, { currentSession: true });
          } else {
            const sid = sessionId ?? (await repos.getCurrentSession(this.deps.pool, this.id)).id;
            this.sessionExists = true;
            await repos.appendEvent(this.deps.pool, { ...event, sessionId: sid });
          }
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
