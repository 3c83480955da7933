import * as Y from "yjs";
import {
  ALL_PLAYERS,
  BroadcastMode,
  dmMaps,
  hide,
  LABEL_MAX_CHARS,
  NOTES_MAX_CHARS,
  reveal,
  setDmNotes,
  setDmSetting,
  setLabel,
  setNotes,
} from "@hexcrawl/shared/model";
import { isHexKey } from "@hexcrawl/shared/hex";
import { MapLayer } from "./MapLayer.svelte.ts";
import { RevealLayer } from "./RevealLayer.svelte.ts";
import { PAINT_ORIGIN } from "./TerrainLayer.svelte.ts";

/** Transaction origin of the local user's inspector and reveal edits (undoable, like PAINT_ORIGIN). */
export const EDIT_ORIGIN = { source: "client-edit" } as const;
/** Origin of settings changes (broadcast mode): deliberately not on the undo stack. */
export const SETTINGS_ORIGIN = { source: "client-settings" } as const;

/** Edits closer together than this merge into one undo step (typing, one drag stroke). */
export const UNDO_CAPTURE_MS = 500;

/** Who a reveal or hide applies to: every player, or the listed player ids. */
export type RevealTargets = { kind: "all" } | { kind: "players"; ids: readonly string[] };

/**
 * The DM's editing surface over a DM document: per-hex text fields, reveals, the broadcast mode, and
 * undo/redo of the LOCAL user's own edits only. The UndoManager tracks exactly this client's origins
 * (PAINT_ORIGIN, EDIT_ORIGIN), so a co-DM's edits, the server's, and the IndexedDB load are never
 * undone from here — and Yjs keeps their concurrent changes when ours are undone (EDIT5).
 */
export class DmEditor {
  readonly #doc: Y.Doc;
  readonly #undo: Y.UndoManager;
  readonly dmNotes: MapLayer;
  readonly reveals: RevealLayer;
  #canUndo = $state(false);
  #canRedo = $state(false);
  /** The field or tool the last edit went to: switching starts a new undo step. */
  #lastTarget = "";

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    const m = dmMaps(doc);
    this.dmNotes = new MapLayer(doc, "dmNotes");
    this.reveals = new RevealLayer(doc);
    this.#undo = new Y.UndoManager([m.terrain, m.label, m.notes, m.dmNotes, m.reveals], {
      trackedOrigins: new Set<unknown>([PAINT_ORIGIN, EDIT_ORIGIN]),
      captureTimeout: UNDO_CAPTURE_MS,
    });
    const update = () => {
      this.#canUndo = this.#undo.canUndo();
      this.#canRedo = this.#undo.canRedo();
    };
    this.#undo.on("stack-item-added", update);
    this.#undo.on("stack-item-popped", update);
    this.#undo.on("stack-cleared", update);
  }

  get canUndo(): boolean {
    return this.#canUndo;
  }
  get canRedo(): boolean {
    return this.#canRedo;
  }
  undo(): void {
    this.#undo.undo();
  }
  redo(): void {
    this.#undo.redo();
  }
  /** Start a new undo step (a new stroke or a new field), even within UNDO_CAPTURE_MS. */
  stopCapturing(): void {
    this.#undo.stopCapturing();
    this.#lastTarget = "";
  }

  // Typing into one field merges into one undo step; moving to another field or tool starts a new one.
  #step(target: string): void {
    if (target !== this.#lastTarget) this.#undo.stopCapturing();
    this.#lastTarget = target;
  }

  /** Player-visible name; "" clears. Longer than LABEL_MAX_CHARS is cut (the input also limits it). */
  setLabel(hex: string, value: string): void {
    this.#step(`label:${hex}`);
    setLabel(this.#doc, hex, value.slice(0, LABEL_MAX_CHARS), EDIT_ORIGIN);
  }
  /** Player-visible notes; "" clears. */
  setNotes(hex: string, value: string): void {
    this.#step(`notes:${hex}`);
    setNotes(this.#doc, hex, value.slice(0, NOTES_MAX_CHARS), EDIT_ORIGIN);
  }
  /** DM-only secret notes; never projected to a player. "" clears. */
  setDmNotes(hex: string, value: string): void {
    this.#step(`dmNotes:${hex}`);
    setDmNotes(this.#doc, hex, value.slice(0, NOTES_MAX_CHARS), EDIT_ORIGIN);
  }

  /** Reveal hexes to every player or to the listed players, in one transaction (one undo step). */
  reveal(hexes: readonly string[], targets: RevealTargets): void {
    const ids = targets.kind === "all" ? [ALL_PLAYERS] : targets.ids;
    if (ids.length === 0) return;
    this.#step("reveal");
    this.#doc.transact(() => {
      for (const hex of hexes) {
        if (!isHexKey(hex)) continue;
        for (const id of ids) reveal(this.#doc, hex, id, EDIT_ORIGIN);
      }
    }, EDIT_ORIGIN);
  }

  /**
   * Hide hexes. From everyone: every reveal key of the hex goes. From listed players: only their own
   * keys go (a hex revealed to everyone stays visible to them — the inspector says so).
   */
  hide(hexes: readonly string[], targets: RevealTargets): void {
    this.#step("hide");
    this.#doc.transact(() => {
      for (const hex of hexes) {
        if (!isHexKey(hex)) continue;
        if (targets.kind === "all") hide(this.#doc, hex, undefined, EDIT_ORIGIN);
        else for (const id of targets.ids) hide(this.#doc, hex, id, EDIT_ORIGIN);
      }
    }, EDIT_ORIGIN);
  }

  /** Switch staged/immediate. A shared setting, not an edit of the map: not undoable. */
  setBroadcastMode(mode: BroadcastMode): void {
    setDmSetting(this.#doc, "broadcastMode", mode, SETTINGS_ORIGIN);
  }

  destroy(): void {
    this.#undo.destroy();
    this.dmNotes.destroy();
    this.reveals.destroy();
  }
}
