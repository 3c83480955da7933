import { z } from "zod";
import { IdSchema, RoleSchema } from "./docNames.ts";
import { HexKeySchema } from "./hex.ts";
import { MemberSchema } from "./httpApi.ts";
import { PendingListSchema } from "./pending.ts";
import { SessionActionSchema, SessionStatusSchema } from "./session.ts";

/**
 * The wire protocol besides Yjs sync (PROTO1–PROTO11 in SPEC.md).
 *
 * DM commands travel as Hocuspocus stateless messages (JSON strings) on the DM document's connection,
 * so they arrive after the DM's own edits on that connection. The server answers each request with a
 * response carrying the same `id`, and pushes events as stateless messages too.
 */

/** Version of this protocol; every message carries it as `v`. */
export const PROTOCOL_VERSION = 1;

/** Longest command JSON accepted (UTF-16 code units), checked before parsing. A full publish fits. */
export const MAX_COMMAND_CHARS = 512 * 1024;
/** Most hexes one publish may name. */
export const MAX_PUBLISH_HEXES = 20_000;
/** Longest request id. */
export const MAX_REQUEST_ID_CHARS = 64;
/** Most hexes in an awareness selection. */
export const MAX_SELECTION_HEXES = 200;

/** Typed error codes of command responses (the HTTP API has its own, API_ERRORS in httpApi.ts). */
export const ErrorCode = {
  /** The message is not valid JSON or does not match the schema. */
  BAD_REQUEST: "BAD_REQUEST",
  /** The message is larger than allowed. */
  TOO_LARGE: "TOO_LARGE",
  /** The connection is read-only (player view, DM preview, or a client older than the document). */
  READ_ONLY: "READ_ONLY",
  /** The user's role does not allow this. */
  FORBIDDEN: "FORBIDDEN",
  /** The session lifecycle does not allow this action now. */
  INVALID_TRANSITION: "INVALID_TRANSITION",
  /** The hex / campaign / player does not exist, or has nothing pending. */
  NOT_FOUND: "NOT_FOUND",
  /** Too many commands; retry later. */
  RATE_LIMITED: "RATE_LIMITED",
  /** The store is unreachable; nothing was changed, retry later. */
  UNAVAILABLE: "UNAVAILABLE",
  /** A bug on the server; nothing is known to have changed. */
  INTERNAL: "INTERNAL",
  /** Client-side: the command was not sent because the connection is down. */
  OFFLINE: "OFFLINE",
  /** Client-side: no response arrived in time; the command may or may not have run. */
  TIMEOUT: "TIMEOUT",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
export const ErrorCodeSchema = z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]);

/** WebSocket close codes the server uses (4000–4999 are application codes). */
export const CloseCode = {
  /** A malformed message or a document name outside the contract. Do not retry. */
  BAD_REQUEST: 4400,
  /** No valid session cookie. Sign in again. */
  UNAUTHORIZED: 4401,
  /** Signed in but not allowed on this document. Do not retry. */
  FORBIDDEN: 4403,
  /** A message larger than the cap. Do not retry the same message. */
  TOO_LARGE: 4413,
  /** The client's schema is older than the document's. Reload the app. */
  CLIENT_OUTDATED: 4426,
  /** Too many messages or auth failures. Retry after a back-off. */
  RATE_LIMITED: 4429,
  /** Server error. Retry after a back-off. */
  INTERNAL: 4500,
  /** The store is unreachable. Retry after a back-off. */
  UNAVAILABLE: 4503,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Whether a client should reconnect after a close code (unknown codes: yes, with back-off). */
export function shouldReconnect(code: number): boolean {
  return !(
    [CloseCode.BAD_REQUEST, CloseCode.UNAUTHORIZED, CloseCode.FORBIDDEN, CloseCode.CLIENT_OUTDATED] as number[]
  ).includes(code);
}

/** A request id chosen by the client, echoed in the response. */
export const RequestIdSchema = z.string().min(1).max(MAX_REQUEST_ID_CHARS);

/** DM commands (`cmd` of a request). */
export const CommandSchema = z.discriminatedUnion("type", [
  /** Publish pending changes to every player: all of them, or only the listed hexes. */
  z.strictObject({ type: z.literal("publish"), hexes: z.array(HexKeySchema).max(MAX_PUBLISH_HEXES).optional() }),
  /** List the pending changes of every player (staged mode review). */
  z.strictObject({ type: z.literal("pending") }),
  /** Drop the pending change of one hex: the server reverts it in the DM document (revertHex). */
  z.strictObject({ type: z.literal("drop"), hex: HexKeySchema }),
  /** Move the session lifecycle: start / pause / resume / end. */
  z.strictObject({ type: z.literal("session"), action: SessionActionSchema }),
]);
export type Command = z.infer<typeof CommandSchema>;
export type CommandType = Command["type"];

/** A client -> server request. */
export const RequestSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  id: RequestIdSchema,
  cmd: CommandSchema,
});
export type CommandRequest = z.infer<typeof RequestSchema>;

