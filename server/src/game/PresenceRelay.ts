import {
  dmsOnline,
  encodePush,
  isPlayerOnline,
  type DmServerPresence,
  type PlayerServerPresence,
  type PresenceUser,
} from "@hexcrawl/shared";
import type { Player, RoomDocument } from "./ports.ts";

/**
 * Presence (PRES1 in SPEC.md) from awareness: players online = a player's own state on their player document
 * (Redis forwards awareness from other instances); DMs online = DM states on the DM document. Published as this
 * server's awareness state on the DM document (players + DMs) and on each player document (DM names only —
 * nothing about other players ever reaches a player), plus a stateless push to players: the Redis extension does
 * not forward awareness of a document with no client connection on this instance, so players on other instances
 * learn of the DMs from the push, re-sent as a heartbeat.
 */
export class PresenceRelay {
  readonly #dm: RoomDocument;
  #lastPlayerPush = "";
  /** The server's presence state last set on each player document (JSON). */
  readonly #presenceSet = new WeakMap<RoomDocument, string>();

  constructor(dm: RoomDocument) {
    this.#dm = dm;
  }

  /** The DMs with the DM document open (on any instance). */
  dms(): PresenceUser[] {
    return dmsOnline(this.#dm.awareness.getStates(), this.#dm.awareness.clientID);
  }

  /** The presence push players get: the DMs online, nothing about other players. */
  playerPush(dms: PresenceUser[] = this.dms()): string {
    return encodePush({ v: 1, type: "presence", online: dms.map((d) => ({ userId: d.userId, name: d.name, role: "dm" })) });
  }

  /** Recompute and publish; `heartbeat` re-sends the player push even when unchanged. */
  update(players: ReadonlyMap<string, Player>, playerDocs: ReadonlyMap<string, RoomDocument>, heartbeat = false): void {
    const online: PresenceUser[] = [];
    for (const [userId, doc] of playerDocs) {
      const player = players.get(userId);
      if (player && isPlayerOnline(doc.awareness.getStates(), userId, doc.awareness.clientID)) online.push({ userId, name: player.name });
    }
    online.sort((a, b) => a.userId.localeCompare(b.userId));
    const dmList = this.dms();
    const dmState: DmServerPresence = { presence: { players: online, dms: dmList } };
    if (JSON.stringify(this.#dm.awareness.getLocalState()) !== JSON.stringify(dmState)) this.#dm.awareness.setLocalState(dmState);
    const playerState: PlayerServerPresence = { presence: { dms: dmList.map((d) => ({ name: d.name })) } };
    const playerJson = JSON.stringify(playerState);
    for (const doc of playerDocs.values()) {
      // Remembered per document: with N players this runs N times per awareness change (N² at connect).
      if (this.#presenceSet.get(doc) !== playerJson) {
        doc.awareness.setLocalState(playerState);
        this.#presenceSet.set(doc, playerJson);
      }
    }
    const push = this.playerPush(dmList);
    if (heartbeat || push !== this.#lastPlayerPush) {
      this.#lastPlayerPush = push;
      for (const doc of playerDocs.values()) doc.broadcastStateless(push);
    }
  }

  /** The DM document leaves this instance: tell the players here that no DM is online (from this instance). */
  clear(playerDocs: ReadonlyMap<string, RoomDocument>): void {
    this.#lastPlayerPush = "";
    const push = this.playerPush([]);
    for (const doc of playerDocs.values()) doc.broadcastStateless(push);
  }
}
