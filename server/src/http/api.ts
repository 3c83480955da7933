import { isDmRole, type Role } from "@hexcrawl/shared/docNames";
import { ApiError, apiRoutes, type Campaign, type Member } from "@hexcrawl/shared/httpApi";
import { Role as Roles } from "@hexcrawl/shared/docNames";
import type { AppContext } from "../context.ts";
import * as repos from "../db/repos.ts";
import { createRouter, type Handler, type Handlers } from "./router.ts";
import { exportCampaign, exportPlayerMap, importCampaign, mergeIntoCampaign } from "./exchange.ts";

/** A day, for invite lifetimes (`expiresInDays`, default DEFAULT_INVITE_DAYS). */
const DAY_MS = 24 * 60 * 60 * 1000;

type Routes = typeof apiRoutes;

/** The caller's role in the campaign; a campaign they are not in is "not found" (no existence oracle). */
async function requireMember(ctx: AppContext, campaignId: string, userId: string): Promise<Role> {
  const role = await repos.getMembership(ctx.db.pool, campaignId, userId);
  if (!role) throw new ApiError("NOT_FOUND", "No such campaign");
  return role;
}

// The database speaks Date; the wire speaks ISO strings.
function campaignOnWire(c: { id: string; name: string; createdAt: Date }, role: Role): Campaign {
  return { id: c.id, name: c.name, role, createdAt: c.createdAt.toISOString() };
}

function memberOnWire(m: repos.MemberRecord): Member {
  return { userId: m.userId, name: m.name, role: m.role, joinedAt: m.joinedAt.toISOString() };
}

/** Loopback addresses: the details of healthz are for the machine itself (HDR4). */
const isLoopback = (address: string) => address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";

const healthz: Handler<Routes["healthz"]> = async ({ ctx, address }) => {
  try {
    await ctx.db.pool.query("select 1");
  } catch {
    throw new ApiError("UNAVAILABLE", "Database unreachable");
  }
  const basic = { ok: true as const, db: ctx.db.kind, redis: ctx.redisEnabled };
  if (!isLoopback(address)) return basic;
  return {
    ...basic,
    instance: ctx.config.instanceName,
    documents: ctx.hocuspocus.getDocumentsCount(),
    connections: ctx.hocuspocus.getConnectionsCount(),
  };
};

const listCampaigns: Handler<Routes["listCampaigns"]> = async ({ ctx, user }) => {
  const campaigns = await repos.listCampaignsForUser(ctx.db.pool, user.id);
  return { campaigns: campaigns.map((c) => campaignOnWire(c, c.role)) };
};

const createCampaign: Handler<Routes["createCampaign"]> = async ({ ctx, user, body }) => {
  const campaign = await repos.createCampaign(ctx.db.pool, user.id, body.name);
  return { campaign: campaignOnWire(campaign, campaign.role) };
};

const getCampaign: Handler<Routes["getCampaign"]> = async ({ ctx, user, params }) => {
  const role = await requireMember(ctx, params.id, user.id);
  const campaign = await repos.getCampaign(ctx.db.pool, params.id);
  if (!campaign) throw new ApiError("NOT_FOUND", "No such campaign");
  return { campaign: campaignOnWire(campaign, role) };
};

const listMembers: Handler<Routes["listMembers"]> = async ({ ctx, user, params }) => {
  await requireMember(ctx, params.id, user.id);
  const members = await repos.listMembers(ctx.db.pool, params.id);
  return { members: members.map(memberOnWire) };
};

const createInvite: Handler<Routes["createInvite"]> = async ({ ctx, user, params, body }) => {
  const role = await requireMember(ctx, params.id, user.id);
  if (!isDmRole(role)) throw new ApiError("FORBIDDEN", "Only the campaign's DMs can invite");
  const invite = await repos.createInvite(ctx.db.pool, params.id, body.role, user.id, body.expiresInDays * DAY_MS, body.maxUses);
  return { code: invite.code, role: body.role, expiresAt: invite.expiresAt.toISOString(), maxUses: body.maxUses };
};

const acceptInvite: Handler<Routes["acceptInvite"]> = async ({ ctx, user, params }) => {
  const result = await repos.acceptInvite(ctx.db.pool, params.code, user.id);
  if (!result.ok) {
    switch (result.code) {
      case "INVITE_NOT_FOUND":
        throw new ApiError("NOT_FOUND", "No such invite");
      case "INVITE_USED":
        throw new ApiError("GONE", "This invite has already been used");
      case "INVITE_EXPIRED":
        throw new ApiError("GONE", "This invite has expired");
      case "INVITE_REVOKED":
        throw new ApiError("GONE", "This invite was revoked");
      case "ALREADY_MEMBER":
        throw new ApiError("CONFLICT", "You are already a member of this campaign");
    }
  }
  // Every instance's room picks the new member up at once (their pending list and member list, PUSH4).
  ctx.bus.publish("members", { campaignId: result.campaignId });
  const campaign = await repos.getCampaign(ctx.db.pool, result.campaignId);
  if (!campaign) throw new ApiError("NOT_FOUND", "No such campaign");
  return { campaign: campaignOnWire(campaign, result.role) };
};

