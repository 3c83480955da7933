import type {
  Extension,
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  connectedPayload,
  onDisconnectPayload,
  onStatelessPayload,
} from "@hocuspocus/server";
import { encodePush, ensureDmDoc, errorResponse, isDmRole, parseCommand, parseDocName, type CommandType } from "@hexcrawl/shared";
import type { CollabContext } from "../collab/AuthExtension.ts";
import { WindowCounter } from "../collab/limits.ts";
import type { CampaignRoom } from "./CampaignRoom.ts";
import { announcement, runCommand } from "./commands.ts";
import type { EventLog } from "./EventLog.ts";
import { gameOrigin } from "./origins.ts";
import type { SessionStore } from "./ports.ts";

/**
 * Join/leave events logged per player per campaign per PLAYER_LOG_WINDOW_MS (W3, LIMIT1): opening and closing one's
 * own document in a loop must not fill the DMs' log. Beyond it, joins and leaves are not logged until the window moves.
 */
export const PLAYER_LOG_EVENTS_PER_WINDOW = 20;
export const PLAYER_LOG_WINDOW_MS = 60_000;

/** Commands a DM connection may send per COMMAND_WINDOW_MS. */
export const COMMANDS_PER_WINDOW = 60;
export const COMMAND_WINDOW_MS = 10_000;

/** What the extension is built from. */
export interface GameDeps {
  /** A new room for a campaign (the extension keeps one per campaign while it has work here). */
  createRoom(campaignId: string): CampaignRoom;
  events: EventLog;
  sessions: SessionStore;
  /** Subscribe to "the members of a campaign changed" (on any instance); returns the unsubscribe function. */
  onMembersChanged(handler: (campaignId: string) => void): () => void;
  /** Subscribe to "new events are in a campaign's log" (on any instance); returns the unsubscribe function. */
  onEventsStored(handler: (campaignId: string) => void): () => void;
  /** The campaign's name, for a new DM document (null when unknown). */
  campaignName(campaignId: string): Promise<string | null>;
  isUnavailable(err: unknown): boolean;
  /** Check every command answer against its schema before sending (tests). */
  verifyAnswers: boolean;
}

function collabContext(context: unknown): CollabContext | null {
  if (typeof context !== "object" || context === null || !("user" in context) || !("doc" in context)) return null;
  return context as CollabContext;
}

/**
 * The game server as a thin Hocuspocus extension: routes document lifecycle hooks, connections and DM commands to
 * per-campaign rooms (CampaignRoom). Every async path is caught here — Hocuspocus does not await every hook, and
 * an escaped rejection must never take the process down.
 */
export class GameExtension implements Extension {
  readonly extensionName = "hexcrawl-game";
  readonly #deps: GameDeps;
  readonly #rooms = new Map<string, CampaignRoom>();
  readonly #commandCounts = new WeakMap<object, { windowStart: number; count: number }>();
  readonly #unsubscribe: Array<() => void>;
  readonly #playerLog = new WindowCounter(PLAYER_LOG_WINDOW_MS);
  #playerLogCalls = 0;

  constructor(deps: GameDeps) {
    this.#deps = deps;
    this.#unsubscribe = [
      deps.onMembersChanged((campaignId) => this.#rooms.get(campaignId)?.membersChanged()),
      deps.onEventsStored((campaignId) => this.#rooms.get(campaignId)?.eventsStored()),
    ];
  }

  /** The room of a campaign on this instance, if it has one (tests and diagnostics). */
  room(campaignId: string): CampaignRoom | undefined {
    return this.#rooms.get(campaignId);
  }

  #room(campaignId: string): CampaignRoom {
    let room = this.#rooms.get(campaignId);
    if (!room) {
      room = this.#deps.createRoom(campaignId);
      this.#rooms.set(campaignId, room);
    }
    return room;
  }

  async afterLoadDocument(data: afterLoadDocumentPayload): Promise<void> {
    const name = parseDocName(data.documentName);
    if (!name) return;
    try {
      if (name.kind === "dm") {
        const campaignName = await this.#deps.campaignName(name.campaignId);
        ensureDmDoc(data.document, { name: campaignName ?? "Untitled map" }, gameOrigin("init"));
        this.#room(name.campaignId).attach(data.document);
      } else if (name.kind === "player") {
        await this.#room(name.campaignId).preparePlayerDocument(data.document);
      }
    } catch (err) {
      console.error(`[game] preparing ${data.documentName} failed:`, err);
    }
  }

