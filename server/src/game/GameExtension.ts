import type {
  Extension,
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  connectedPayload,
  onDisconnectPayload,
  onStatelessPayload,
  Hocuspocus,
} from "@hocuspocus/server";
import type pg from "pg";
import {
  ensureDmDoc,
  encodePush,
  errorResponse,
  isDmRole,
  okResponse,
  parseCommand,
  parseDocName,
  type CommandRequest,
} from "@hexcrawl/shared";
import * as repos from "../db/repos.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import type { CollabContext } from "../collab/AuthExtension.ts";
import { Campaign, CommandError } from "./Campaign.ts";
import { gameOrigin } from "./origins.ts";

/** Commands a DM connection may send per COMMAND_WINDOW_MS. */
export const COMMANDS_PER_WINDOW = 60;
export const COMMAND_WINDOW_MS = 10_000;
/** A repeating background failure (e.g. during a database outage) is logged once per this interval. */
export const ERROR_LOG_INTERVAL_MS = 30_000;

function collabContext(context: unknown): CollabContext | null {
  if (typeof context !== "object" || context === null || !("user" in context) || !("doc" in context)) return null;
  return context as CollabContext;
}

/**
 * The game server as a thin Hocuspocus extension: routes document lifecycle hooks and DM commands
 * to per-campaign `Campaign` objects. Every async path is caught here — Hocuspocus does not await
 * every hook, and an escaped rejection must never take the process down.
 */
