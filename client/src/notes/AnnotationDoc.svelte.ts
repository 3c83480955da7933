import * as Y from "yjs";
import { IndexeddbPersistence } from "y-indexeddb";
import type { HocuspocusProvider } from "@hocuspocus/provider";
import {
  ANNOTATION_DOC_MAX_BYTES,
  AnnotationMap,
  MAX_ENTRIES,
  newItemId,
  putDrawing,
  putMarker,
  readDrawings,
  readMarkers,
  readNotes,
  removeItem,
  setAnnotationNote,
  type AnnotationColour,
  type AnnotationDocKind,
  type Drawing,
  type Marker,
} from "@hexcrawl/shared/annotations";
import { rescueLostTexts } from "@hexcrawl/shared/text";
import { UnsentEdits } from "../connection/UnsentEdits.ts";
import { deviceClientIds } from "../connection/deviceClients.ts";

/** Origin of this device's own annotation edits: the only ones its undo tracks. */
export const ANNOTATION_ORIGIN = { source: "client-annotation" } as const;
/** Origin of merging a note created twice at once (TEXT4): not undoable. */
export const ANNOTATION_RESCUE_ORIGIN = { source: "client-annotation-rescue" } as const;

/** Opens one more document on the campaign's socket (CampaignConnection.openDocument). */
export type OpenDocument = (name: string, doc: Y.Doc) => HocuspocusProvider;

/**
 * One document the players write (a member's private notes, or the table): its Y.Doc, its IndexedDB copy (edits are
 * kept on the device until the server has them, and the document opens offline), the provider on the campaign's
 * socket, the count of unsent edits, the server's refusal if any, and an undo of this device's own edits only.
 * Reactive through `revision`, bumped on every change; readers copy out of the document on demand.
 */
export class AnnotationDoc {
  readonly kind: AnnotationDocKind;
  readonly name: string;
  readonly doc = new Y.Doc();
  readonly #userId: string;
  readonly #local: IndexeddbPersistence;
  readonly #provider: HocuspocusProvider;
  readonly #undo: Y.UndoManager;
  readonly #cleanups: Array<() => void> = [];
  #revision = $state(0);
  #unsent = $state(0);
  #refused = $state<string | null>(null);
  #canUndo = $state(false);
  #canRedo = $state(false);

