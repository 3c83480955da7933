import * as Y from "yjs";
import { HocuspocusProvider, type HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { MapLayer } from "../map/MapLayer.svelte.ts";
import { MapMeta } from "../map/MapMeta.svelte.ts";
import { PlayerKnowledge } from "../player/PlayerKnowledge.svelte.ts";
import { PlayerSession } from "../player/PlayerSession.svelte.ts";
import { TerrainLayer } from "../map/TerrainLayer.svelte.ts";

/**
 * A read-only player document opened by a DM for "preview as player", with the party document under it
 * (what is published to everyone, PROJ15): exactly what that player's client shows.
 */
export class PreviewConnection {
  readonly documentName: string;
  readonly doc: Y.Doc;
  readonly party: Y.Doc;
  readonly terrain: TerrainLayer;
  readonly labels: MapLayer;
  readonly notes: MapLayer;
  readonly rumours: MapLayer;
  readonly explored: MapLayer;
  /** The previewed player's level per hex, as their own client reads it. */
  readonly knowledge: PlayerKnowledge;
  readonly meta: MapMeta;
  readonly session: PlayerSession;
  readonly #provider: HocuspocusProvider;
  readonly #partyProvider: HocuspocusProvider;
  #synced = $state(false);
  #partySynced = $state(false);

  constructor(socket: HocuspocusProviderWebsocket, documentName: string, partyName: string) {
    this.documentName = documentName;
    this.doc = new Y.Doc({ gc: true });
    this.party = new Y.Doc({ gc: true });
    // A preview sends no awareness (the server would drop it anyway): the DM is not "in" that view.
    this.#partyProvider = readOnlyProvider(socket, partyName, this.party, (state) => (this.#partySynced = state));
    this.#provider = readOnlyProvider(socket, documentName, this.doc, (state) => (this.#synced = state));
    this.meta = new MapMeta(this.doc, "player");
    this.terrain = new TerrainLayer(this.doc, this.party);
    this.labels = new MapLayer(this.doc, "label", this.party);
    this.notes = new MapLayer(this.doc, "notes", this.party);
    this.rumours = new MapLayer(this.doc, "rumour", this.party);
    this.explored = new MapLayer(this.doc, "explored", this.party);
    this.knowledge = new PlayerKnowledge(this.doc, this.party);
    this.session = new PlayerSession(this.doc, () => false, this.party);
  }

  /** True once the server's copies (player and party documents) arrived. */
  get synced(): boolean {
    return this.#synced && this.#partySynced;
  }

  destroy(): void {
    this.session.destroy();
    this.terrain.destroy();
    this.labels.destroy();
    this.notes.destroy();
    this.rumours.destroy();
    this.explored.destroy();
    this.knowledge.destroy();
    this.meta.destroy();
    this.#provider.destroy();
    this.#partyProvider.destroy();
    this.doc.destroy();
    this.party.destroy();
  }
}

/** A provider on the campaign socket that only reads: no awareness, sync state reported to `onSynced`. */
function readOnlyProvider(
  socket: HocuspocusProviderWebsocket,
  name: string,
  doc: Y.Doc,
  onSynced: (state: boolean) => void,
): HocuspocusProvider {
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name,
    document: doc,
    awareness: null,
    onSynced: ({ state }) => onSynced(state),
  });
  provider.attach();
  return provider;
}
