import type { Hocuspocus } from "@hocuspocus/server";
import type pg from "pg";
import type { ClusterBus } from "../cluster/ClusterBus.ts";
import * as repos from "../db/repos.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { CampaignRoom } from "./CampaignRoom.ts";
import { EventLog } from "./EventLog.ts";
import { GameExtension } from "./GameExtension.ts";
import { hocuspocusDocuments } from "./hocuspocusDocuments.ts";
import { systemClock, type ErrorReporter } from "./ports.ts";
import { postgresEvents, postgresMembers, postgresSessions } from "./postgresPorts.ts";

/** A repeating background failure (e.g. during a database outage) is logged once per this interval. */
export const ERROR_LOG_INTERVAL_MS = 30_000;

/** Log a background failure at most once per ERROR_LOG_INTERVAL_MS per campaign and place (outages repeat). */
function throttledErrors(): ErrorReporter {
  const last = new Map<string, number>();
  return (campaignId, where, err) => {
    const key = `${campaignId} ${where}`;
    const now = Date.now();
    if (now - (last.get(key) ?? 0) < ERROR_LOG_INTERVAL_MS) return;
    last.set(key, now);
    if (last.size > 10_000) last.clear();
    console.error(`[game ${campaignId}] ${where} failed:`, err instanceof Error ? err.message : err);
  };
}

/** The game server on Hocuspocus and Postgres: one event log for the process, one room per campaign. */
export function createGame(opts: { hocuspocus: Hocuspocus; pool: pg.Pool; bus: ClusterBus; verifyAnswers?: boolean }): GameExtension {
  const onError = throttledErrors();
  const events = new EventLog(postgresEvents(opts.pool), {
    isUnavailable: isDatabaseUnavailable,
    onError,
    clock: systemClock,
    onStored: (campaignId) => opts.bus.publish("events", { campaignId }),
  });
  const members = postgresMembers(opts.pool);
  const sessions = postgresSessions(opts.pool);
  return new GameExtension({
    createRoom: (campaignId) =>
      new CampaignRoom({
        campaignId,
        documents: hocuspocusDocuments(opts.hocuspocus, campaignId),
        members,
        sessions,
        events,
        onError,
        clock: systemClock,
      }),
    events,
    sessions,
    onMembersChanged: (handler) => opts.bus.subscribe("members", ({ campaignId }) => handler(campaignId)),
    onEventsStored: (handler) => opts.bus.subscribe("events", ({ campaignId }) => handler(campaignId)),
    campaignName: async (campaignId) => (await repos.getCampaign(opts.pool, campaignId))?.name ?? null,
    isUnavailable: isDatabaseUnavailable,
    verifyAnswers: opts.verifyAnswers ?? false,
  });
}