  constructor(kind: AnnotationDocKind, name: string, userId: string, open: OpenDocument) {
    this.kind = kind;
    this.name = name;
    this.#userId = userId;
    this.#local = new IndexeddbPersistence(name, this.doc);
    this.#provider = open(name, this.doc);
    const unsent = new UnsentEdits(name, this.doc, this.#provider, [this.#local], (n) => (this.#unsent = n));
    const maps = [AnnotationMap.markers, AnnotationMap.notes, AnnotationMap.drawings].map((m) => this.doc.getMap<unknown>(m));
    const notesMap = this.doc.getMap<unknown>(AnnotationMap.notes);
    this.#undo = new Y.UndoManager(maps, {
      trackedOrigins: new Set([ANNOTATION_ORIGIN]),
      // Undo never removes a whole note: another member's characters may be in it (typed, or merged in by a rescue).
      // Undoing one's own first edit of a note removes one's own characters only.
      deleteFilter: (item) => !(item.parent === notesMap && item.content instanceof Y.ContentType),
    });
    const onStack = () => {
      this.#canUndo = this.#undo.canUndo();
      this.#canRedo = this.#undo.canRedo();
    };
    this.#undo.on("stack-item-added", onStack);
    this.#undo.on("stack-item-popped", onStack);
    this.#undo.on("stack-cleared", onStack);
    // A note this device started offline may lose to a concurrent one after a reload: the rescue must know this
    // device's client ids of earlier sessions too (TEXT4, NOTES8).
    const ownClients = deviceClientIds(name, this.doc.clientID);
    const stopRescue = rescueLostTexts(this.doc, [AnnotationMap.notes], ANNOTATION_RESCUE_ORIGIN, undefined, (c) => ownClients.has(c));
    const onChange = () => (this.#revision += 1);
    for (const m of maps) m.observeDeep(onChange);
    // The server closes this document's connection with a reason when it refuses an edit (NOTES8).
    const onClose = ({ event }: { event: { code: number; reason: string } }) => {
      if (event.code === 1000 && event.reason && event.reason !== "Server closed the connection") this.#refused = event.reason;
    };
    this.#provider.on("close", onClose);
    this.#cleanups.push(() => {
      this.#provider.off("close", onClose);
      for (const m of maps) m.unobserveDeep(onChange);
      stopRescue();
      unsent.destroy();
      this.#undo.destroy();
    });
  }

  /** Bumped on every change (local or remote). */
  get revision(): number {
    return this.#revision;
  }
  /** This device's edits the server has not acknowledged. */
  get unsent(): number {
    return this.#unsent;
  }
  /** The server's reason for refusing an edit, until dismissed. */
  get refused(): string | null {
    return this.#refused;
  }
  get canUndo(): boolean {
    return this.#canUndo;
  }
  get canRedo(): boolean {
    return this.#canRedo;
  }

  dismissRefusal(): void {
    this.#refused = null;
  }

  /**
   * The way out of a refused edit: it stays in this device's copy and would be sent again on every reconnect, so
   * drop the copy (and its unsent count); the caller reloads and the document comes back from the server as saved.
   */
  async discardLocalCopy(): Promise<void> {
    await this.#local.clearData();
    try {
      localStorage.removeItem(`hexcrawl:unsent:${this.name}`);
    } catch {
      // storage unavailable: nothing was kept there either
    }
  }

  /** Markers, reactive. */
  markers(): Map<string, Marker> {
    void this.#revision;
    return readMarkers(this.doc);
  }
  /** Notes by hex, reactive. */
  notes(): Map<string, string> {
    void this.#revision;
    return readNotes(this.doc);
  }
  /** Drawings (table), reactive. */
  drawings(): Map<string, Drawing> {
    void this.#revision;
    return readDrawings(this.doc);
  }

  /**
   * Refuse locally what the server would refuse for a full document (NOTES6): an edit it refuses stays in this
   * device's copy and would be sent again on every reconnect, so it must never be made.
   */
  #assertRoom(map: AnnotationMap): void {
    const max = MAX_ENTRIES[this.kind][map];
    if (this.doc.getMap<unknown>(map).size >= max) throw new RangeError(`this document already holds ${max} ${map}`);
    if (Y.encodeStateAsUpdate(this.doc).byteLength > ANNOTATION_DOC_MAX_BYTES[this.kind] * 0.95) throw new RangeError("this document is full");
  }

  /** A marker of this user's at `hex`; returns its id. Throws RangeError on what the server would refuse. */
  addMarker(hex: string, icon: Marker["icon"], text: string, colour?: Marker["colour"]): string {
    this.#assertRoom(AnnotationMap.markers);
    this.#undo.stopCapturing();
    const id = newItemId();
    putMarker(this.doc, id, { hex, icon, text, author: this.#userId, ...(colour ? { colour } : {}) }, this.#userId, ANNOTATION_ORIGIN);
    this.#undo.stopCapturing();
    return id;
  }

  /** A drawing of this user's (table only): a path through hex centres. Throws RangeError on a refused value. */
  addDrawing(points: readonly string[], colour: AnnotationColour): string {
    this.#assertRoom(AnnotationMap.drawings);
    this.#undo.stopCapturing();
    const id = newItemId();
    putDrawing(this.doc, id, { points: [...points], colour, author: this.#userId }, this.#userId, ANNOTATION_ORIGIN);
    this.#undo.stopCapturing();
    return id;
  }

  /** Remove a drawing (own; a DM on the table: any). */
  removeDrawing(id: string): void {
    this.#undo.stopCapturing();
    removeItem(this.doc, "drawings", id, ANNOTATION_ORIGIN);
    this.#undo.stopCapturing();
  }

  /** Remove a marker (the server refuses other members' unless this user is a DM on the table). */
  removeMarker(id: string): void {
    this.#undo.stopCapturing();
    removeItem(this.doc, "markers", id, ANNOTATION_ORIGIN);
    this.#undo.stopCapturing();
  }

  /** True when this user may remove the marker (their own; a DM on the table: any). */
  mayRemove(marker: { author: string }, isDm: boolean): boolean {
    return marker.author === this.#userId || (this.kind === "table" && isDm);
  }

  /** Write the note of a hex (the smallest diff; "" removes it). */
  setNote(hex: string, text: string): void {
    if (text !== "" && !this.doc.getMap<unknown>(AnnotationMap.notes).has(hex)) this.#assertRoom(AnnotationMap.notes);
    setAnnotationNote(this.doc, hex, text, ANNOTATION_ORIGIN);
  }

  undo(): void {
    this.#undo.undo();
  }
  redo(): void {
    this.#undo.redo();
  }

  /** Resolves once the IndexedDB copy is loaded. */
  whenLocalLoaded(): Promise<void> {
    return this.#local.whenSynced.then(() => undefined);
  }

  destroy(): void {
    for (const c of this.#cleanups.splice(0)) c();
    this.#provider.destroy();
    void this.#local.destroy();
    this.doc.destroy();
  }
}
