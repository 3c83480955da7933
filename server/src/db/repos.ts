import { playerTimeline, PUBLISH_VIEWS_EVENT, PublishViewsPayloadSchema, TIMELINE_MAX_EVENTS_READ, type RecordedPublish, type Timeline } from "@hexcrawl/shared/timeline";
import { isAllowedTransition, SessionStatus, SessionStatusSchema } from "@hexcrawl/shared/session";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type pg from "pg";
import { RoleSchema, type Role } from "@hexcrawl/shared/docNames";
import {
  CampaignSchema,
  DEFAULT_EVENTS_PAGE,
  InviteRoleSchema,
  MAX_EVENTS_PAGE,
  MemberSchema,
  type InviteRole,
} from "@hexcrawl/shared/httpApi";
import { withTransaction } from "./tx.ts";

/*
 * The SQL the HTTP API and the game server need. Every function takes the pool (or a transaction's client
 * where noted), returns plain objects validated with zod (a schema drift fails loudly here, not in a handler),
 * and throws on database errors. Expected outcomes (an invite already used, a stale status) are return values.
 */

type Queryable = pg.Pool | pg.PoolClient;

/** Campaign ids: 16 url-safe chars (96 random bits). */
const CAMPAIGN_ID_BYTES = 12;
/** Invite codes: 24 url-safe chars (144 random bits), unguessable. */
const INVITE_CODE_BYTES = 18;
/** Game session ids: 16 url-safe chars. */
const SESSION_ID_BYTES = 12;

function randomId(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}

/** Role precedence: an existing member never loses rank by accepting an invite. */
const ROLE_RANK: Record<Role, number> = { owner: 3, dm: 2, player: 1 };

// ---------------------------------------------------------------------------------------------------------------
// Campaigns and members

// Where a row is what the HTTP contract sends, its schema is the contract's with the database's Dates.

/** A campaign row (the wire's `Campaign` is one member's view of it: with their role, without the creator). */
export interface CampaignRecord {
  id: string;
  name: string;
  createdBy: string | null;
  createdAt: Date;
}

const CampaignRow = z
  .object({ id: z.string(), name: z.string(), created_by: z.string().nullable(), created_at: z.date() })
  .transform((r): CampaignRecord => ({ id: r.id, name: r.name, createdBy: r.created_by, createdAt: r.created_at }));

/**
 * Create a campaign and make `userId` its owner, in one transaction (never a campaign without an owner).
 * @returns the campaign and the creator's role.
 */
export async function createCampaign(pool: pg.Pool, userId: string, name: string): Promise<CampaignRecord & { role: "owner" }> {
  return withTransaction(pool, async (client) => {
    const id = randomId(CAMPAIGN_ID_BYTES);
    const res = await client.query(
      "insert into campaign (id, name, created_by) values ($1, $2, $3) returning id, name, created_by, created_at",
      [id, name, userId],
    );
    await client.query("insert into campaign_member (campaign_id, user_id, role) values ($1, $2, 'owner')", [id, userId]);
    return { ...CampaignRow.parse(res.rows[0]), role: "owner" as const };
  });
}

/** The campaign, or null. Does not check membership: callers do (see getMembership). */
export async function getCampaign(db: Queryable, id: string): Promise<CampaignRecord | null> {
  const res = await db.query("select id, name, created_by, created_at from campaign where id = $1", [id]);
  return res.rows[0] ? CampaignRow.parse(res.rows[0]) : null;
}

const CampaignForUserRow = CampaignSchema.extend({ createdAt: z.date() });
/** A campaign with the user's role in it: the wire `Campaign`, with a Date. */
export type CampaignForUser = z.infer<typeof CampaignForUserRow>;

/** The campaigns `userId` is a member of, newest first, with their role in each. */
export async function listCampaignsForUser(db: Queryable, userId: string): Promise<CampaignForUser[]> {
  const res = await db.query(
    `select c.id, c.name, m.role, c.created_at as "createdAt"
       from campaign_member m join campaign c on c.id = m.campaign_id
      where m.user_id = $1
      order by c.created_at desc, c.id`,
    [userId],
  );
  return z.array(CampaignForUserRow).parse(res.rows);
}

/** `userId`'s role in the campaign, or null when not a member (or no such campaign). */
export async function getMembership(db: Queryable, campaignId: string, userId: string): Promise<Role | null> {
  const res = await db.query("select role from campaign_member where campaign_id = $1 and user_id = $2", [
    campaignId,
    userId,
  ]);
  return res.rows[0] ? RoleSchema.parse(res.rows[0].role) : null;
}