export class GameExtension implements Extension {
  readonly extensionName = "hexcrawl-game";
  private readonly campaigns = new Map<string, Campaign>();
  private readonly commandCounts = new WeakMap<object, { windowStart: number; count: number }>();
  private readonly background = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly deps: { hocuspocus: () => Hocuspocus; pool: pg.Pool },
  ) {}

  private readonly lastErrorLog = new Map<string, number>();

  /** Log a background failure, at most once per ERROR_LOG_INTERVAL_MS per campaign and place (outages repeat). */
  private logError(campaignId: string, where: string, err: unknown): void {
    const key = `${campaignId} ${where}`;
    const now = Date.now();
    if (now - (this.lastErrorLog.get(key) ?? 0) < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLog.set(key, now);
    if (this.lastErrorLog.size > 10_000) this.lastErrorLog.clear();
    console.error(`[game ${campaignId}] ${where} failed:`, err instanceof Error ? err.message : err);
  }

  private newCampaign(id: string): Campaign {
    return new Campaign(id, {
      hocuspocus: this.deps.hocuspocus(),
      pool: this.deps.pool,
      onError: (where, err) => this.logError(id, where, err),
      stopping: () => this.stopping,
      track: (task) => {
        this.background.add(task);
        void task.finally(() => this.background.delete(task));
      },
    });
  }

  private campaign(id: string): Campaign {
    let c = this.campaigns.get(id);
    if (!c) {
      c = this.newCampaign(id);
      this.campaigns.set(id, c);
    }
    return c;
  }

  async afterLoadDocument(data: afterLoadDocumentPayload): Promise<void> {
    const name = parseDocName(data.documentName);
    if (!name) return;
    try {
      if (name.kind === "dm") {
        const campaign = await repos.getCampaign(this.deps.pool, name.campaignId);
        ensureDmDoc(data.document, { name: campaign?.name ?? "Untitled map" }, gameOrigin("init"));
        this.campaign(name.campaignId).attachDm(data.document);
      } else if (name.kind === "player") {
        await this.campaign(name.campaignId).initPlayerDoc(data.document);
      }
    } catch (err) {
      console.error(`[game] preparing ${data.documentName} failed:`, err);
    }
  }

  async afterUnloadDocument(data: afterUnloadDocumentPayload): Promise<void> {
    const name = parseDocName(data.documentName);
    if (name?.kind !== "dm") return;
    const c = this.campaigns.get(name.campaignId);
    if (!c) return;
    try {
      await c.detachDm();
    } catch (err) {
      console.error(`[game] releasing ${data.documentName} failed:`, err);
    }
    if (!c.hasDm) this.campaigns.delete(name.campaignId);
  }

  async connected(data: connectedPayload): Promise<void> {
    const ctx = collabContext(data.context);
    if (!ctx) return;
    try {
      const campaign = this.campaigns.get(ctx.doc.campaignId);
      if (ctx.doc.kind === "dm") {
        const session = await repos.getCurrentSession(this.deps.pool, ctx.doc.campaignId);
        data.connection.sendStateless(encodePush({ v: 1, type: "session", status: session.status }));
      } else if (ctx.doc.kind === "player" && !ctx.preview) {
        if (campaign?.hasDm) data.connection.sendStateless(campaign.playerPresencePush());
        campaign?.log("player_join", ctx.user.id, { userId: ctx.user.id, name: ctx.user.name });
        if (!campaign) this.logDetached(ctx, "player_join");
      }
    } catch (err) {
      console.error("[game] connected hook failed:", err);
    }
  }

  async onDisconnect(data: onDisconnectPayload): Promise<void> {
    const ctx = collabContext(data.context);
    if (!ctx || ctx.doc.kind !== "player" || ctx.preview) return;
    const campaign = this.campaigns.get(ctx.doc.campaignId);
    if (campaign) campaign.log("player_leave", ctx.user.id, { userId: ctx.user.id, name: ctx.user.name });
    else this.logDetached(ctx, "player_leave");
  }

  /** Log for a campaign with no DM document here (a player alone on this instance). */
  private logDetached(ctx: CollabContext, type: string): void {
    this.newCampaign(ctx.doc.campaignId).log(type, ctx.user.id, { userId: ctx.user.id, name: ctx.user.name });
  }

  /**
   * DM commands arrive as stateless messages on the DM document's connection (so after the DM's own
   * edits). Every message gets exactly one answer on the same connection.
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
    if (!this.allowCommand(data.connection)) return reply(errorResponse(id, "RATE_LIMITED", "Too many commands"));
    try {
      const result = await this.run(this.campaign(ctx.doc.campaignId), parsed.request, ctx);
      reply(okResponse(id, result));
      if (parsed.request.cmd.type === "session") {
        const status = (result as { status: string }).status;
        // To every DM connection, on every instance (the Redis extension forwards stateless broadcasts).
        data.document.broadcastStateless(encodePush({ v: 1, type: "session", status: status as "active" }));
      }
    } catch (err) {
      if (err instanceof CommandError) return reply(errorResponse(id, err.code, err.message));
      if (isDatabaseUnavailable(err)) {
        return reply(errorResponse(id, "UNAVAILABLE", "The database is unreachable; try again (repeating a command is safe)"));
      }
      console.error("[game] command failed:", err);
      reply(errorResponse(id, "INTERNAL", "The command failed on the server"));
    }
  }

  private allowCommand(connection: object): boolean {
    const now = Date.now();
    const entry = this.commandCounts.get(connection);
    if (!entry || now - entry.windowStart > COMMAND_WINDOW_MS) {
      this.commandCounts.set(connection, { windowStart: now, count: 1 });
      return true;
    }
    entry.count += 1;
    return entry.count <= COMMANDS_PER_WINDOW;
  }

  private async run(campaign: Campaign, request: CommandRequest, ctx: CollabContext): Promise<unknown> {
    const cmd = request.cmd;
    switch (cmd.type) {
      case "publish":
        return campaign.publish(cmd.hexes, ctx.user.id);
      case "pending":
        return campaign.pending();
      case "drop":
        return campaign.drop(cmd.hex, ctx.user.id);
      case "session":
        return campaign.session(cmd.action, ctx.user.id);
    }
  }

  async onDestroy(): Promise<void> {
    this.stopping = true;
    for (const c of this.campaigns.values()) await c.detachDm().catch(() => undefined);
    this.campaigns.clear();
    // Event-log writes still in flight (player leaves during shutdown) finish before the pool closes.
    await Promise.allSettled([...this.background]);
  }
}
