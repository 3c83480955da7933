import type { HocuspocusProvider } from "@hocuspocus/provider";
import type { PresenceUser } from "@hexcrawl/shared/protocol";
import { cursorsOf, dmPresenceOf, dmsOnlineOf, type RemoteCursor } from "./presence.ts";

export type { RemoteCursor };

type Awareness = NonNullable<HocuspocusProvider["awareness"]>;

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

  constructor(awareness: Awareness) {
    this.#awareness = awareness;
    this.#onChange = () => this.#read();
    awareness.on("change", this.#onChange);
    this.#read();
  }

  #read(): void {
    const states = this.#awareness.getStates();
    const dm = dmPresenceOf(states.values());
    this.#players = dm.players;
    this.#dms = dm.dms;
    this.#dmNames = dmsOnlineOf(states.values());
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
  }
}
