import * as Y from "yjs";
import { IndexeddbPersistence } from "y-indexeddb";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { isDmRole, partyDocName, playerDocName, type Role } from "@hexcrawl/shared/docNames";
import { collabUrl, documentNameFor } from "./documents.ts";
import { Annotations } from "../notes/Annotations.svelte.ts";
import { ConnectionState } from "./ConnectionState.svelte.ts";
import { MapMeta } from "../map/MapMeta.svelte.ts";
import { TerrainLayer } from "../map/TerrainLayer.svelte.ts";
import { MapLayer } from "../map/MapLayer.svelte.ts";
import { DmEditor } from "../dm/DmEditor.svelte.ts";
import { DmCommands } from "../dm/DmCommands.svelte.ts";
import { Presence } from "./Presence.svelte.ts";
import { PlayerKnowledge } from "../player/PlayerKnowledge.svelte.ts";
import { PlayerSession } from "../player/PlayerSession.svelte.ts";
import { ConnectionStatus } from "./connectionStatus.ts";
import { PreviewConnection } from "../dm/PreviewConnection.svelte.ts";
import { UnsentEdits } from "./UnsentEdits.ts";
import { deviceClientIds } from "./deviceClients.ts";
import { parseServerMessage } from "@hexcrawl/shared/protocol";
import { CRAWL_ORIGIN, CrawlEditor } from "../crawl/CrawlEditor.svelte.ts";
import { PlayerCrawl } from "../crawl/PlayerCrawl.svelte.ts";

/**
 * Upper bound of the reconnect back-off. The provider's default (30 s) leaves a DM staring at
 * "reconnecting…" long after the server is back; 5 s keeps retries cheap and the wait short.
 */
export const RECONNECT_MAX_DELAY_MS = 5_000;

/** What the DM-only parts of a campaign page use. */
export interface DmParts {
  editor: DmEditor;
  commands: DmCommands;
  /** The crawl: parties, moves, clock, tables and rolls (issue 12). */
  crawl: CrawlEditor;
}

/** What the player-only parts use. */
export interface PlayerParts {
  session: PlayerSession;
  /**
   * The party document (what is published to every player; PROJ15): read-only, kept in IndexedDB like
   * the player's own document, on the same socket. The layers show the player's document over it.
   */
  party: Y.Doc;
  /** The player's knowledge level per hex (fog, "?" and "found" marks). */
  knowledge: PlayerKnowledge;
  /** The crawl as this player sees it: their party's marker and trail, the clock, shared rolls. */
  crawl: PlayerCrawl;
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
  /** The signed-in user (their other devices' cursors are shown as such). */
  readonly userId: string;
  readonly terrain: TerrainLayer;
  readonly labels: MapLayer;
  readonly notes: MapLayer;
  /** What players have heard of a hex (rumour) and what exploring it finds (explored). */
  readonly rumours: MapLayer;
  readonly explored: MapLayer;
  readonly meta: MapMeta;
  readonly presence: Presence;
  /** Set for owner/dm. */
  readonly dm: DmParts | null;
  /** Set for players. */
  readonly player: PlayerParts | null;
  /** The member's private notes and the table's annotations, on this socket (client/src/notes/). */
  readonly annotations: Annotations;
  readonly #local: IndexeddbPersistence;
  readonly #partyLocal: IndexeddbPersistence | null = null;
  readonly #socket: HocuspocusProviderWebsocket;
  readonly #provider: HocuspocusProvider;
  readonly #partyProvider: HocuspocusProvider | null = null;
  readonly #cleanups: Array<() => void> = [];

  constructor(campaignId: string, role: Role, userId: string) {
    this.campaignId = campaignId;
    this.userId = userId;
    this.documentName = documentNameFor(campaignId, role, userId);
    this.editable = isDmRole(role);
    // Player documents are written only by the server; gc keeps them free of hidden history (SPEC.md SEC4).
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
    this.rumours = new MapLayer(this.doc, "rumour", party);
    this.explored = new MapLayer(this.doc, "explored", party);
    this.annotations = new Annotations(campaignId, userId, this.editable, (name, doc) => this.openDocument(name, doc));
    const awareness = this.#provider.awareness;
    if (!awareness) throw new Error("the provider has no awareness");
    this.presence = new Presence(awareness, this.editable ? null : this.#provider);

    if (this.editable) {
      // The DM document lives in IndexedDB across reloads: texts this device started under earlier client ids are its own.
      const ownClients = deviceClientIds(this.documentName, this.doc.clientID);
      const editor = new DmEditor(this.doc, (client) => ownClients.has(client));
      const commands = new DmCommands(this.#provider, () => this.connection.status === ConnectionStatus.connected);
      const crawl = new CrawlEditor(this.doc, CRAWL_ORIGIN, userId);
      this.dm = { editor, commands, crawl };
      this.player = null;
      // The server pushes the pending list when it changes (PUSH1): nothing to ask after an edit.
      this.#cleanups.push(() => {
        crawl.destroy();
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
      const knowledge = new PlayerKnowledge(this.doc, party);
      const crawl = new PlayerCrawl(this.doc, party);
      // Shared rolls are pushed (not stored) on the party document's connection (TRAVEL8).
      const onPartyPush = ({ payload }: { payload: string }) => {
        const msg = parseServerMessage(payload);
        if (msg && "type" in msg && msg.type === "roll") crawl.addRoll(msg);
      };
      this.#partyProvider?.on("stateless", onPartyPush);
      this.player = { session, party, knowledge, crawl };
      this.dm = null;
      this.#cleanups.push(() => {
        this.#partyProvider?.off("stateless", onPartyPush);
        crawl.destroy();
        session.destroy();
        knowledge.destroy();
      });
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

  /**
   * Open one more document on this campaign's socket, with no awareness; updates are batched for 100 ms (the
   * players' documents are rate-limited, NOTES9). The caller owns the provider.
   */
  openDocument(name: string, doc: Y.Doc): HocuspocusProvider {
    const provider = new HocuspocusProvider({ websocketProvider: this.#socket, name, document: doc, awareness: null, flushDelay: 100 });
    provider.attach();
    return provider;
  }

  /** Close everything; the IndexedDB copy stays on the device. */
  destroy(): void {
    for (const c of this.#cleanups.splice(0)) c();
    this.annotations.destroy();
    this.presence.destroy();
    this.terrain.destroy();
    this.labels.destroy();
    this.notes.destroy();
    this.rumours.destroy();
    this.explored.destroy();
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
