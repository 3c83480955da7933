import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { IdSchema, isDmRole, type Role } from "@hexcrawl/shared/docNames";
import { ApiError, describeZodError, sendJson } from "./errors.ts";
import { readJson } from "./body.ts";
import type { AppContext, SessionUser } from "../context.ts";
import * as repos from "../db/repos.ts";

/** Invite codes live this long; they are also single-use. */
export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const CreateCampaignBody = z.object({ name: z.string().trim().min(1).max(120) }).strict();
const CreateInviteBody = z.object({ role: z.enum(["player", "dm"]) }).strict();
const EmptyBody = z.object({}).strict();
const InviteCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

type Handler = (ctx: AppContext, req: IncomingMessage, res: ServerResponse, params: string[], url: URL) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const ID = "([^/]+)";
const routes: Route[] = [
  { method: "GET", pattern: /^\/api\/healthz$/, handler: healthz },
  { method: "GET", pattern: /^\/api\/campaigns$/, handler: listCampaigns },
  { method: "POST", pattern: /^\/api\/campaigns$/, handler: createCampaign },
  { method: "GET", pattern: new RegExp(`^/api/campaigns/${ID}$`), handler: getCampaign },
  { method: "GET", pattern: new RegExp(`^/api/campaigns/${ID}/members$`), handler: listMembers },
  { method: "POST", pattern: new RegExp(`^/api/campaigns/${ID}/invites$`), handler: createInvite },
  { method: "POST", pattern: new RegExp(`^/api/invites/${ID}/accept$`), handler: acceptInvite },
  { method: "GET", pattern: new RegExp(`^/api/campaigns/${ID}/events$`), handler: listEvents },
];

/** Route an `/api/*` request (other than `/api/auth/*`). Always answers; never throws. */
export async function handleApi(ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, "") || "/";
  let pathMatched = false;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== req.method) continue;
    const params = m.slice(1).map((p) => safeDecode(p));
    await route.handler(ctx, req, res, params, url);
    return;
  }
  if (pathMatched) throw new ApiError("METHOD_NOT_ALLOWED", `${req.method ?? "?"} is not allowed on ${path}`);
  throw new ApiError("NOT_FOUND", `No route ${req.method ?? "?"} ${path}`);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError("BAD_REQUEST", "Malformed URL encoding");
  }
}

async function requireUser(ctx: AppContext, req: IncomingMessage) {
  const user = await ctx.userFromHeaders(req);
  if (!user) throw new ApiError("UNAUTHENTICATED", "Sign in first");
  return user;
}

function parseId(raw: string | undefined, what: string): string {
  const parsed = IdSchema.safeParse(raw);
  // An id that cannot exist is answered like an unknown one: no oracle on the id format.
  if (!parsed.success) throw new ApiError("NOT_FOUND", `No such ${what}`);
  return parsed.data;
}

/** The caller's role in the campaign; a campaign they are not in is "not found" (no existence oracle). */
async function requireMember(ctx: AppContext, campaignId: string, userId: string): Promise<Role> {
  const role = await repos.getMembership(ctx.db.pool, campaignId, userId);
  if (!role) throw new ApiError("NOT_FOUND", "No such campaign");
  return role;
}

/** Signed-in caller, the campaign id from the path, and the caller's role in it (404 if not a member). */
async function campaignMember(
  ctx: AppContext,
  req: IncomingMessage,
  params: string[],
): Promise<{ user: SessionUser; id: string; role: Role }> {
  const user = await requireUser(ctx, req);
  const id = parseId(params[0], "campaign");
  const role = await requireMember(ctx, id, user.id);
  return { user, id, role };
}

async function healthz(ctx: AppContext, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await ctx.db.pool.query("select 1");
  } catch {
    throw new ApiError("UNAVAILABLE", "Database unreachable");
  }
  sendJson(res, 200, {
    ok: true,
    db: ctx.db.kind,
    redis: ctx.redisEnabled,
    instance: ctx.config.instanceName,
    documents: ctx.hocuspocus.getDocumentsCount(),
    connections: ctx.hocuspocus.getConnectionsCount(),
  });
}

async function listCampaigns(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const user = await requireUser(ctx, req);
  const campaigns = await repos.listCampaignsForUser(ctx.db.pool, user.id);
  sendJson(res, 200, { campaigns });
}

async function createCampaign(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const user = await requireUser(ctx, req);
  const body = await readJson(req, CreateCampaignBody);
  const campaign = await repos.createCampaign(ctx.db.pool, user.id, body.name);
  sendJson(res, 201, { campaign });
}

async function getCampaign(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
): Promise<void> {
  const { id, role } = await campaignMember(ctx, req, params);
  const campaign = await repos.getCampaign(ctx.db.pool, id);
  if (!campaign) throw new ApiError("NOT_FOUND", "No such campaign");
  sendJson(res, 200, { campaign: { id: campaign.id, name: campaign.name, createdAt: campaign.createdAt, role } });
}

async function listMembers(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
): Promise<void> {
  const { id } = await campaignMember(ctx, req, params);
  const members = await repos.listMembers(ctx.db.pool, id);
  sendJson(res, 200, { members });
}

async function createInvite(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
): Promise<void> {
  const { user, id, role } = await campaignMember(ctx, req, params);
  const body = await readJson(req, CreateInviteBody);
  if (!isDmRole(role)) throw new ApiError("FORBIDDEN", "Only the campaign's DMs can invite");
  const invite = await repos.createInvite(ctx.db.pool, id, body.role, user.id, INVITE_TTL_MS);
  sendJson(res, 201, { code: invite.code, role: body.role, expiresAt: invite.expiresAt });
}

async function acceptInvite(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
): Promise<void> {
  const user = await requireUser(ctx, req);
  await readJson(req, EmptyBody);
  const code = InviteCodeSchema.safeParse(params[0]);
  if (!code.success) throw new ApiError("NOT_FOUND", "No such invite");
  const result = await repos.acceptInvite(ctx.db.pool, code.data, user.id);
  if (!result.ok) {
    switch (result.code) {
      case "INVITE_NOT_FOUND":
        throw new ApiError("NOT_FOUND", "No such invite");
      case "INVITE_USED":
        throw new ApiError("GONE", "This invite has already been used");
      case "INVITE_EXPIRED":
        throw new ApiError("GONE", "This invite has expired");
      case "ALREADY_MEMBER":
        throw new ApiError("CONFLICT", "You are already a member of this campaign");
    }
  }
  const campaign = await repos.getCampaign(ctx.db.pool, result.campaignId);
  if (!campaign) throw new ApiError("NOT_FOUND", "No such campaign");
  sendJson(res, 200, { campaign: { id: campaign.id, name: campaign.name, role: result.role } });
}

/** The session event log, for the campaign's DMs (replay). `?after={id}&limit={1..500}` pages forward. */
async function listEvents(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  params: string[],
  url: URL,
): Promise<void> {
  const { id, role } = await campaignMember(ctx, req, params);
  if (!isDmRole(role)) throw new ApiError("FORBIDDEN", "Only the campaign's DMs can read the event log");
  const query = EventsQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) throw new ApiError("BAD_REQUEST", describeZodError(query.error));
  const events = await repos.listEvents(ctx.db.pool, id, { afterId: query.data.after, limit: query.data.limit });
  sendJson(res, 200, {
    events: events.map((e) => ({
      id: e.id,
      sessionId: e.sessionId,
      type: e.type,
      actorId: e.actorId,
      payload: e.payload,
      at: e.createdAt,
    })),
  });
}
