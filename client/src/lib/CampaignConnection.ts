import * as Y from "yjs";
import { IndexeddbPersistence } from "y-indexeddb";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { isDmRole, partyDocName, playerDocName, type Role } from "@hexcrawl/shared/docNames";
import { collabUrl, documentNameFor } from "./documents.ts";
import { ConnectionState } from "./ConnectionState.svelte.ts";
import { MapMeta } from "./MapMeta.svelte.ts";
import { TerrainLayer } from "./TerrainLayer.svelte.ts";
import { MapLayer } from "./MapLayer.svelte.ts";
import { DmEditor } from "./DmEditor.svelte.ts";
import { DmCommands } from "./DmCommands.svelte.ts";
import { Presence } from "./Presence.svelte.ts";
import { PlayerSession } from "./PlayerSession.svelte.ts";
import { ConnectionStatus } from "./connectionStatus.ts";
import { PreviewConnection } from "./PreviewConnection.svelte.ts";
import { UnsentEdits } from "./UnsentEdits.ts";

/**
 * Upper bound of the reconnect back-off. The provider's default (30 s) leaves a DM staring at
 * "reconnecting…" long after the server is back; 5 s keeps retries cheap and the wait short.
 */
export const RECONNECT_MAX_DELAY_MS = 5_000;

/** What the DM-only parts of a campaign page use. */
export interface DmParts {
  editor: DmEditor;
  commands: DmCommands;
}

/** What the player-only parts use. */
export interface PlayerParts {
  session: PlayerSession;
  /**
   * The party document (what is published to every player; PROJ15): read-only, kept in IndexedDB like
   * the player's own document, on the same socket. The layers show the player's document over it.
   */
  party: Y.Doc;
}

/**
 * Everything one open campaign document needs: the Y.Doc, its IndexedDB copy, one socket for the
 * campaign and the provider on it, plus the reactive views of it. The IndexedDB copy loads
 * first-come with the server sync; Yjs merges both, so edits made offline reach the server on the
 * next connect. A DM's "preview as player" rides on the same socket (CLIENT8).
 */
export class CampaignConnection {
  readonly campaignId: string;
  readonly documentName: string;
  readonly doc: Y.Doc;
  /** The role may edit this document (owner/dm). The server and the schema version may still refuse. */
  readonly editable: boolean;
  readonly connection: ConnectionState;
  readonly terrain: TerrainLayer;
  readonly labels: MapLayer;
  readonly notes: MapLayer;
  readonly meta: MapMeta;
  readonly presence: Presence;
  /** Set for owner/dm. */
  readonly dm: DmParts | null;
  /** Set for players. */
  readonly player: PlayerParts | null;
  readonly #local: IndexeddbPersistence;
  readonly #partyLocal: IndexeddbPersistence | null = null;
  readonly #socket: HocuspocusProviderWebsocket;
  readonly #provider: HocuspocusProvider;
  readonly #partyProvider: HocuspocusProvider | null = null;
  readonly #cleanups: Array<() => void> = [];

