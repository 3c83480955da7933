import { z } from "zod";

/** Roles a campaign member can hold. `owner` and `dm` edit the DM document; `player` reads their own view. */
export const Role = { owner: "owner", dm: "dm", player: "player" } as const;
export type Role = (typeof Role)[keyof typeof Role];
export const RoleSchema = z.enum(["owner", "dm", "player"]);

/** True for the roles allowed to open the DM document read-write. */
export function isDmRole(role: Role): boolean {
  return role === Role.owner || role === Role.dm;
}

/** Ids are opaque url-safe strings (better-auth user ids, our campaign ids). No `:` allowed: it separates name parts. */
export const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const IdSchema = z.string().regex(ID_RE);

/** A parsed Hocuspocus document name (the contract in docs/ARCHITECTURE.md and SPEC.md AUTH6). */
export type DocName =
  | { kind: "dm"; campaignId: string }
  | { kind: "player"; campaignId: string; userId: string }
  | { kind: "party"; campaignId: string }
  /** A member's private notes and markers (NOTES1): read-write by that member alone. */
  | { kind: "notes"; campaignId: string; userId: string }
  /** The table's shared annotations (NOTES2): every member reads and writes. */
  | { kind: "table"; campaignId: string };

const ID = "[A-Za-z0-9_-]{1,64}";
const DM_RE = new RegExp(`^campaign:(${ID}):dm$`);
const PLAYER_RE = new RegExp(`^campaign:(${ID}):player:(${ID})$`);
const PARTY_RE = new RegExp(`^campaign:(${ID}):party$`);
const NOTES_RE = new RegExp(`^campaign:(${ID}):notes:(${ID})$`);
const TABLE_RE = new RegExp(`^campaign:(${ID}):table$`);

/** Parse a document name; `null` for every name outside the contract (refused in onAuthenticate). */
export function parseDocName(name: string): DocName | null {
  if (name.length > 200) return null;
  let m = DM_RE.exec(name);
  if (m?.[1]) return { kind: "dm", campaignId: m[1] };
  m = PLAYER_RE.exec(name);
  if (m?.[1] && m[2]) return { kind: "player", campaignId: m[1], userId: m[2] };
  m = PARTY_RE.exec(name);
  if (m?.[1]) return { kind: "party", campaignId: m[1] };
  m = NOTES_RE.exec(name);
  if (m?.[1] && m[2]) return { kind: "notes", campaignId: m[1], userId: m[2] };
  m = TABLE_RE.exec(name);
  if (m?.[1]) return { kind: "table", campaignId: m[1] };
  return null;
}

export function dmDocName(campaignId: string): string {
  return `campaign:${campaignId}:dm`;
}

export function playerDocName(campaignId: string, userId: string): string {
  return `campaign:${campaignId}:player:${userId}`;
}

export function partyDocName(campaignId: string): string {
  return `campaign:${campaignId}:party`;
}

/** A member's private notes document (NOTES1). */
export function notesDocName(campaignId: string, userId: string): string {
  return `campaign:${campaignId}:notes:${userId}`;
}

/** The table's shared annotations document (NOTES2). */
export function tableDocName(campaignId: string): string {
  return `campaign:${campaignId}:table`;
}
