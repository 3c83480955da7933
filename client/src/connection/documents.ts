import { dmDocName, isDmRole, playerDocName, type Role } from "@hexcrawl/shared/docNames";

/** The collaboration socket URL for a campaign; the `campaign` parameter lets a balancer hash on it. */
export function collabUrl(location: Pick<Location, "protocol" | "host">, campaignId: string): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/collab?campaign=${encodeURIComponent(campaignId)}`;
}

/** Which document a member opens: the DM document for owner/dm, their own player view otherwise. */
export function documentNameFor(campaignId: string, role: Role, userId: string): string {
  return isDmRole(role) ? dmDocName(campaignId) : playerDocName(campaignId, userId);
}
