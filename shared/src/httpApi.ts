import { TimelineSchema } from "./timeline.ts";
import { z } from "zod";
import { IdSchema, Role, RoleSchema } from "./docNames.ts";
import { nameSchema } from "./names.ts";
import { CampaignFileSchema } from "./exchange/campaignFile.ts";
import { ImportRequestSchema, ImportResultSchema, MAX_IMPORT_BODY_BYTES, MergeResultSchema } from "./exchange/importApi.ts";
import { PlayerMapFileSchema } from "./exchange/playerMapFile.ts";

/**
 * The HTTP API contract (API1–API8 in SPEC.md): every error code with its status, the error body, and one
 * entry per route — method, path, path-parameter, query and body schemas, success status, response schema.
 * The server's router parses requests and checks answers with it, and its handlers are typed from it; the
 * client, the tests and the bench call through `createApiCaller` (httpCaller.ts) with it. Nothing else
 * describes these shapes.
 *
 * Wire shapes are JSON: dates are ISO-8601 strings (the server converts its Dates explicitly). Response
 * objects are `z.object` (unknown keys are stripped, not refused), so a server that adds a field does not
 * break a client that was loaded before it; request bodies are strict (an unknown field is a 400).
 */

// ---------------------------------------------------------------------------------------------------------------
// Errors

/** Status and one-line meaning of an error code. */
export interface ApiErrorInfo {
  readonly status: number;
  readonly meaning: string;
}

/** Every error code the server answers with, in the body `{error: {code, message}}`, with its HTTP status. */
export const API_ERRORS = {
  BAD_REQUEST: { status: 400, meaning: "The body, query or path failed validation, or the body is not valid JSON." },
  UNAUTHENTICATED: { status: 401, meaning: "No valid session cookie: sign in first." },
  FORBIDDEN: { status: 403, meaning: "Signed in, but the role does not allow it — or a write from a foreign Origin." },
  NOT_FOUND: { status: 404, meaning: "Unknown route or id; also a campaign the caller is not a member of (no oracle)." },
  METHOD_NOT_ALLOWED: { status: 405, meaning: "The path exists, but not with this method." },
  CONFLICT: { status: 409, meaning: "The current state does not allow it (e.g. already a member)." },
  GONE: { status: 410, meaning: "The invite was used or has expired." },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: "The body is larger than the server reads." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: "A body that is not application/json." },
  RATE_LIMITED: { status: 429, meaning: "Too many requests: retry later." },
  INTERNAL: { status: 500, meaning: "A bug on the server; the details are logged, never sent." },
  UNAVAILABLE: { status: 503, meaning: "A dependency (the database) is down or the server is starting: retry later." },
} as const satisfies Record<string, ApiErrorInfo>;
export type ApiErrorCode = keyof typeof API_ERRORS;
export const ApiErrorCodeSchema = z.enum(Object.keys(API_ERRORS) as [ApiErrorCode, ...ApiErrorCode[]]);

/** Codes the caller produces itself, never sent by the server. Status 0: there is no HTTP status to report. */
export const CALLER_ERRORS = {
  NETWORK: { status: 0, meaning: "No answer: the server could not be reached." },
  BAD_RESPONSE: { status: 0, meaning: "The answer does not match the route's response schema (version skew or a bug)." },
} as const satisfies Record<string, ApiErrorInfo>;
export type CallerErrorCode = keyof typeof CALLER_ERRORS;

