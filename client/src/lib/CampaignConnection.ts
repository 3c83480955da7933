import * as Y from "yjs";
import { IndexeddbPersistence } from "y-indexeddb";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { isDmRole, type Role } from "@hexcrawl/shared/docNames";
import { collabUrl, documentNameFor } from "./documents.ts";
import { ConnectionState } from "./ConnectionState.svelte.ts";
import { MapMeta } from "./MapMeta.svelte.ts";
import { TerrainLayer } from "./TerrainLayer.svelte.ts";

/**
 * Everything one open campaign document needs: the Y.Doc, its IndexedDB copy, one socket for the
 * campaign and the provider on it. The IndexedDB copy loads first-come with the server sync; Yjs
 * merges both, so edits made offline reach the server on the next connect.
 */
export class CampaignConnection {
  readonly documentName: string;
  readonly doc: Y.Doc;
  /** The role may edit this document (owner/dm). The server and the schema version may still refuse. */
  readonly editable: boolean;
  readonly connection: ConnectionState;
  readonly terrain: TerrainLayer;
  readonly meta: MapMeta;
  readonly #local: IndexeddbPersistence;
  readonly #socket: HocuspocusProviderWebsocket;
  readonly #provider: HocuspocusProvider;

  constructor(campaignId: string, role: Role, userId: string) {
    this.documentName = documentNameFor(campaignId, role, userId);
    this.editable = isDmRole(role);
    // Player documents are written only by the server; gc keeps them free of hidden history (DESIGN.md).
    this.doc = new Y.Doc({ gc: true });
    this.#local = new IndexeddbPersistence(this.documentName, this.doc);
    this.#socket = new HocuspocusProviderWebsocket({ url: collabUrl(window.location, campaignId) });
    this.#provider = new HocuspocusProvider({
      websocketProvider: this.#socket,
      name: this.documentName,
      document: this.doc,
    });
    // HocuspocusProvider with a shared socket does not attach itself.
    this.#provider.attach();
    this.meta = new MapMeta(this.doc, this.editable ? "dm" : "player");
    this.connection = new ConnectionState(this.#provider, this.#socket, this.meta);
    this.terrain = new TerrainLayer(this.doc);
  }

  /** Resolves once the IndexedDB copy is loaded into the doc. */
  whenLocalLoaded(): Promise<void> {
    return this.#local.whenSynced.then(() => undefined);
  }

  /** Close everything; the IndexedDB copy stays on the device. */
  destroy(): void {
    this.terrain.destroy();
    this.meta.destroy();
    this.connection.destroy();
    this.#provider.destroy();
    this.#socket.destroy();
    void this.#local.destroy();
    this.doc.destroy();
  }
}
