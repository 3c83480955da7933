import { ApiError, apiRoutes, authRoutes, type InviteRole } from "@hexcrawl/shared/httpApi";
import { createApiCaller, type Transport } from "@hexcrawl/shared/httpCaller";

/**
 * The HTTP API as the client calls it: the shared contract's routes through the shared caller, over the
 * browser's fetch. Every response body is validated with the route's schema, so a server change shows up as
 * a readable error instead of `undefined` deep inside a component. Cookies are HttpOnly and same-origin: the
 * browser attaches them, the client never sees them.
 */

export {
  ApiError,
  CampaignSchema,
  MemberSchema,
  UserSchema,
  type Campaign,
  type Invite,
  type InviteListEntry,
  type InviteOffer,
  type InviteRole,
  type Member,
  type User,
} from "@hexcrawl/shared/httpApi";

const browserTransport: Transport = (path, init) => fetch(path, { ...init, credentials: "same-origin" });

/** Call one route of the contract: `call(apiRoutes.getCampaign, { params: { id } })`. */
export const call = createApiCaller(browserTransport);

/** The routes the components use, by name. */
export const api = {
  getSession: () => call(authRoutes.getSession),
  signUp: (name: string, email: string, password: string) => call(authRoutes.signUp, { body: { name, email, password } }),
  signIn: (email: string, password: string) => call(authRoutes.signIn, { body: { email, password } }),
  signOut: () => call(authRoutes.signOut),
  listCampaigns: () => call(apiRoutes.listCampaigns),
  createCampaign: (name: string) => call(apiRoutes.createCampaign, { body: { name } }),
  getCampaign: (id: string) => call(apiRoutes.getCampaign, { params: { id } }),
  listMembers: (id: string) => call(apiRoutes.listMembers, { params: { id } }),
  createInvite: (id: string, role: InviteRole, opts: InviteOptions = {}) =>
    call(apiRoutes.createInvite, { params: { id }, body: { role, ...opts } }),
  acceptInvite: (code: string) => call(apiRoutes.acceptInvite, { params: { code } }),
  listInvites: (id: string) => call(apiRoutes.listInvites, { params: { id } }),
  revokeInvite: (id: string, code: string) => call(apiRoutes.revokeInvite, { params: { id, code } }),
  getInvite: (code: string) => call(apiRoutes.getInvite, { params: { code } }),
  removeMember: (id: string, userId: string) => call(apiRoutes.removeMember, { params: { id, userId } }),
  changeRole: (id: string, userId: string, role: InviteRole) => call(apiRoutes.changeRole, { params: { id, userId }, body: { role } }),
  getTimeline: (id: string, userId: string) => call(apiRoutes.getTimeline, { params: { id, userId } }),
};

/** How an invite is made: how many accepts (null: a reusable link) and how many days it lives. */
export interface InviteOptions {
  maxUses?: number | null;
  expiresInDays?: number;
}

/** Whether trying the same request again may succeed (the server or the network was the problem, not the request). */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true;
  return ["NETWORK", "UNAVAILABLE", "INTERNAL", "RATE_LIMITED", "BAD_RESPONSE"].includes(err.code);
}

/** True when nothing answered (offline, server down): the caller may fall back to what this device kept. */
export function isNetworkError(err: unknown): boolean {
  return err instanceof ApiError && err.code === "NETWORK";
}

/** The message to show for anything thrown by a request. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

/** The link a DM shares; opening it lands on the accept page. */
export function inviteUrl(origin: string, code: string): string {
  return `${origin}/invite/${encodeURIComponent(code)}`;
}
