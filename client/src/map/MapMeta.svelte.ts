import type * as Y from "yjs";
import { Orientation } from "@hexcrawl/shared/hex";
import { BroadcastMode, readDmMeta, readPlayerMeta } from "@hexcrawl/shared/model";
import { SCHEMA_VERSION } from "@hexcrawl/shared/migrations";

/**
 * Reactive view of a document's `meta` map: the grid settings the map draws with and the schema
 * version that decides whether this client may edit (a client older than the document goes read-only).
 */
export class MapMeta {
  readonly #doc: Y.Doc;
  readonly #kind: "dm" | "player";
  readonly #map: Y.Map<unknown>;
  readonly #observer: () => void;
  #name = $state("");
  #orientation = $state<Orientation>(Orientation.pointy);
  #hexSize = $state(32);
  #schemaVersion = $state(0);
  #generation = $state(0);
  #broadcastMode = $state<BroadcastMode>(BroadcastMode.staged);

  constructor(doc: Y.Doc, kind: "dm" | "player") {
    this.#doc = doc;
    this.#kind = kind;
    this.#map = doc.getMap<unknown>("meta");
    this.#observer = () => this.#read();
    this.#map.observe(this.#observer);
    this.#read();
  }

  #read(): void {
    // The shared readers validate every value and fall back to defaults, so a bad meta never breaks the map.
    if (this.#kind === "dm") {
      const m = readDmMeta(this.#doc);
      this.#name = m.name;
      this.#orientation = m.orientation;
      this.#hexSize = m.hexSize;
      this.#schemaVersion = m.schemaVersion;
      this.#broadcastMode = m.broadcastMode;
    } else {
      const m = readPlayerMeta(this.#doc);
      this.#name = m.name;
      this.#orientation = m.orientation;
      this.#hexSize = m.hexSize;
      this.#schemaVersion = m.schemaVersion;
      this.#generation = m.generation;
    }
  }

  get name(): string {
    return this.#name;
  }
  get orientation(): Orientation {
    return this.#orientation;
  }
  /** Hex circumradius in CSS pixels at zoom 1. */
  get hexSize(): number {
    return this.#hexSize;
  }
  /** Player documents only: bumped by the server when it rebuilt the document. */
  get generation(): number {
    return this.#generation;
  }
  /** DM documents only: `staged` (review, then publish) or `immediate` (the server publishes as DMs edit). */
  get broadcastMode(): BroadcastMode {
    return this.#broadcastMode;
  }
  /** True when the document was written by a newer schema than this client knows. */
  get newerThanClient(): boolean {
    return this.#schemaVersion > SCHEMA_VERSION;
  }

  destroy(): void {
    this.#map.unobserve(this.#observer);
  }
}
