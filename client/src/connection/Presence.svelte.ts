import type { HocuspocusProvider } from "@hocuspocus/provider";
import { parseServerMessage, PRESENCE_STALE_MS, type PresenceUser } from "@hexcrawl/shared/protocol";
import { cursorsOf, dmPresenceOf, dmsOnlineOf, pushedDmNames, type RemoteCursor } from "@hexcrawl/shared/presence";

export type { RemoteCursor };

type Awareness = NonNullable<HocuspocusProvider["awareness"]>;

/** The stateless side of the provider (presence pushes from the server). */
export interface PushSource {
  on(event: "stateless", handler: (data: { payload: string }) => void): unknown;
  off(event: "stateless", handler: (data: { payload: string }) => void): unknown;
}

/**
 * Awareness bridged to Svelte: who is online (from the server's own awareness state), other DMs'
 * cursors, and this client's cursor/selection. The server sets `user` on every state from the session;
 * a client may only set `cursor` and `selection` (everything else is stripped server-side).
 */
export class Presence {
  readonly #awareness: Awareness;
  readonly #onChange: () => void;
  #players = $state<PresenceUser[]>([]);
  #dms = $state<PresenceUser[]>([]);
  #dmNames = $state<string[]>([]);
  #cursors = $state<RemoteCursor[]>([]);
  #cursorHex: string | null = null;
  /** Last presence push (players: DMs online, possibly on another server instance). */
  #lastPush: { names: string[]; at: number } | null = null;
  readonly #pushes: PushSource | null;
  readonly #onPush: (data: { payload: string }) => void;
  readonly #staleTimer: ReturnType<typeof setInterval> | null;

  /**
   * @param pushes the provider, on a player document: the server also pushes "DMs online" as stateless
   *   messages (awareness of a DM on another instance does not reach this one), re-sent as a heartbeat;
   *   a push older than PRESENCE_STALE_MS no longer counts.
   */
  constructor(awareness: Awareness, pushes: PushSource | null = null) {
    this.#awareness = awareness;
    this.#onChange = () => this.#read();
    awareness.on("change", this.#onChange);
    this.#pushes = pushes;
    this.#onPush = ({ payload }) => {
      const msg = parseServerMessage(payload);
      if (!msg || !("type" in msg) || msg.type !== "presence") return;
      this.#lastPush = { names: msg.online.filter((u) => u.role !== "player").map((u) => u.name), at: Date.now() };
      this.#read();
    };
    pushes?.on("stateless", this.#onPush);
    this.#staleTimer = pushes ? setInterval(() => this.#read(), 1000) : null;
    this.#read();
  }

  #read(): void {
    const states = this.#awareness.getStates();
    const dm = dmPresenceOf(states.values());
    this.#players = dm.players;
    this.#dms = dm.dms;
    const names = new Set([...dmsOnlineOf(states.values()), ...pushedDmNames(this.#lastPush, Date.now(), PRESENCE_STALE_MS)]);
    const next = [...names].sort();
    if (next.join("\n") !== this.#dmNames.join("\n")) this.#dmNames = next;
    this.#cursors = cursorsOf(states.entries(), this.#awareness.clientID);
  }

  /** DM document: players online in the campaign. */
  get players(): PresenceUser[] {
    return this.#players;
  }
  /** DM document: DMs online in the campaign. */
  get dms(): PresenceUser[] {
    return this.#dms;
  }
  /** True when the user is online (DM document presence). */
  isOnline(userId: string): boolean {
    return this.#players.some((p) => p.userId === userId) || this.#dms.some((d) => d.userId === userId);
  }
  /** Player document: names of the DMs online ("DM online"). */
  get dmNames(): string[] {
    return this.#dmNames;
  }
  /** Other clients' cursors (co-DMs on the DM document). */
  get cursors(): RemoteCursor[] {
    return this.#cursors;
  }

  /** Share the hovered hex; sent only when it changes (the server rate-limits awareness). */
  setCursor(hex: string | null): void {
    if (hex === this.#cursorHex) return;
    this.#cursorHex = hex;
    this.#awareness.setLocalStateField("cursor", hex === null ? {} : { hex });
  }

  /** Share the hex selected in the inspector. */
  setSelection(hex: string | null): void {
    this.#awareness.setLocalStateField("selection", hex === null ? [] : [hex]);
  }

  destroy(): void {
    this.#awareness.off("change", this.#onChange);
    this.#pushes?.off("stateless", this.#onPush);
    if (this.#staleTimer) clearInterval(this.#staleTimer);
  }
}
