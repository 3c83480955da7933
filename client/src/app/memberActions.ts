import type { MemberActions } from "./MembersList.svelte";
import type { CampaignDetails } from "./CampaignDetails.svelte.ts";

/**
 * What the viewer of a campaign may do to its members (MEMB1, MEMB2; the server checks the same): the owner changes
 * roles and removes anyone but the owner; a DM removes players.
 */
export function memberActions(details: CampaignDetails): MemberActions {
  return {
    canRemove: (m) => m.role !== "owner" && (details.isOwner || (details.isDm && m.role === "player")),
    canChangeRole: (m) => details.isOwner && m.role !== "owner",
    remove: (m) => details.removeMember(m.userId),
    setRole: (m, role) => details.changeRole(m.userId, role),
  };
}
