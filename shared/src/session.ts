import type * as Y from "yjs";
import { z } from "zod";
import { playerMaps, SessionKey } from "./model.ts";

/**
 * Game-session lifecycle (SESS1–SESS6 in SPEC.md):
 *
 *     waiting --start--> active --pause--> paused --resume--> active
 *     waiting | active | paused | preparing --end--> ended
 *     ended --start--> active          (the next game night of the same campaign)
 *     waiting | ended --prepare--> preparing --start--> active
 *     preparing --ready--> waiting     (players see "the DM is preparing the map" meanwhile)
 *
 * `end` from `waiting` is allowed so a DM can cancel a session that never started. `ended` is not
 * terminal because a campaign is played over many sessions. Every other pair, including repeating
 * the current state (pause while paused), is INVALID_TRANSITION so a duplicated command is visible.
 */

/** Status shown to players (stored in the player document's `session` map). */
export const SessionStatus = {
  waiting: "waiting",
  active: "active",
  paused: "paused",
  ended: "ended",
  preparing: "preparing",
} as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];
export const SessionStatusSchema = z.enum(["waiting", "active", "paused", "ended", "preparing"]);

/** DM commands that move the lifecycle. */
export const SessionAction = { start: "start", pause: "pause", resume: "resume", end: "end", prepare: "prepare", ready: "ready" } as const;
export type SessionAction = (typeof SessionAction)[keyof typeof SessionAction];
export const SessionActionSchema = z.enum(["start", "pause", "resume", "end", "prepare", "ready"]);

/** Status of a campaign that has never had a session. */
export const INITIAL_SESSION_STATUS: SessionStatus = SessionStatus.waiting;

const TRANSITIONS: Record<SessionStatus, Partial<Record<SessionAction, SessionStatus>>> = {
  waiting: { start: "active", end: "ended", prepare: "preparing" },
  active: { pause: "paused", end: "ended" },
  paused: { resume: "active", end: "ended" },
  ended: { start: "active", prepare: "preparing" },
  preparing: { start: "active", ready: "waiting", end: "ended" },
};

/** Result of a lifecycle step. */
export type TransitionResult =
  | { ok: true; status: SessionStatus }
  | { ok: false; code: "INVALID_TRANSITION"; message: string };

/** The status after `action`, or INVALID_TRANSITION. Pure. */
export function nextStatus(status: SessionStatus, action: SessionAction): TransitionResult {
  const next = TRANSITIONS[status]?.[action];
  if (next === undefined) {
    return { ok: false, code: "INVALID_TRANSITION", message: `cannot ${action} a session that is ${status}` };
  }
  return { ok: true, status: next };
}

/** True when some action moves `from` to `to` (the store's guard against a caller bug). */
export function isAllowedTransition(from: SessionStatus, to: SessionStatus): boolean {
  return Object.values(TRANSITIONS[from] ?? {}).includes(to);
}

/** The actions allowed from a status (for enabling buttons). */
export function allowedActions(status: SessionStatus): SessionAction[] {
  return Object.keys(TRANSITIONS[status] ?? {}) as SessionAction[];
}

/** Session state as stored in a player document. */
export interface SessionState {
  status: SessionStatus;
  /** Milliseconds since the epoch of the last change; 0 when never set. */
  updatedAt: number;
}

/** Read a player document's session; `waiting` / 0 when absent or invalid. */
export function readSession(playerDoc: Y.Doc): SessionState {
  const { session } = playerMaps(playerDoc);
  const status = SessionStatusSchema.safeParse(session.get(SessionKey.status));
  const at = session.get(SessionKey.updatedAt);
  return {
    status: status.success ? status.data : INITIAL_SESSION_STATUS,
    updatedAt: typeof at === "number" && Number.isFinite(at) ? at : 0,
  };
}

/** Write a player document's session (only changed keys, one transaction). Returns true if changed. */
export function writeSession(playerDoc: Y.Doc, state: SessionState, origin: unknown): boolean {
  const { session } = playerMaps(playerDoc);
  const changes = (Object.entries(state) as [SessionKey, string | number][]).filter(([k, v]) => session.get(k) !== v);
  if (changes.length === 0) return false;
  playerDoc.transact(() => {
    for (const [k, v] of changes) session.set(k, v);
  }, origin);
  return true;
}