const listEvents: Handler<Routes["listEvents"]> = async ({ ctx, user, params, query }) => {
  const role = await requireMember(ctx, params.id, user.id);
  if (!isDmRole(role)) throw new ApiError("FORBIDDEN", "Only the campaign's DMs can read the event log");
  const events = await repos.listEvents(ctx.db.pool, params.id, {
    afterId: query.after,
    limit: query.limit,
    sessionId: query.session,
    types: query.types?.split(","),
  });
  return {
    events: events.map((e) => ({
      id: e.id,
      sessionId: e.sessionId,
      type: e.type,
      actorId: e.actorId,
      payload: e.payload,
      at: e.createdAt.toISOString(),
    })),
  };
};

// --- replay (issue 16)

const getTimeline: Handler<Routes["getTimeline"]> = async ({ ctx, user, params }) => {
  const role = await requireMember(ctx, params.id, user.id);
  // A player reads only their own timeline; asking for someone else's is answered like a missing one.
  if (!isDmRole(role) && params.userId !== user.id) throw new ApiError("FORBIDDEN", "A player can read only their own timeline");
  return repos.listTimeline(ctx.db.pool, params.id, params.userId);
};

// --- security (issue 10): member management (MEMB1–MEMB4)

const listInvites: Handler<Routes["listInvites"]> = async ({ ctx, user, params }) => {
  const role = await requireMember(ctx, params.id, user.id);
  if (!isDmRole(role)) throw new ApiError("FORBIDDEN", "Only the campaign's DMs can see its invites");
  const invites = await repos.listInvites(ctx.db.pool, params.id);
  return {
    invites: invites.map((i) => ({
      code: i.code,
      role: i.role,
      expiresAt: i.expiresAt.toISOString(),
      maxUses: i.maxUses,
      uses: i.uses,
      createdAt: i.createdAt.toISOString(),
    })),
  };
};

const revokeInvite: Handler<Routes["revokeInvite"]> = async ({ ctx, user, params }) => {
  const role = await requireMember(ctx, params.id, user.id);
  if (!isDmRole(role)) throw new ApiError("FORBIDDEN", "Only the campaign's DMs can revoke invites");
  if (!(await repos.revokeInvite(ctx.db.pool, params.id, params.code))) throw new ApiError("NOT_FOUND", "No such invite");
  return { ok: true };
};

const getInvite: Handler<Routes["getInvite"]> = async ({ ctx, params }) => {
  const offer = await repos.inviteOffer(ctx.db.pool, params.code);
  if (!offer) throw new ApiError("NOT_FOUND", "No such invite");
  switch (offer.state) {
    case "used":
      throw new ApiError("GONE", "This invite has already been used");
    case "expired":
      throw new ApiError("GONE", "This invite has expired");
    case "revoked":
      throw new ApiError("GONE", "This invite was revoked");
    case "open":
      return { campaign: offer.campaign, role: offer.role };
  }
};

const removeMember: Handler<Routes["removeMember"]> = async ({ ctx, user, params }) => {
  const role = await requireMember(ctx, params.id, user.id);
  const target = await repos.getMembership(ctx.db.pool, params.id, params.userId);
  if (!target) throw new ApiError("NOT_FOUND", "No such member");
  if (target === Roles.owner) throw new ApiError("FORBIDDEN", "The owner cannot be removed");
  const self = params.userId === user.id;
  const allowed = self || role === Roles.owner || (role === Roles.dm && target === Roles.player);
  if (!allowed) throw new ApiError("FORBIDDEN", role === Roles.dm ? "DMs remove players; the owner removes DMs" : "Only the campaign's DMs remove members");
  if (!(await repos.removeMember(ctx.db.pool, params.id, params.userId))) throw new ApiError("NOT_FOUND", "No such member");
  // Every instance re-reads its roster and closes what the member had open (REVOKE4).
  ctx.bus.publish("members", { campaignId: params.id });
  return { ok: true };
};

const changeRole: Handler<Routes["changeRole"]> = async ({ ctx, user, params, body }) => {
  const role = await requireMember(ctx, params.id, user.id);
  if (role !== Roles.owner) throw new ApiError("FORBIDDEN", "Only the owner changes roles");
  const target = await repos.getMembership(ctx.db.pool, params.id, params.userId);
  if (!target) throw new ApiError("NOT_FOUND", "No such member");
  if (target === Roles.owner) throw new ApiError("FORBIDDEN", "The owner's role cannot be changed");
  if (!(await repos.setMemberRole(ctx.db.pool, params.id, params.userId, body.role))) throw new ApiError("NOT_FOUND", "No such member");
  ctx.bus.publish("members", { campaignId: params.id });
  const member = (await repos.listMembers(ctx.db.pool, params.id)).find((m) => m.userId === params.userId);
  if (!member) throw new ApiError("NOT_FOUND", "No such member");
  return { member: memberOnWire(member) };
};

const handlers: Handlers<Routes> = {
  healthz,
  listCampaigns,
  createCampaign,
  getCampaign,
  listMembers,
  createInvite,
  acceptInvite,
  listEvents,
  listInvites,
  revokeInvite,
  getInvite,
  removeMember,
  changeRole,
  getTimeline,
  exportCampaign,
  exportPlayerMap,
  importCampaign,
  mergeIntoCampaign,
};

/** Route an `/api/*` request (other than `/api/auth/*`) to its handler. Throws ApiError for every refusal. */
export const handleApi = createRouter(apiRoutes, handlers);
