import { z } from "zod";
import { HexKeySchema } from "@hexcrawl/shared/hex";
import {
  AwarenessUserSchema,
  DmServerPresenceSchema,
  PlayerServerPresenceSchema,
  type PresenceUser,
} from "@hexcrawl/shared/protocol";

/**
 * Pure readings of awareness states (PRES1–PRES3): who is online from the server's own presence
 * state(s), and other clients' cursors. `Presence.svelte.ts` only feeds them the live states.
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