/** Result of `publish`: how many distinct hexes changed in any player document, for how many players. */
export const PublishResultSchema = z.strictObject({
  hexes: z.number().int().min(0),
  players: z.number().int().min(0),
  at: z.number(),
});
/** Result of `pending`: the pending list (shared/src/pending.ts), the same the server pushes. */
export const PendingResultSchema = PendingListSchema;
/** Result of `drop`: whether the DM document changed. */
export const DropResultSchema = z.strictObject({ hex: HexKeySchema, changed: z.boolean() });
/** Result of `session`: the new status. */
export const SessionResultSchema = z.strictObject({ status: SessionStatusSchema });

/** The result schema of each command type, for clients that want to check what came back. */
export const ResultSchemaByCommand = {
  publish: PublishResultSchema,
  pending: PendingResultSchema,
  drop: DropResultSchema,
  session: SessionResultSchema,
} as const satisfies Record<CommandType, z.ZodType>;
export type CommandResult<T extends CommandType> = z.infer<(typeof ResultSchemaByCommand)[T]>;

/** A typed error. */
export const ErrorBodySchema = z.strictObject({ code: ErrorCodeSchema, message: z.string().max(1000) });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** A server -> client response. `id` is "" when the request's id could not be read. */
const ResponseIdSchema = z.string().max(MAX_REQUEST_ID_CHARS);
export const ResponseSchema = z.discriminatedUnion("ok", [
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), id: ResponseIdSchema, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), id: ResponseIdSchema, ok: z.literal(false), error: ErrorBodySchema }),
]);
export type CommandResponse = z.infer<typeof ResponseSchema>;

/** Who is connected to a campaign, as the server sees it. */
export const PresenceEntrySchema = z.strictObject({ userId: IdSchema, name: z.string().max(100), role: RoleSchema });

/** Server -> client pushes (not answers to a request). */
export const PushSchema = z.discriminatedUnion("type", [
  /** Everyone online in the campaign (sent on change). */
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal("presence"), online: z.array(PresenceEntrySchema) }),
  /**
   * A `publish` command ran (to every DM connection, on every instance): what it changed, who sent it, when
   * (ms since epoch). Immediate-mode publishes are not announced (they happen as the DMs type).
   */
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal("published"),
    hexes: z.number().int().min(0),
    players: z.number().int().min(0),
    by: IdSchema.nullable(),
    at: z.number(),
  }),
  /**
   * The pending list changed (to this instance's DM connections): sent when a DM connects, and a moment after
   * anything that changes it — a DM edit, a publish, a drop, a player joining. DM clients never ask after an edit.
   */
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal("pending"), pending: PendingListSchema }),
  /**
   * The campaign's members with their roles (to this instance's DM connections): sent when a DM connects and
   * whenever a member joins, leaves or changes role, on any instance (PUSH4).
   */
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal("members"), members: z.array(MemberSchema).max(10_000) }),
  /** New events are in the session log (to this instance's DM connections): a log view fetches what is new. */
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal("events") }),
  /** A roll the DM showed to the players (to every player document's connections; TRAVEL8). */
  z.strictObject({
    v: z.literal(PROTOCOL_VERSION),
    type: z.literal("roll"),
    kind: z.enum(["encounter", "weather"]),
    text: z.string().max(500),
    day: z.number().int().min(1),
    watch: z.number().int().min(1),
  }),
  /** The session status changed. */
  z.strictObject({ v: z.literal(PROTOCOL_VERSION), type: z.literal("session"), status: SessionStatusSchema }),
]);
export type Push = z.infer<typeof PushSchema>;

