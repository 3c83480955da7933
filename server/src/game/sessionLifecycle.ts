import { nextStatus, type SessionAction, type SessionStatus } from "@hexcrawl/shared";
import { CommandError } from "./errors.ts";
import type { SessionRecord, SessionStore } from "./ports.ts";

/** Move a campaign's session lifecycle in the store (LIFE1): INVALID_TRANSITION when the action does not apply. */
export async function transitionSession(
  sessions: SessionStore,
  campaignId: string,
  action: SessionAction,
): Promise<{ from: SessionStatus; to: SessionRecord }> {
  const current = await sessions.current(campaignId);
  const next = nextStatus(current.status, action);
  if (!next.ok) throw new CommandError("INVALID_TRANSITION", next.message);
  const updated = await sessions.transition(campaignId, current.status, next.status);
  if (!updated) throw new CommandError("INVALID_TRANSITION", "The session changed meanwhile; try again");
  return { from: current.status, to: updated };
}