  async afterUnloadDocument(data: afterUnloadDocumentPayload): Promise<void> {
    const name = parseDocName(data.documentName);
    if (name?.kind !== "dm") return;
    const room = this.#rooms.get(name.campaignId);
    if (!room) return;
    try {
      await room.detach();
    } catch (err) {
      console.error(`[game] releasing ${data.documentName} failed:`, err);
    }
    if (!room.hasDm) this.#rooms.delete(name.campaignId);
  }

  async connected(data: connectedPayload): Promise<void> {
    const ctx = collabContext(data.context);
    if (!ctx) return;
    try {
      const room = this.#rooms.get(ctx.doc.campaignId);
      if (ctx.doc.kind === "dm") {
        const session = await this.#deps.sessions.current(ctx.doc.campaignId);
        data.connection.sendStateless(encodePush({ v: 1, type: "session", status: session.status }));
        room?.dmConnected(data.connection);
      } else if (ctx.doc.kind === "player" && !ctx.preview) {
        const presence = room?.playerPresencePush();
        if (presence) data.connection.sendStateless(presence);
        room?.playerConnected(ctx.user.id);
        this.#logPlayer(ctx, "player_join");
      }
    } catch (err) {
      console.error("[game] connected hook failed:", err);
    }
  }

  async onDisconnect(data: onDisconnectPayload): Promise<void> {
    const ctx = collabContext(data.context);
    if (ctx?.doc.kind === "player" && !ctx.preview) this.#logPlayer(ctx, "player_leave");
  }

  #logPlayer(ctx: CollabContext, type: "player_join" | "player_leave"): void {
    if (++this.#playerLogCalls % 1000 === 0) this.#playerLog.sweep();
    if (this.#playerLog.hit(`${ctx.doc.campaignId}|${ctx.user.id}`) > PLAYER_LOG_EVENTS_PER_WINDOW) return;
    this.#deps.events.log({ campaignId: ctx.doc.campaignId, type, actorId: ctx.user.id, payload: { userId: ctx.user.id, name: ctx.user.name } });
  }

  /**
   * DM commands arrive as stateless messages on the DM document's connection (so after the DM's own edits). Every
   * message gets exactly one answer on the same connection.
   */
  async onStateless(data: onStatelessPayload): Promise<void> {
    const reply = (text: string) => {
      try {
        data.connection.sendStateless(text);
      } catch (err) {
        console.error("[game] reply failed:", err);
      }
    };
    const parsed = parseCommand(data.payload);
    const id = parsed.ok ? parsed.request.id : parsed.id;
    const ctx = collabContext(data.connection.context);
    if (!ctx) return reply(errorResponse(id, "FORBIDDEN", "Not authenticated"));
    if (data.connection.readOnly) return reply(errorResponse(id, "READ_ONLY", "This connection is read-only"));
    if (ctx.doc.kind !== "dm" || !isDmRole(ctx.role)) return reply(errorResponse(id, "FORBIDDEN", "Only DMs send commands"));
    if (!parsed.ok) return reply(errorResponse(id, parsed.error.code, parsed.error.message));
    if (!this.#allowCommand(data.connection)) return reply(errorResponse(id, "RATE_LIMITED", "Too many commands"));
    const cmd = parsed.request.cmd;
    const answer = await runCommand<CommandType>(this.#room(ctx.doc.campaignId), id, cmd, { userId: ctx.user.id }, {
      verifyAnswers: this.#deps.verifyAnswers,
      isUnavailable: this.#deps.isUnavailable,
      onInternalError: (err) => console.error(`[game] ${cmd.type} failed:`, err),
    });
    reply(answer.json);
    if (!answer.ok) return;
    // To every DM connection, on every instance (the Redis extension forwards stateless broadcasts).
    const push = announcement(cmd.type, answer.result, { userId: ctx.user.id });
    if (push) data.document.broadcastStateless(encodePush(push));
  }

  #allowCommand(connection: object): boolean {
    const now = Date.now();
    const entry = this.#commandCounts.get(connection);
    if (!entry || now - entry.windowStart > COMMAND_WINDOW_MS) {
      this.#commandCounts.set(connection, { windowStart: now, count: 1 });
      return true;
    }
    entry.count += 1;
    return entry.count <= COMMANDS_PER_WINDOW;
  }

  async onDestroy(): Promise<void> {
    for (const stop of this.#unsubscribe) stop();
    for (const room of this.#rooms.values()) await room.detach().catch(() => undefined);
    this.#rooms.clear();
    // Event-log writes still in flight (player leaves during shutdown) finish before the pool closes.
    await this.#deps.events.drain();
  }
}
