import { z } from "zod";
import { RoleSchema } from "@hexcrawl/shared/docNames";

/**
 * The HTTP API as the client sees it. Every response body is validated with zod, so a server
 * change shows up as a readable error instead of `undefined` deep inside a component.
 * Cookies are HttpOnly and same-origin: the browser attaches them, the client never sees them.
 */

export const UserSchema = z.object({ id: z.string(), name: z.string(), email: z.string() });
export type User = z.infer<typeof UserSchema>;

export const SessionResponseSchema = z.union([z.null(), z.object({ user: UserSchema }).loose()]);

export const CampaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: RoleSchema,
  createdAt: z.string().optional(),
});
export type Campaign = z.infer<typeof CampaignSchema>;

export const CampaignListSchema = z.object({ campaigns: z.array(CampaignSchema) });
export const CampaignResponseSchema = z.object({ campaign: CampaignSchema });

export const MemberSchema = z.object({ userId: z.string(), name: z.string(), role: RoleSchema, joinedAt: z.string() });
export type Member = z.infer<typeof MemberSchema>;
export const MemberListSchema = z.object({ members: z.array(MemberSchema) });

export const InviteSchema = z.object({ code: z.string(), role: RoleSchema, expiresAt: z.string() });
export type Invite = z.infer<typeof InviteSchema>;

/** Error codes the client itself produces (the server's codes pass through unchanged). */
export const ClientErrorCode = {
  network: "network_error",
  badResponse: "bad_response",
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** A failed request, carrying the server's `{error:{code,message}}` when there was one. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

const NestedErrorSchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string() }) });
// better-auth's own routes answer `{code, message}` at the top level.
const FlatErrorSchema = z.object({ code: z.string().optional(), message: z.string() });

/** Build the error for a non-2xx response from its (possibly non-JSON) body. Pure, for tests. */
export function errorFromBody(status: number, body: unknown): ApiError {
  const nested = NestedErrorSchema.safeParse(body);
  if (nested.success) return new ApiError(nested.data.error.code ?? `http_${status}`, nested.data.error.message, status);
  const flat = FlatErrorSchema.safeParse(body);
  if (flat.success) return new ApiError(flat.data.code ?? `http_${status}`, flat.data.message, status);
  return new ApiError(`http_${status}`, `The server answered ${status}.`, status);
}

/** The message to show for anything thrown by a request. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return "Something went wrong.";
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One JSON request; resolves to the validated body or throws an ApiError. */
export async function request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(ClientErrorCode.network, "Cannot reach the server. Check your connection.", 0);
  }
  const data = await readJson(res);
  if (!res.ok) throw errorFromBody(res.status, data);
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new ApiError(ClientErrorCode.badResponse, `Unexpected answer from ${path}.`, res.status);
  return parsed.data;
}

const Anything = z.unknown();

/** Typed wrappers for each endpoint the client uses. */
export const api = {
  getSession: () => request("GET", "/api/auth/get-session", SessionResponseSchema),
  signUp: (name: string, email: string, password: string) =>
    request("POST", "/api/auth/sign-up/email", Anything, { name, email, password }),
  signIn: (email: string, password: string) => request("POST", "/api/auth/sign-in/email", Anything, { email, password }),
  signOut: () => request("POST", "/api/auth/sign-out", Anything, {}),
  listCampaigns: () => request("GET", "/api/campaigns", CampaignListSchema),
  createCampaign: (name: string) => request("POST", "/api/campaigns", CampaignResponseSchema, { name }),
  getCampaign: (id: string) => request("GET", `/api/campaigns/${encodeURIComponent(id)}`, CampaignResponseSchema),
  listMembers: (id: string) => request("GET", `/api/campaigns/${encodeURIComponent(id)}/members`, MemberListSchema),
  createInvite: (id: string, role: "player" | "dm") =>
    request("POST", `/api/campaigns/${encodeURIComponent(id)}/invites`, InviteSchema, { role }),
  acceptInvite: (code: string) => request("POST", `/api/invites/${encodeURIComponent(code)}/accept`, CampaignResponseSchema),
};

/** The link a DM shares; opening it lands on the accept page. */
export function inviteUrl(origin: string, code: string): string {
  return `${origin}/invite/${encodeURIComponent(code)}`;
}
