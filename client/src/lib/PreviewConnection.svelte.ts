import * as Y from "yjs";
import { HocuspocusProvider, type HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { MapLayer } from "./MapLayer.svelte.ts";
import { MapMeta } from "./MapMeta.svelte.ts";
import { PlayerSession } from "./PlayerSession.svelte.ts";
import { TerrainLayer } from "./TerrainLayer.svelte.ts";

/** A read-only player document opened by a DM for "preview as player". */
export class PreviewConnection {
  readonly documentName: string;
  readonly doc: Y.Doc;
  readonly terrain: TerrainLayer;
  readonly labels: MapLayer;
  readonly notes: MapLayer;
  readonly meta: MapMeta;
  readonly session: PlayerSession;
  readonly #provider: HocuspocusProvider;
  #synced = $state(false);

  constructor(socket: HocuspocusProviderWebsocket, documentName: string) {
    this.documentName = documentName;
    this.doc = new Y.Doc({ gc: true });
    this.#provider = new HocuspocusProvider({
      websocketProvider: socket,
      name: documentName,
      document: this.doc,
      // A preview sends no awareness (the server would drop it anyway): the DM is not "in" that view.
      awareness: null,
      onSynced: ({ state }) => {
        this.#synced = state;
      },
    });
    this.#provider.attach();
    this.meta = new MapMeta(this.doc, "player");
    this.terrain = new TerrainLayer(this.doc);
    this.labels = new MapLayer(this.doc, "label");
    this.notes = new MapLayer(this.doc, "notes");
    this.session = new PlayerSession(this.doc, () => false);
  }

  /** True once the server's copy arrived. */
  get synced(): boolean {
    return this.#synced;
  }

  destroy(): void {
    this.session.destroy();
    this.terrain.destroy();
    this.labels.destroy();
    this.notes.destroy();
    this.meta.destroy();
    this.#provider.destroy();
    this.doc.destroy();
  }
}