  constructor(campaignId: string, role: Role, userId: string) {
    this.campaignId = campaignId;
    this.documentName = documentNameFor(campaignId, role, userId);
    this.editable = isDmRole(role);
    // Player documents are written only by the server; gc keeps them free of hidden history (DESIGN.md).
    this.doc = new Y.Doc({ gc: true });
    this.#local = new IndexeddbPersistence(this.documentName, this.doc);
    this.#socket = new HocuspocusProviderWebsocket({
      url: collabUrl(window.location, campaignId),
      maxDelay: RECONNECT_MAX_DELAY_MS,
    });
    this.#provider = new HocuspocusProvider({
      websocketProvider: this.#socket,
      name: this.documentName,
      document: this.doc,
    });
    // y-protocols drops a peer's first awareness state when its clock is 0, so the server would never
    // see this client in presence: bump the clock to 1 with an empty state right away.
    this.#provider.awareness?.setLocalState({});
    // HocuspocusProvider with a shared socket does not attach itself.
    this.#provider.attach();
    this.meta = new MapMeta(this.doc, this.editable ? "dm" : "player");
    this.connection = new ConnectionState(this.#provider, this.#socket, this.meta);
    if (this.editable) {
      const unsent = new UnsentEdits(this.documentName, this.doc, this.#provider, [this.#local], (n) =>
        this.connection.setDeviceUnsent(n),
      );
      this.#cleanups.push(() => unsent.destroy());
    }
    // A player sees their own document over the party document; a DM's document is the whole map.
    let party: Y.Doc | null = null;
    if (!this.editable) {
      party = new Y.Doc({ gc: true });
      const partyName = partyDocName(campaignId);
      this.#partyLocal = new IndexeddbPersistence(partyName, party);
      // No awareness there: the party document is shared by every member (the server drops it anyway).
      this.#partyProvider = new HocuspocusProvider({ websocketProvider: this.#socket, name: partyName, document: party, awareness: null });
      this.#partyProvider.attach();
    }
    this.terrain = new TerrainLayer(this.doc, party);
    this.labels = new MapLayer(this.doc, "label", party);
    this.notes = new MapLayer(this.doc, "notes", party);
    const awareness = this.#provider.awareness;
    if (!awareness) throw new Error("the provider has no awareness");
    this.presence = new Presence(awareness, this.editable ? null : this.#provider);

    if (this.editable) {
      const editor = new DmEditor(this.doc);
      const commands = new DmCommands(this.#provider, () => this.connection.status === ConnectionStatus.connected);
      this.dm = { editor, commands };
      this.player = null;
      // Any change (ours, a co-DM's, a drop by the server) may change what is pending.
      const onUpdate = () => commands.schedulePendingRefresh();
      const onSynced = ({ state }: { state: boolean }) => {
        if (state) commands.schedulePendingRefresh();
      };
      this.doc.on("update", onUpdate);
      this.#provider.on("synced", onSynced);
      this.#cleanups.push(() => {
        this.doc.off("update", onUpdate);
        this.#provider.off("synced", onSynced);
        commands.destroy();
        editor.destroy();
      });
    } else {
      if (!party) throw new Error("a player's connection opens the party document");
      const providers = [this.#provider, this.#partyProvider];
      const session = new PlayerSession(
        this.doc,
        (origin) => providers.some((p) => p !== null && origin === p && p.isSynced),
        party,
      );
      this.player = { session, party };
      this.dm = null;
      this.#cleanups.push(() => session.destroy());
    }
  }

  /** Resolves once the IndexedDB copies are loaded into the docs. */
  whenLocalLoaded(): Promise<void> {
    return Promise.all([this.#local.whenSynced, this.#partyLocal?.whenSynced]).then(() => undefined);
  }

  /** Move the local cursor (shared with co-DMs through awareness). */
  setCursor(hex: string | null): void {
    this.presence.setCursor(hex);
  }

  /**
   * DM only: open a player's document read-only, in memory (never stored on this device), on this
   * campaign's socket — what the server would show that player right now.
   */
  openPreview(playerId: string): PreviewConnection {
    return new PreviewConnection(this.#socket, playerDocName(this.campaignId, playerId), partyDocName(this.campaignId));
  }

  /** Close everything; the IndexedDB copy stays on the device. */
  destroy(): void {
    for (const c of this.#cleanups.splice(0)) c();
    this.presence.destroy();
    this.terrain.destroy();
    this.labels.destroy();
    this.notes.destroy();
    this.meta.destroy();
    this.connection.destroy();
    this.#provider.destroy();
    this.#partyProvider?.destroy();
    this.#socket.destroy();
    void this.#local.destroy();
    void this.#partyLocal?.destroy();
    this.doc.destroy();
    this.player?.party.destroy();
  }
}