/** The body of every error answer of our routes. */
export const ApiErrorBodySchema = z.strictObject({
  error: z.strictObject({ code: ApiErrorCodeSchema, message: z.string().min(1) }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** better-auth's routes answer errors flat, `{code?, message}` (its own codes); a rate limit has no code. */
export const AuthErrorBodySchema = z.object({ code: z.string().optional(), message: z.string().min(1) });

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERRORS, code);
}

/** The code of an HTTP status: its own code when the table has it, else the nearest kind (4xx / 5xx). */
export function codeForStatus(status: number): ApiErrorCode {
  for (const [code, info] of Object.entries(API_ERRORS)) if (info.status === status) return code as ApiErrorCode;
  // A 502/504 comes from a proxy in front of a server that is down or restarting.
  return status >= 500 ? "UNAVAILABLE" : "BAD_REQUEST";
}

/**
 * A failed request, on both sides: the server throws it and answers `toBody()` with `status`; the caller
 * throws it with the server's code and message (or its own NETWORK / BAD_RESPONSE).
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode | CallerErrorCode;
  readonly status: number;
  /** @param status defaults to the code's status; the caller passes the status it actually received. */
  constructor(code: ApiErrorCode | CallerErrorCode, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status ?? (isApiErrorCode(code) ? API_ERRORS[code] : CALLER_ERRORS[code]).status;
  }

  /** The wire body. A caller-side code never reaches the wire: it would be a server bug, sent as INTERNAL. */
  toBody(): ApiErrorBody {
    return { error: { code: isApiErrorCode(this.code) ? this.code : "INTERNAL", message: this.message } };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wire shapes

const IsoDateTimeSchema = z.iso.datetime();

/** Roles an invite can grant: every role but `owner`. */
export const InviteRoleSchema = RoleSchema.exclude([Role.owner]);
export type InviteRole = z.infer<typeof InviteRoleSchema>;

/** Invite codes are url-safe and long enough to be unguessable (the server makes 24 chars). */
export const InviteCodeSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

/** Longest campaign name. */
export const MAX_CAMPAIGN_NAME_CHARS = 120;
/** Most events one page of the event log holds, and the page size when none is asked for. */
export const MAX_EVENTS_PAGE = 500;
export const DEFAULT_EVENTS_PAGE = 200;

/** A signed-in user as better-auth reports them (the fields the client uses; better-auth sends more). */
export const UserSchema = z.object({ id: IdSchema, name: z.string(), email: z.string() });
export type User = z.infer<typeof UserSchema>;

/** A campaign as one of its members sees it, with their role in it. */
export const CampaignSchema = z.object({ id: IdSchema, name: z.string(), role: RoleSchema, createdAt: IsoDateTimeSchema });
export type Campaign = z.infer<typeof CampaignSchema>;

/** A campaign member (display name only: never an email). */
export const MemberSchema = z.object({ userId: IdSchema, name: z.string(), role: RoleSchema, joinedAt: IsoDateTimeSchema });
export type Member = z.infer<typeof MemberSchema>;

/** Most accepts one invite may allow (a reusable link has no limit: `maxUses: null`). */
export const MAX_INVITE_USES = 1000;
/** Longest an invite lives, and how long when not said. */
export const MAX_INVITE_DAYS = 30;
export const DEFAULT_INVITE_DAYS = 7;

/** A fresh invite: good for `maxUses` accepts (null: reusable), expires at `expiresAt`. */
export const InviteSchema = z.object({
  code: InviteCodeSchema,
  role: InviteRoleSchema,
  expiresAt: IsoDateTimeSchema,
  maxUses: z.number().int().min(1).nullable().default(1),
});
export type Invite = z.infer<typeof InviteSchema>;

/** One entry of a campaign's session event log; `payload` is the event's own JSON. */
export const EventLogEntrySchema = z.object({
  id: z.number().int().positive(),
  sessionId: z.string().nullable(),
  type: z.string(),
  actorId: z.string().nullable(),
  payload: z.unknown(),
  at: IsoDateTimeSchema,
});
export type EventLogEntry = z.infer<typeof EventLogEntrySchema>;

/** Health; the process details (instance, counts) only to a caller on this machine (HDR4). */
export const HealthSchema = z.object({
  ok: z.literal(true),
  db: z.enum(["postgres", "pglite"]),
  redis: z.boolean(),
  instance: z.string().optional(),
  documents: z.number().int().min(0).optional(),
  connections: z.number().int().min(0).optional(),
});
export type Health = z.infer<typeof HealthSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Routes

export const HttpMethod = { GET: "GET", POST: "POST", PATCH: "PATCH", DELETE: "DELETE" } as const;
export type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod];

/** The names of a path's `:params`: `"/api/campaigns/:id/members/:userId"` → `"id" | "userId"`. */
export type PathParamName<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamName<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

/** A path's parameters as the caller gives them and the router hands them to the handler (decoded). */
export type PathParams<P extends string> = { [K in PathParamName<P>]: string };

/** The schema of a path's parameters: required exactly when the path has some, with exactly their names. */
type ParamsSchemaFor<P extends string> = [PathParamName<P>] extends [never]
  ? undefined
  : z.ZodType<PathParams<P>, PathParams<P>>;

/** One route of the contract. Build entries with `defineRoute`. */
export interface Route<
  M extends HttpMethod = HttpMethod,
  P extends string = string,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  R extends z.ZodType = z.ZodType,
  S extends boolean = boolean,
> {
  readonly method: M;
  /** With `:name` segments, each one whole segment. */
  readonly path: P;
  /**
   * The decoded path parameters. A parameter that fails is answered 404 (an id that cannot exist is answered
   * like an unknown one): "No such {description}" with the schema's `.describe()`.
   */
  readonly params: ParamsSchemaFor<P>;
  /** Query string; a failure is a 400. Values arrive as strings: number fields coerce. */
  readonly query: Q;
  /** JSON body; a failure is a 400. No schema: the route takes no body. */
  readonly body: B;
  /** Largest body read (bytes); the server's small default when absent. */
  readonly maxBodyBytes?: number;
  /** The status of a success. */
  readonly status: 200 | 201;
  readonly response: R;
  /** The caller must be signed in (401 UNAUTHENTICATED otherwise), checked before anything else. */
  readonly signedIn: S;
  /** Who answers: our router, or better-auth (whose errors are flat, see AuthErrorBodySchema). */
  readonly servedBy: "api" | "better-auth";
}

/** Any route, for code that handles every route alike. */
export interface AnyRoute {
  readonly method: HttpMethod;
  readonly path: string;
  readonly params: z.ZodType<Record<string, string>> | undefined;
  readonly query: z.ZodType | undefined;
  readonly body: z.ZodType | undefined;
  readonly maxBodyBytes?: number;
  readonly status: 200 | 201;
  readonly response: z.ZodType;
  readonly signedIn: boolean;
  readonly servedBy: "api" | "better-auth";
}

type RouteInit<M extends HttpMethod, P extends string, Q, B, R, S> = {
  method: M;
  path: P;
  query?: Q;
  body?: B;
  maxBodyBytes?: number;
  status?: 200 | 201;
  response: R;
  signedIn?: S;
  servedBy?: "api" | "better-auth";
} & ([PathParamName<P>] extends [never] ? { params?: undefined } : { params: ParamsSchemaFor<P> });

/** One contract entry; defaults: status 200, signed in, served by our router, no query, no body. */
export function defineRoute<
  const M extends HttpMethod,
  const P extends `/api/${string}`,
  R extends z.ZodType,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  const S extends boolean = true,
>(init: RouteInit<M, P, Q, B, R, S>): Route<M, P, Q, B, R, S> {
  return {
    method: init.method,
    path: init.path,
    params: init.params as ParamsSchemaFor<P>,
    query: init.query as Q,
    body: init.body as B,
    ...(init.maxBodyBytes !== undefined ? { maxBodyBytes: init.maxBodyBytes } : {}),
    status: init.status ?? 200,
    response: init.response,
    signedIn: init.signedIn ?? (true as S),
    servedBy: init.servedBy ?? "api",
  };
}

/** What a route's parts are, in and out. `In` types are what a caller passes, `Out` what a handler receives. */
export type RouteParams<T extends AnyRoute> = T["params"] extends z.ZodType ? z.output<T["params"]> : Record<never, never>;
export type RouteQueryIn<T extends AnyRoute> = T["query"] extends z.ZodType ? z.input<T["query"]> : undefined;
export type RouteQueryOut<T extends AnyRoute> = T["query"] extends z.ZodType ? z.output<T["query"]> : undefined;
export type RouteBodyIn<T extends AnyRoute> = T["body"] extends z.ZodType ? z.input<T["body"]> : undefined;
export type RouteBodyOut<T extends AnyRoute> = T["body"] extends z.ZodType ? z.output<T["body"]> : undefined;
export type RouteResponse<T extends AnyRoute> = z.output<T["response"]>;

const CampaignParams = z.object({ id: IdSchema }).describe("campaign");
const MemberParams = z.object({ id: IdSchema, userId: z.string().min(1).max(200) }).describe("member");

/** An invite as the DMs' list shows it: with its uses so far and when it was made. */
export const InviteListEntrySchema = InviteSchema.extend({ uses: z.number().int().min(0), createdAt: IsoDateTimeSchema });
export type InviteListEntry = z.infer<typeof InviteListEntrySchema>;

/** What an invite offers, shown before anyone signs up: the campaign's id and name, and the role. */
export const InviteOfferSchema = z.object({ campaign: z.object({ id: IdSchema, name: z.string() }), role: InviteRoleSchema });
export type InviteOffer = z.infer<typeof InviteOfferSchema>;
const NoBody = z.strictObject({});

/** The routes our router serves. Adding a route: one entry here, one handler in the server's api.ts. */
export const apiRoutes = {
  /** API1: no session needed. */
  healthz: defineRoute({ method: "GET", path: "/api/healthz", signedIn: false, response: HealthSchema }),
  /** API2: the caller's campaigns, newest first. */
  listCampaigns: defineRoute({
    method: "GET",
    path: "/api/campaigns",
    response: z.object({ campaigns: z.array(CampaignSchema) }),
  }),
  /** API2: the creator becomes its owner. */
  createCampaign: defineRoute({
    method: "POST",
    path: "/api/campaigns",
    body: z.strictObject({ name: nameSchema(MAX_CAMPAIGN_NAME_CHARS) }),
    status: 201,
    response: z.object({ campaign: CampaignSchema }),
  }),
  /** API2: members only (others get 404). */
  getCampaign: defineRoute({
    method: "GET",
    path: "/api/campaigns/:id",
    params: CampaignParams,
    response: z.object({ campaign: CampaignSchema }),
  }),
  /** Members only: owner first, then DMs, then players. */
  listMembers: defineRoute({
    method: "GET",
    path: "/api/campaigns/:id/members",
    params: CampaignParams,
    response: z.object({ members: z.array(MemberSchema) }),
  }),
  /** INV1: owners and DMs. */
  createInvite: defineRoute({
    method: "POST",
    path: "/api/campaigns/:id/invites",
    params: CampaignParams,
    body: z.strictObject({
      role: InviteRoleSchema,
      maxUses: z.number().int().min(1).max(MAX_INVITE_USES).nullable().default(1),
      expiresInDays: z.number().int().min(1).max(MAX_INVITE_DAYS).default(DEFAULT_INVITE_DAYS),
    }),
    status: 201,
    response: InviteSchema,
  }),
  /** INV1/INV2: join (or be promoted in) the invite's campaign. */
  acceptInvite: defineRoute({
    method: "POST",
    path: "/api/invites/:code/accept",
    params: z.object({ code: InviteCodeSchema }).describe("invite"),
    body: NoBody,
    response: z.object({ campaign: CampaignSchema }),
  }),
  /**
   * LOG: the session event log, DMs only; `after` (an event id) pages forward; `session` (a session id) and
   * `types` (comma-separated event types) filter it (LOGUI1).
   */
  listEvents: defineRoute({
    method: "GET",
    path: "/api/campaigns/:id/events",
    params: CampaignParams,
    query: z.strictObject({
      after: z.coerce.number<number>().int().min(0).optional(),
      limit: z.coerce.number<number>().int().min(1).max(MAX_EVENTS_PAGE).default(DEFAULT_EVENTS_PAGE),
      session: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
      types: z.string().regex(/^[a-z_]{1,40}(,[a-z_]{1,40}){0,30}$/).optional(),
    }),
    response: z.object({ events: z.array(EventLogEntrySchema) }),
  }),

  // --- security (issue 10): member management. Every change publishes `members` on the cluster bus, and open
  // connections the change no longer allows are closed on every instance (REVOKE4, REVOKE5).
  /** MEMB3: the invites that can still be accepted; DMs only. */
  listInvites: defineRoute({
    method: "GET",
    path: "/api/campaigns/:id/invites",
    params: CampaignParams,
    response: z.object({ invites: z.array(InviteListEntrySchema) }),
  }),
  /** MEMB3: revoke an invite (410 for anyone who tries it after); DMs only. */
  revokeInvite: defineRoute({
    method: "DELETE",
    path: "/api/campaigns/:id/invites/:code",
    params: z.object({ id: IdSchema, code: InviteCodeSchema }).describe("invite"),
    response: z.object({ ok: z.literal(true) }),
  }),
  /** MEMB4: what an invite offers, without a session (404 unknown; 410 used, expired or revoked). */
  getInvite: defineRoute({
    method: "GET",
    path: "/api/invites/:code",
    params: z.object({ code: InviteCodeSchema }).describe("invite"),
    signedIn: false,
    response: InviteOfferSchema,
  }),
  /** MEMB1: remove a member: the owner removes anyone but themselves, a DM removes players, anyone but the owner leaves. */
  removeMember: defineRoute({
    method: "DELETE",
    path: "/api/campaigns/:id/members/:userId",
    params: MemberParams,
    response: z.object({ ok: z.literal(true) }),
  }),
  /** MEMB2: change a member's role (`dm` or `player`); the owner only, never the owner's own role. */
  changeRole: defineRoute({
    method: "PATCH",
    path: "/api/campaigns/:id/members/:userId",
    params: MemberParams,
    body: z.strictObject({ role: InviteRoleSchema }),
    response: z.object({ member: MemberSchema }),
  }),

  // --- replay (issue 16): a player's timeline of what was published to them (REPLAY1–REPLAY5).
  /** REPLAY3: a player's timeline — DMs read any player's, a player only their own. */
  getTimeline: defineRoute({
    method: "GET",
    path: "/api/campaigns/:id/timeline/:userId",
    params: MemberParams,
    response: TimelineSchema,
  }),

  // exchange
  /** XCHG1: the whole campaign as versioned JSON, DMs only. */
  exportCampaign: defineRoute({
    method: "GET",
    path: "/api/campaigns/:id/export",
    params: CampaignParams,
    response: CampaignFileSchema,
  }),
  /** XCHG5: a player's own map, from their documents only; a player gets their own, a DM any player's (`userId`). */
  exportPlayerMap: defineRoute({
    method: "GET",
    path: "/api/campaigns/:id/export/player",
    params: CampaignParams,
    query: z.strictObject({ userId: IdSchema.optional() }),
    response: PlayerMapFileSchema,
  }),
  /** XCHG7: a new campaign from our JSON, a Worldographer `.wxx` or Text Mapper text; `preview` creates nothing. */
  importCampaign: defineRoute({
    method: "POST",
    path: "/api/campaigns/import",
    body: ImportRequestSchema,
    maxBodyBytes: MAX_IMPORT_BODY_BYTES,
    status: 201,
    response: ImportResultSchema,
  }),
  /** XCHG6: merge a file into an existing campaign (DMs); `preview` lists what would change and writes nothing. */
  mergeIntoCampaign: defineRoute({
    method: "POST",
    path: "/api/campaigns/:id/import",
    params: CampaignParams,
    body: ImportRequestSchema,
    maxBodyBytes: MAX_IMPORT_BODY_BYTES,
    response: MergeResultSchema,
  }),
} as const;

/** better-auth's routes, as far as the client uses them (better-auth validates the bodies and adds fields). */
export const authRoutes = {
  signUp: defineRoute({
    method: "POST",
    path: "/api/auth/sign-up/email",
    servedBy: "better-auth",
    signedIn: false,
    body: z.object({ name: z.string(), email: z.string(), password: z.string() }),
    response: z.object({ user: UserSchema }),
  }),
  signIn: defineRoute({
    method: "POST",
    path: "/api/auth/sign-in/email",
    servedBy: "better-auth",
    signedIn: false,
    body: z.object({ email: z.string(), password: z.string() }),
    response: z.object({ user: UserSchema }),
  }),
  signOut: defineRoute({
    method: "POST",
    path: "/api/auth/sign-out",
    servedBy: "better-auth",
    signedIn: false,
    body: NoBody,
    response: z.object({ success: z.boolean() }),
  }),
  /** `null` when the cookie is missing, expired or signed out. */
  getSession: defineRoute({
    method: "GET",
    path: "/api/auth/get-session",
    servedBy: "better-auth",
    signedIn: false,
    response: z.object({ user: UserSchema }).nullable(),
  }),
} as const;

/** Every route of the HTTP API, by name. */
export const httpRoutes = { ...apiRoutes, ...authRoutes } as const;
export type RouteName = keyof typeof httpRoutes;

// ---------------------------------------------------------------------------------------------------------------
// Paths

/** The request path of a route: each `:name` replaced by its encoded parameter. */
export function routePath<T extends AnyRoute>(route: T, params: RouteParams<T>): string {
  const values = params as Record<string, string>;
  return route.path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new TypeError(`${route.path}: parameter ${name} missing`);
    return encodeURIComponent(value);
  });
}

/**
 * Match a request path against a route's path: its raw (still encoded) parameters by name, or null.
 * A parameter matches one non-empty segment.
 */
export function matchPath(routePattern: string, path: string): Record<string, string> | null {
  const want = routePattern.split("/");
  const got = path.split("/");
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(":")) {
      if (g.length === 0) return null;
      params[w.slice(1)] = g;
    } else if (w !== g) return null;
  }
  return params;
}