/** Anything the server sends as a stateless message. */
export const ServerMessageSchema = z.union([ResponseSchema, PushSchema]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** Identity in awareness: set by the server from the session, never taken from the client. */
export const AwarenessUserSchema = z.strictObject({
  userId: IdSchema,
  name: z.string().min(1).max(100),
  role: RoleSchema,
  colour: z.string().regex(/^#[0-9a-f]{6}$/),
});
export type AwarenessUser = z.infer<typeof AwarenessUserSchema>;

/** The awareness field holding AwarenessUser. */
export const AWARENESS_USER_FIELD = "user";

/** The awareness fields a client may set. Unknown fields are stripped, never forwarded. */
export const AwarenessLocalSchema = z.object({
  cursor: z.object({ hex: HexKeySchema.optional() }).optional(),
  selection: z.array(HexKeySchema).max(MAX_SELECTION_HEXES).optional(),
});
export type AwarenessLocal = z.infer<typeof AwarenessLocalSchema>;

/** The client-settable part of an awareness state, stripped of everything else; null if invalid. */
export function sanitizeAwarenessLocal(state: unknown): AwarenessLocal | null {
  const r = AwarenessLocalSchema.safeParse(state);
  return r.success ? r.data : null;
}

const USER_COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324"] as const;

/** A stable colour for a user id (FNV-1a hash into a fixed palette). */
export function userColour(userId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return USER_COLOURS[h % USER_COLOURS.length] ?? USER_COLOURS[0];
}

/** Outcome of parsing a request: never an exception. `id` is "" when it could not be read. */
export type ParseResult = { ok: true; request: CommandRequest } | { ok: false; id: string; error: ErrorBody };

function shortIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request";
  const path = issue.path.map(String).join(".");
  return `${path ? `${path}: ` : ""}${issue.message}`.slice(0, 200);
}

/** Parse a stateless payload as a DM command request. Never throws. */
export function parseCommand(json: unknown): ParseResult {
  if (typeof json !== "string") return { ok: false, id: "", error: { code: "BAD_REQUEST", message: "not a string" } };
  if (json.length > MAX_COMMAND_CHARS) {
    return { ok: false, id: "", error: { code: "TOO_LARGE", message: `longer than ${MAX_COMMAND_CHARS}` } };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, id: "", error: { code: "BAD_REQUEST", message: "invalid JSON" } };
  }
  const idRead = RequestIdSchema.safeParse(
    typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).id : undefined,
  );
  const id = idRead.success ? idRead.data : "";
  const parsed = RequestSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, id, error: { code: "BAD_REQUEST", message: shortIssue(parsed.error) } };
  return { ok: true, request: parsed.data };
}

/** Parse a stateless payload from the server (client side). Never throws; null when invalid. */
export function parseServerMessage(json: unknown): ServerMessage | null {
  if (typeof json !== "string" || json.length > 16 * 1024 * 1024) return null;
  try {
    const r = ServerMessageSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** JSON of a successful response. */
export function okResponse(id: string, result: unknown): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, id, ok: true, result });
}

/** JSON of an error response. */
export function errorResponse(id: string, code: ErrorCode, message: string): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, id, ok: false, error: { code, message: message.slice(0, 1000) } });
}

/** JSON of a push. */
export function encodePush(push: Push): string {
  return JSON.stringify(push);
}

/** A user shown in presence. */
export const PresenceUserSchema = z.strictObject({ userId: IdSchema, name: z.string().max(100) });
export type PresenceUser = z.infer<typeof PresenceUserSchema>;

/**
 * The awareness state the SERVER sets (its own clientID) on a DM document: who is online in the
 * campaign. DM clients take the union over every server state (one per instance).
 */
export const DmServerPresenceSchema = z.strictObject({
  presence: z.strictObject({ players: z.array(PresenceUserSchema), dms: z.array(PresenceUserSchema) }),
});
export type DmServerPresence = z.infer<typeof DmServerPresenceSchema>;

/**
 * The awareness state the SERVER sets on a player document: whether a DM is online. Names only;
 * nothing about other players ever reaches a player.
 */
export const PlayerServerPresenceSchema = z.strictObject({
  presence: z.strictObject({ dms: z.array(z.strictObject({ name: z.string().max(100) })) }),
});
export type PlayerServerPresence = z.infer<typeof PlayerServerPresenceSchema>;

/** The server re-sends the DM presence push to players this often (a heartbeat across instances). */
export const PRESENCE_HEARTBEAT_MS = 5_000;
/** A player's client shows "DM offline" when no presence push arrived for this long (3 heartbeats). */
export const PRESENCE_STALE_MS = 3 * PRESENCE_HEARTBEAT_MS;
