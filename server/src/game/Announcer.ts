import { clockOf, encodePush, readTravelSettings, type RollRecord } from "@hexcrawl/shared";
import type { Member } from "@hexcrawl/shared/httpApi";
import type { Clock, DmDocument, LocalConnection, RoomDocument } from "./ports.ts";

/** New events in the log are announced to the DMs here at most once per this interval. */
export const EVENTS_NUDGE_MS = 500;

/** Where the announcer sends: the DM document (its connections here) and the party document (every player). */
export interface AnnouncerDeps {
  dm(): DmDocument | null;
  party(): Promise<RoomDocument> | null;
  clock: Clock;
  onError(where: string, err: unknown): void;
}

/**
 * Small pushes that are not the pending list (PUSH4, LOGUI1, TRAVEL8): the member list to the DMs here, a nudge
 * that new events are in the log, and a roll the DM showed to the players.
 */
export class Announcer {
  readonly #deps: AnnouncerDeps;
  #eventsNudge: unknown = null;

  constructor(deps: AnnouncerDeps) {
    this.#deps = deps;
  }

  /** The member list to every DM connection here, or to one that just connected. */
  members(members: readonly Member[], to?: LocalConnection): void {
    const dm = this.#deps.dm();
    if (!dm) return;
    const push = encodePush({ v: 1, type: "members", members: [...members] });
    for (const connection of to ? [to] : dm.getConnections()) connection.sendStateless(push);
  }

  /** New events are in the log (from any instance): the DMs' log views fetch what is new over HTTP. */
  eventsStored(): void {
    if (!this.#deps.dm() || this.#eventsNudge !== null) return;
    this.#eventsNudge = this.#deps.clock.setTimeout(() => {
      this.#eventsNudge = null;
      const push = encodePush({ v: 1, type: "events" });
      for (const connection of this.#deps.dm()?.getConnections() ?? []) connection.sendStateless(push);
    }, EVENTS_NUDGE_MS);
  }

  /** Tell every player a roll was shown to them (through the party document: everyone, on every instance). */
  roll(roll: RollRecord): void {
    const dm = this.#deps.dm();
    const party = this.#deps.party();
    if (!dm || !party) return;
    const { day, watch } = clockOf(roll.at, readTravelSettings(dm).watchesPerDay);
    const push = encodePush({ v: 1, type: "roll", kind: roll.kind, text: roll.text, day, watch });
    void party.then(
      (doc) => doc.broadcastStateless(push),
      (err: unknown) => this.#deps.onError("announce roll", err),
    );
  }

  /** Nothing more is sent (the DM document left). */
  stop(): void {
    if (this.#eventsNudge !== null) this.#deps.clock.clearTimeout(this.#eventsNudge);
    this.#eventsNudge = null;
  }
}
