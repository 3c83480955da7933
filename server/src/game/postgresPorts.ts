import type pg from "pg";
import * as repos from "../db/repos.ts";
import type { EventStore, StoredEvent } from "./EventLog.ts";
import type { Member } from "@hexcrawl/shared/httpApi";
import type { MemberDirectory, SessionRecord, SessionStore } from "./ports.ts";

/** The room's ports on Postgres (the repos of `db/repos.ts`). */

/** Members of a campaign from `campaign_member`. */
export function postgresMembers(pool: pg.Pool): MemberDirectory {
  return {
    async members(campaignId: string): Promise<Member[]> {
      const rows = await repos.listMembers(pool, campaignId);
      return rows.map((m) => ({ userId: m.userId, name: m.name, role: m.role, joinedAt: m.joinedAt.toISOString() }));
    },
  };
}

function record(s: repos.GameSession): SessionRecord {
  return { id: s.id, status: s.status, updatedAt: s.updatedAt.getTime() };
}

/** The session lifecycle in `game_session`. */
export function postgresSessions(pool: pg.Pool): SessionStore {
  return {
    current: async (campaignId) => record(await repos.getCurrentSession(pool, campaignId)),
    async transition(campaignId, expected, next) {
      const updated = await repos.setSessionStatus(pool, campaignId, expected, next);
      return updated ? record(updated) : null;
    },
  };
}

/**
 * Events in `session_event`. An event without a session id is filed under the campaign's current session: once a
 * campaign is known to have one, in the insert itself (one statement); the first time, after creating it.
 */
export function postgresEvents(pool: pg.Pool): EventStore {
  /** Campaigns known to have a game_session row (sessions are never deleted). */
  const withSession = new Set<string>();
  return {
    async append(event: StoredEvent): Promise<void> {
      const row = { campaignId: event.campaignId, type: event.type, actorId: event.actorId, payload: event.payload, eventKey: event.eventKey, at: event.at };
      if (event.sessionId === undefined && withSession.has(event.campaignId)) {
        await repos.appendEvent(pool, row, { currentSession: true });
        return;
      }
      const sessionId = event.sessionId ?? (await repos.getCurrentSession(pool, event.campaignId)).id;
      if (withSession.size > 100_000) withSession.clear();
      withSession.add(event.campaignId);
      await repos.appendEvent(pool, { ...row, sessionId });
    },
  };
}