const MemberRow = MemberSchema.extend({ joinedAt: z.date() });
/** A campaign member: the wire `Member`, with a Date. */
export type MemberRecord = z.infer<typeof MemberRow>;

/** Members with their display name, owner first, then DMs, then players, each by join time. No emails. */
export async function listMembers(db: Queryable, campaignId: string): Promise<MemberRecord[]> {
  const res = await db.query(
    // NAME3: a name stored before the 64-character limit is cut here (never 1 MB to every member).
    `select m.user_id as "userId", left(u.name, 64) as name, m.role, m.joined_at as "joinedAt"
       from campaign_member m join "user" u on u.id = m.user_id
      where m.campaign_id = $1
      order by case m.role when 'owner' then 0 when 'dm' then 1 else 2 end, m.joined_at, m.user_id`,
    [campaignId],
  );
  return z.array(MemberRow).parse(res.rows);
}

// ---------------------------------------------------------------------------------------------------------------
// Invites

/**
 * Create an invite that expires `ttlMs` from now (database clock), good for `maxUses` accepts (default one;
 * null: a reusable link until it expires or is revoked).
 */
export async function createInvite(
  db: Queryable,
  campaignId: string,
  role: InviteRole,
  createdBy: string,
  ttlMs: number,
  maxUses: number | null = 1,
): Promise<{ code: string; expiresAt: Date }> {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be positive, got ${ttlMs}`);
  if (maxUses !== null && (!Number.isInteger(maxUses) || maxUses < 1)) throw new RangeError(`maxUses must be a positive integer or null, got ${maxUses}`);
  const code = randomId(INVITE_CODE_BYTES);
  const res = await db.query(
    `insert into invite (code, campaign_id, role, created_by, expires_at, max_uses)
     values ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision / 1000), $6)
     returning expires_at`,
    [code, campaignId, InviteRoleSchema.parse(role), createdBy, ttlMs, maxUses],
  );
  return { code, expiresAt: z.date().parse(res.rows[0]?.expires_at) };
}

/** Why an invite could not be accepted. */
export const InviteError = {
  INVITE_NOT_FOUND: "INVITE_NOT_FOUND",
  INVITE_USED: "INVITE_USED",
  INVITE_EXPIRED: "INVITE_EXPIRED",
  /** A DM revoked it. */
  INVITE_REVOKED: "INVITE_REVOKED",
  /** The user already holds this role or a higher one; the invite is NOT consumed (it can go to someone else). */
  ALREADY_MEMBER: "ALREADY_MEMBER",
} as const;
export type InviteError = (typeof InviteError)[keyof typeof InviteError];

export type AcceptInviteResult = { ok: true; campaignId: string; role: Role } | { ok: false; code: InviteError };

const InviteRow = z.object({
  campaign_id: z.string(),
  role: InviteRoleSchema,
  used_by: z.string().nullable(),
  used_at: z.date().nullable(),
  expired: z.boolean(),
  revoked: z.boolean(),
  used_up: z.boolean(),
});

/**
 * Accept an invite for `userId`, atomically: the invite row is locked (`for update`), so of two concurrent
 * accepts of its last use exactly one wins and the other gets INVITE_USED. A reusable invite (`max_uses` null)
 * is never used up.
 * - Not a member yet: joins with the invite's role; the invite is consumed.
 * - Member with a lower role (player accepting a dm invite): promoted; the invite is consumed.
 * - Member with the same or a higher role: ALREADY_MEMBER, nothing changes, the invite stays usable.
 * - The same user accepting an invite they already used (a retried request): ok with their current role.
 * Checks in order: not found, revoked, used up, expired.
 */
export async function acceptInvite(pool: pg.Pool, code: string, userId: string): Promise<AcceptInviteResult> {
  return withTransaction(pool, async (client): Promise<AcceptInviteResult> => {
    const res = await client.query(
      `select campaign_id, role, used_by, used_at, expires_at <= now() as expired, revoked_at is not null as revoked,
              (max_uses is not null and uses >= max_uses) as used_up
         from invite where code = $1 for update`,
      [code],
    );
    if (!res.rows[0]) return { ok: false, code: InviteError.INVITE_NOT_FOUND };
    const invite = InviteRow.parse(res.rows[0]);
    if (invite.revoked) return { ok: false, code: InviteError.INVITE_REVOKED };
    if (invite.used_up) {
      if (invite.used_by === userId) {
        const role = await getMembership(client, invite.campaign_id, userId);
        if (role) return { ok: true, campaignId: invite.campaign_id, role };
      }
      return { ok: false, code: InviteError.INVITE_USED };
    }
    if (invite.expired) return { ok: false, code: InviteError.INVITE_EXPIRED };

    // Insert first: a concurrent insert of the same member (another invite) is waited for, then conflicts.
    const joined = await client.query(
      "insert into campaign_member (campaign_id, user_id, role) values ($1, $2, $3) on conflict do nothing",
      [invite.campaign_id, userId, invite.role],
    );
    let role: Role = invite.role;
    if (joined.rowCount === 0) {
      const current = await client.query(
        "select role from campaign_member where campaign_id = $1 and user_id = $2 for update",
        [invite.campaign_id, userId],
      );
      const currentRole = RoleSchema.parse(current.rows[0]?.role);
      if (ROLE_RANK[currentRole] >= ROLE_RANK[invite.role]) return { ok: false, code: InviteError.ALREADY_MEMBER };
      await client.query("update campaign_member set role = $3 where campaign_id = $1 and user_id = $2", [
        invite.campaign_id,
        userId,
        invite.role,
      ]);
      role = invite.role;
    }
    await client.query("update invite set used_by = $2, used_at = now(), uses = uses + 1 where code = $1", [code, userId]);
    return { ok: true, campaignId: invite.campaign_id, role };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Game sessions

// The lifecycle itself (statuses, actions, allowed transitions) is the pure core's: shared/src/session.ts.
export { isAllowedTransition, SessionStatus, SessionStatusSchema } from "@hexcrawl/shared/session";

export const GameSessionSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  status: SessionStatusSchema,
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type GameSession = z.infer<typeof GameSessionSchema>;

const SESSION_COLUMNS = `id, campaign_id as "campaignId", status, created_at as "createdAt", updated_at as "updatedAt"`;

/** The campaign's latest session: the open one if any, else the last ended one. Null if it never had one. */
async function latestSession(db: Queryable, campaignId: string): Promise<GameSession | null> {
  const res = await db.query(
    `select ${SESSION_COLUMNS} from game_session where campaign_id = $1
      order by (status <> 'ended') desc, created_at desc, id desc limit 1`,
    [campaignId],
  );
  return res.rows[0] ? GameSessionSchema.parse(res.rows[0]) : null;
}

/**
 * The campaign's current session: the open (non-ended) one, else the latest ended one. A campaign that never
 * had a session gets a `waiting` one, created lazily — concurrent callers (two instances) get the same row.
 * An ended session is returned as is, not replaced: a new one starts with setSessionStatus(…, "ended", …).
 */
export async function getCurrentSession(db: Queryable, campaignId: string): Promise<GameSession> {
  const existing = await latestSession(db, campaignId);
  if (existing) return existing;
  // A concurrent creator makes this conflict on the one-open-session index (waiting for its commit): do nothing.
  await db.query(
    `insert into game_session (id, campaign_id, status)
     select $1, $2, 'waiting' where not exists (select 1 from game_session where campaign_id = $2)
     on conflict (campaign_id) where status <> 'ended' do nothing`,
    [randomId(SESSION_ID_BYTES), campaignId],
  );
  const created = await latestSession(db, campaignId);
  if (!created) throw new Error(`game session for campaign ${campaignId} could not be created`);
  return created;
}

/**
 * Optimistic status change of the campaign's current session: applied only if its status is still
 * `expected` (a concurrent change from another instance makes this return null — re-read and decide again).
 * From `ended`, a successful call starts a NEW session with status `next` (null if an open one exists).
 * @returns the updated (or new) session, or null when the expected status no longer holds.
 * @throws RangeError on a transition outside SESSION_TRANSITIONS (a caller bug: validate commands first).
 */
export async function setSessionStatus(
  db: Queryable,
  campaignId: string,
  expected: SessionStatus,
  next: SessionStatus,
): Promise<GameSession | null> {
  if (!isAllowedTransition(expected, next)) throw new RangeError(`session transition ${expected} → ${next} is not allowed`);
  if (expected === SessionStatus.ended) {
    const latest = await latestSession(db, campaignId);
    if (!latest || latest.status !== SessionStatus.ended) return null;
    const res = await db.query(
      `insert into game_session (id, campaign_id, status) values ($1, $2, $3)
       on conflict (campaign_id) where status <> 'ended' do nothing
       returning ${SESSION_COLUMNS}`,
      [randomId(SESSION_ID_BYTES), campaignId, next],
    );
    return res.rows[0] ? GameSessionSchema.parse(res.rows[0]) : null;
  }
  // Only the open session can be in a non-ended status: the partial unique index guarantees at most one.
  const res = await db.query(
    `update game_session set status = $3, updated_at = now()
      where campaign_id = $1 and status = $2
      returning ${SESSION_COLUMNS}`,
    [campaignId, expected, next],
  );
  return res.rows[0] ? GameSessionSchema.parse(res.rows[0]) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Session events

export const SessionEventSchema = z.object({
  id: z.coerce.number().int(), // bigserial arrives as a string; ids stay far below 2^53
  campaignId: z.string(),
  sessionId: z.string().nullable(),
  type: z.string(),
  actorId: z.string().nullable(),
  payload: z.unknown(),
  eventKey: z.string().nullable(),
  createdAt: z.date(),
});
export type SessionEvent = z.infer<typeof SessionEventSchema>;

export interface NewSessionEvent {
  campaignId: string;
  sessionId?: string | null | undefined;
  type: string;
  actorId?: string | null | undefined;
  /** Any JSON value; stored as jsonb. */
  payload?: unknown;
  /**
   * Idempotency key, unique across all campaigns (include the campaign id in it). The same event derived
   * on two instances must carry the same key; the second insert is a no-op.
   */
  eventKey?: string | null | undefined;
  /** When it happened (default: now). Set when an insert is retried after an outage. */
  at?: Date | undefined;
}

/**
 * Record an event. @returns true if inserted, false if an event with the same `eventKey` already exists.
 * Events without a key are always inserted.
 */
export async function appendEvent(
  db: Queryable,
  event: NewSessionEvent,
  opts: { currentSession?: boolean } = {},
): Promise<boolean> {
  // currentSession: with no sessionId, file it under the campaign's current session (the row
  // getCurrentSession returns) in the same statement — one round trip instead of two per event.
  const session = opts.currentSession
    ? `coalesce($2, (select id from game_session where campaign_id = $1
         order by (status <> 'ended') desc, created_at desc, id desc limit 1))`
    : "$2";
  const res = await db.query(
    `insert into session_event (campaign_id, session_id, type, actor_id, payload, event_key, created_at)
     values ($1, ${session}, $3, $4, $5::jsonb, $6, coalesce($7::timestamptz, now()))
     on conflict (event_key) do nothing`,
    [
      event.campaignId,
      event.sessionId ?? null,
      event.type,
      event.actorId ?? null,
      JSON.stringify(event.payload ?? {}),
      event.eventKey ?? null,
      event.at ?? null,
    ],
  );
  return res.rowCount === 1;
}

/**
 * Events of a campaign in insertion order (by id), after `afterId`, at most `limit` (1…MAX_EVENTS_PAGE); only of
 * one session and of some types when asked.
 */
export async function listEvents(
  db: Queryable,
  campaignId: string,
  opts: { afterId?: number | undefined; limit?: number | undefined; sessionId?: string | undefined; types?: readonly string[] | undefined } = {},
): Promise<SessionEvent[]> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? DEFAULT_EVENTS_PAGE), 1), MAX_EVENTS_PAGE);
  const res = await db.query(
    `select id, campaign_id as "campaignId", session_id as "sessionId", type, actor_id as "actorId", payload,
            event_key as "eventKey", created_at as "createdAt"
       from session_event
      where campaign_id = $1 and id > $2
        and ($4::text is null or session_id = $4)
        and ($5::text[] is null or type = any($5))
        and ($5::text[] is not null or type <> '${PUBLISH_VIEWS_EVENT}')
      order by id limit $3`,
    [campaignId, opts.afterId ?? 0, limit, opts.sessionId ?? null, opts.types && opts.types.length > 0 ? [...opts.types] : null],
  );
  return z.array(SessionEventSchema).parse(res.rows);
}

/**
 * A player's timeline (REPLAY3): folded from the campaign's recorded publishes (`publish_views`, the newest
 * TIMELINE_MAX_EVENTS_READ of them, oldest first) by `playerTimeline`. Payloads that do not parse are skipped.
 */
export async function listTimeline(db: Queryable, campaignId: string, userId: string): Promise<Timeline> {
  const res = await db.query(
    `select id, session_id as "sessionId", payload, created_at as "createdAt" from (
       select * from session_event where campaign_id = $1 and type = '${PUBLISH_VIEWS_EVENT}' order by id desc limit $2
     ) newest order by id`,
    [campaignId, TIMELINE_MAX_EVENTS_READ],
  );
  const rows = z.array(z.object({ id: z.coerce.number(), sessionId: z.string().nullable(), payload: z.unknown(), createdAt: z.date() })).parse(res.rows);
  const records: RecordedPublish[] = [];
  for (const r of rows) {
    const p = PublishViewsPayloadSchema.safeParse(r.payload);
    if (p.success) records.push({ id: r.id, at: r.createdAt.toISOString(), sessionId: r.sessionId, payload: p.data });
  }
  return playerTimeline(records, userId);
}

// ---------------------------------------------------------------------------------------------------------------
// Access checks of open connections (collab/AccessWatch.ts, REVOKE1–REVOKE6)

/** The ids among `sessionIds` whose better-auth session row exists and has not expired (database clock). */
export async function liveSessions(db: Queryable, sessionIds: readonly string[]): Promise<Set<string>> {
  if (sessionIds.length === 0) return new Set();
  const res = await db.query(`select id from "session" where id = any($1::text[]) and "expiresAt" > now()`, [[...sessionIds]]);
  return new Set(z.array(z.object({ id: z.string() })).parse(res.rows).map((r) => r.id));
}

/** The roles of `userIds` in `campaignIds`, keyed `campaignId|userId` (a missing key: not a member). */
export async function rolesOf(db: Queryable, campaignIds: readonly string[], userIds: readonly string[]): Promise<Map<string, Role>> {
  if (campaignIds.length === 0 || userIds.length === 0) return new Map();
  const res = await db.query(
    "select campaign_id, user_id, role from campaign_member where campaign_id = any($1::text[]) and user_id = any($2::text[])",
    [[...campaignIds], [...userIds]],
  );
  const rows = z.array(z.object({ campaign_id: z.string(), user_id: z.string(), role: RoleSchema })).parse(res.rows);
  return new Map(rows.map((r) => [`${r.campaign_id}|${r.user_id}`, r.role]));
}

// ---------------------------------------------------------------------------------------------------------------
// Member management (issue 10)

const InviteListRow = z.object({
  code: z.string(),
  role: InviteRoleSchema,
  expiresAt: z.date(),
  createdAt: z.date(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
});
export type InviteRecord = z.infer<typeof InviteListRow>;

/** The campaign's invites that can still be accepted (not revoked, not used up, not expired), newest first. */
export async function listInvites(db: Queryable, campaignId: string): Promise<InviteRecord[]> {
  const res = await db.query(
    `select code, role, expires_at as "expiresAt", created_at as "createdAt", max_uses as "maxUses", uses
       from invite
      where campaign_id = $1 and revoked_at is null and expires_at > now() and (max_uses is null or uses < max_uses)
      order by created_at desc, code`,
    [campaignId],
  );
  return z.array(InviteListRow).parse(res.rows);
}

/** Revoke one of the campaign's invites. @returns false when the campaign has no such invite. */
export async function revokeInvite(db: Queryable, campaignId: string, code: string): Promise<boolean> {
  const res = await db.query(
    "update invite set revoked_at = coalesce(revoked_at, now()) where code = $1 and campaign_id = $2",
    [code, campaignId],
  );
  return res.rowCount === 1;
}

/** What an invite offers, for the invite page before anyone signs in; `state` says whether it can be accepted. */
export async function inviteOffer(
  db: Queryable,
  code: string,
): Promise<{ campaign: { id: string; name: string }; role: InviteRole; state: "open" | "used" | "expired" | "revoked" } | null> {
  const res = await db.query(
    `select c.id, c.name, i.role,
            case when i.revoked_at is not null then 'revoked'
                 when i.max_uses is not null and i.uses >= i.max_uses then 'used'
                 when i.expires_at <= now() then 'expired'
                 else 'open' end as state
       from invite i join campaign c on c.id = i.campaign_id
      where i.code = $1`,
    [code],
  );
  if (!res.rows[0]) return null;
  const row = z
    .object({ id: z.string(), name: z.string(), role: InviteRoleSchema, state: z.enum(["open", "used", "expired", "revoked"]) })
    .parse(res.rows[0]);
  return { campaign: { id: row.id, name: row.name }, role: row.role, state: row.state };
}

/** Remove a member (never the owner: the row is kept). @returns false when there was no such non-owner member. */
export async function removeMember(db: Queryable, campaignId: string, userId: string): Promise<boolean> {
  const res = await db.query("delete from campaign_member where campaign_id = $1 and user_id = $2 and role <> 'owner'", [
    campaignId,
    userId,
  ]);
  return res.rowCount === 1;
}

/** Set a non-owner member's role to `dm` or `player`. @returns false when there was no such non-owner member. */
export async function setMemberRole(db: Queryable, campaignId: string, userId: string, role: InviteRole): Promise<boolean> {
  const res = await db.query(
    "update campaign_member set role = $3 where campaign_id = $1 and user_id = $2 and role <> 'owner'",
    [campaignId, userId, InviteRoleSchema.parse(role)],
  );
  return res.rowCount === 1;
}
