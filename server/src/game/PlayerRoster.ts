import type { Member } from "@hexcrawl/shared/httpApi";
import type { Clock, MemberDirectory, Player } from "./ports.ts";

/** A command re-reads the member list when it is older than this (a push never does: it uses the cache). */
export const MEMBERS_FRESH_MS = 2_000;

/**
 * The members of one campaign as this instance last read them, and its players among them. Re-read on the
 * presence heartbeat, when members change anywhere (the cluster bus), when a player nobody knew connects, and
 * before commands when older than MEMBERS_FRESH_MS — never on a DM edit.
 */
export class PlayerRoster {
  readonly #members: MemberDirectory;
  readonly #campaignId: string;
  readonly #clock: Clock;
  readonly #players = new Map<string, Player>();
  #all: Member[] = [];
  #readAt = 0;

  constructor(members: MemberDirectory, campaignId: string, clock: Clock) {
    this.#members = members;
    this.#campaignId = campaignId;
    this.#clock = clock;
  }

  /** The players by id, as last read. */
  get byId(): ReadonlyMap<string, Player> {
    return this.#players;
  }

  /** Every member with their role, as last read (empty before the first read). */
  get members(): readonly Member[] {
    return this.#all;
  }

  /** True once the members were read at least once. */
  get loaded(): boolean {
    return this.#readAt !== 0;
  }

  /**
   * Read the members now. `playersChanged`: the set of player ids changed; `membersChanged`: anything a member
   * list shows changed (a member, a role, a name).
   */
  async refresh(): Promise<{ players: Player[]; playersChanged: boolean; membersChanged: boolean }> {
    const readAt = this.#clock.now();
    const all = await this.#members.members(this.#campaignId);
    const beforePlayers = [...this.#players.keys()].sort().join(",");
    const beforeAll = JSON.stringify(this.#all);
    this.#readAt = readAt;
    this.#all = all;
    this.#players.clear();
    for (const m of all) if (m.role === "player") this.#players.set(m.userId, { userId: m.userId, name: m.name });
    return {
      players: [...this.#players.values()],
      playersChanged: [...this.#players.keys()].sort().join(",") !== beforePlayers,
      membersChanged: JSON.stringify(all) !== beforeAll,
    };
  }

  /**
   * True when the list should be read before use: never read, older than `maxAgeMs`, or (at most every
   * MEMBERS_FRESH_MS) when `named` holds someone the list does not know — a player who joined a moment ago.
   */
  isStale(maxAgeMs: number, named: () => Iterable<string>): boolean {
    const age = this.#clock.now() - this.#readAt;
    if (this.#readAt === 0 || age > maxAgeMs) return true;
    if (age <= MEMBERS_FRESH_MS) return false;
    for (const id of named()) if (!this.#players.has(id)) return true;
    return false;
  }
}
