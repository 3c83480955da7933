import { z } from "zod";
import { HexKeySchema } from "./hex.ts";
import {
  AwarenessUserSchema,
  DmServerPresenceSchema,
  PlayerServerPresenceSchema,
  type PresenceUser,
} from "./protocol.ts";

/**
 * Pure readings of awareness states (PRES1–PRES3): who is online from the server's own presence
 * state(s), and other clients' cursors. Shared so the client's presence view and the server's presence
 * relay read awareness the same way; callers only feed them the live states.
 */

/** Another DM's pointer on the map, as their awareness state says. */
export interface RemoteCursor {
  clientId: number;
  userId: string;
  name: string;
  colour: string;
  /** Hovered hex, or null when their pointer is off the map. */
  hex: string | null;
  /** Hex selected in their inspector, or null. */
  selected: string | null;
}

// A peer's state as the server rebuilt it: `user` from the session, `cursor`/`selection` from the client.
const PeerStateSchema = z.object({
  user: AwarenessUserSchema,
  cursor: z.object({ hex: HexKeySchema.optional() }).optional(),
  selection: z.array(HexKeySchema).optional(),
});

function byName(a: PresenceUser, b: PresenceUser): number {
  return a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId);
}

/** Pure: who is online, from every awareness state that carries the server's DM-document presence. */
export function dmPresenceOf(states: Iterable<unknown>): { players: PresenceUser[]; dms: PresenceUser[] } {
  const players = new Map<string, PresenceUser>();
  const dms = new Map<string, PresenceUser>();
  // One server state per instance behind a balancer: take the union.
  for (const s of states) {
    const p = DmServerPresenceSchema.safeParse(s);
    if (!p.success) continue;
    for (const u of p.data.presence.players) players.set(u.userId, u);
    for (const u of p.data.presence.dms) dms.set(u.userId, u);
  }
  return { players: [...players.values()].sort(byName), dms: [...dms.values()].sort(byName) };
}

/** Pure: names of the DMs online, from the server's player-document presence states. */
export function dmsOnlineOf(states: Iterable<unknown>): string[] {
  const names = new Set<string>();
  for (const s of states) {
    const p = PlayerServerPresenceSchema.safeParse(s);
    if (p.success) for (const d of p.data.presence.dms) names.add(d.name);
  }
  return [...names].sort();
}

/** Pure: the cursors of every peer state but our own, sorted by name. */
export function cursorsOf(states: Iterable<[number, unknown]>, ownClientId: number): RemoteCursor[] {
  const out: RemoteCursor[] = [];
  for (const [clientId, s] of states) {
    if (clientId === ownClientId) continue;
    const p = PeerStateSchema.safeParse(s);
    if (!p.success) continue;
    out.push({
      clientId,
      userId: p.data.user.userId,
      name: p.data.user.name,
      colour: p.data.user.colour,
      hex: p.data.cursor?.hex ?? null,
      selected: p.data.selection?.[0] ?? null,
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.clientId - b.clientId);
}


/** The DMs named by a presence push, while it is fresh (a push is re-sent every PRESENCE_HEARTBEAT_MS). */
export function pushedDmNames(last: { names: string[]; at: number } | null, now: number, staleMs: number): string[] {
  if (!last || now - last.at > staleMs) return [];
  return [...last.names].sort();
}

// ---- Server side: who is online, read from the awareness of the DM and player documents.
// A state is whatever a document's awareness holds for one client id; the server rebuilt every client's `user`
// from its session (AuthExtension), so `user` can be trusted here.

interface StateUser {
  userId?: unknown;
  name?: unknown;
  role?: unknown;
}

function userOf(state: unknown): StateUser | undefined {
  if (typeof state !== "object" || state === null || !("user" in state)) return undefined;
  const user = (state as { user?: unknown }).user;
  return typeof user === "object" && user !== null ? (user as StateUser) : undefined;
}

/** True when a state other than `ownClientId` is `userId`'s own, as a player (they have their document open). */
export function isPlayerOnline(states: Map<number, unknown>, userId: string, ownClientId: number): boolean {
  for (const [clientId, state] of states) {
    if (clientId === ownClientId) continue;
    const user = userOf(state);
    if (user?.userId === userId && user.role === "player") return true;
  }
  return false;
}

/** The DMs (owner or dm role) with a state on the DM document, other than `ownClientId`, sorted by id. */
export function dmsOnline(states: Map<number, unknown>, ownClientId: number): PresenceUser[] {
  const dms = new Map<string, PresenceUser>();
  for (const [clientId, state] of states) {
    if (clientId === ownClientId) continue;
    const user = userOf(state);
    if (user && typeof user.userId === "string" && typeof user.name === "string" && user.role !== "player") {
      dms.set(user.userId, { userId: user.userId, name: user.name });
    }
  }
  return [...dms.values()].sort((a, b) => a.userId.localeCompare(b.userId));
}
