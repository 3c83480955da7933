import * as Y from "yjs";
import {
  ALL_PLAYERS,
  BroadcastMode,
  dmMaps,
  hide,
  KnowledgeLevel,
  LABEL_MAX_CHARS,
  NOTES_MAX_CHARS,
  reveal,
  setDmNotes,
  setDmSetting,
  setLabel,
  setLandmark,
  setNotes,
  setTerrain,
  TEXT_FIELDS,
  type TextField,
} from "@hexcrawl/shared/model";
import { isHexKey } from "@hexcrawl/shared/hex";
import { rescueLostTexts } from "@hexcrawl/shared/text";
import { MapLayer } from "../map/MapLayer.svelte.ts";
import { RevealLayer } from "../map/RevealLayer.svelte.ts";
import { TextBinding } from "./TextBinding.svelte.ts";

/** Transaction origin of the local user's paint and erase strokes (undoable, like EDIT_ORIGIN). */
export const PAINT_ORIGIN = { source: "client-paint" } as const;
/** Transaction origin of the local user's inspector and reveal edits (undoable, like PAINT_ORIGIN). */
export const EDIT_ORIGIN = { source: "client-edit" } as const;
/** Origin of settings changes (broadcast mode): deliberately not on the undo stack. */
export const SETTINGS_ORIGIN = { source: "client-settings" } as const;
/** Origin of merging back a text this device wrote that lost to a co-DM's concurrent one (TEXT4): not undoable. */
export const RESCUE_ORIGIN = { source: "client-text-rescue" } as const;

/** Edits closer together than this merge into one undo step (typing, one drag stroke). */
export const UNDO_CAPTURE_MS = 500;

/** Who a reveal or hide applies to: every player, or the listed player ids. */
export type RevealTargets = { kind: "all" } | { kind: "players"; ids: readonly string[] };

/**
 * The DM's editing surface over a DM document: terrain strokes, per-hex text fields, reveals, the
 * broadcast mode, and undo/redo of the LOCAL user's own edits only. Every write goes through the shared
 * model's writers with one of this client's origins; the UndoManager tracks exactly those (PAINT_ORIGIN,
 * EDIT_ORIGIN), so a co-DM's edits, the server's, and the IndexedDB load are never undone from here —
 * and Yjs keeps their concurrent changes when ours are undone (EDIT5).
 */
export class DmEditor {
  readonly #doc: Y.Doc;
  readonly #undo: Y.UndoManager;
  readonly dmNotes: MapLayer;
  readonly rumours: MapLayer;
  readonly explored: MapLayer;
  readonly landmarks: MapLayer;
  readonly reveals: RevealLayer;
  readonly #stopRescue: () => void;
  /** The level the reveal tool sets (the DM picks it in the toolbar). */
  #revealLevel = $state<KnowledgeLevel>(KnowledgeLevel.visited);
  #canUndo = $state(false);
  #canRedo = $state(false);
  /** The field or tool the last edit went to: switching starts a new undo step. */
  #lastTarget = "";

  /**
   * `isOwnClient`: whether a Yjs client id is this device's, earlier page loads included (deviceClientIds), so a text
   * started offline before a reload is still rescued when a concurrent one wins (TEXT4). Default: this load's only.
   */
  constructor(doc: Y.Doc, isOwnClient?: (client: number) => boolean) {
    this.#doc = doc;
    const m = dmMaps(doc);
    this.dmNotes = new MapLayer(doc, "dmNotes");
    this.rumours = new MapLayer(doc, "rumour");
    this.explored = new MapLayer(doc, "explored");
    this.landmarks = new MapLayer(doc, "landmark");
    this.reveals = new RevealLayer(doc);
    this.#stopRescue = rescueLostTexts(doc, TEXT_FIELDS, RESCUE_ORIGIN, undefined, isOwnClient);
    this.#undo = new Y.UndoManager([m.terrain, m.label, m.notes, m.dmNotes, m.rumour, m.explored, m.landmark, m.reveals], {
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

  /**
   * Paint hexes with a terrain (null erases) in one transaction, through the shared model's
   * `setTerrain`. It writes only a different value, so a stroke that passes over its own hexes again
   * sends nothing. Keys come from pointer maths; one off the map (out of bounds) is never written.
   */
  paint(hexes: readonly string[], terrain: string | null): void {
    this.#doc.transact(() => {
      for (const hex of hexes) {
        if (!isHexKey(hex)) continue;
        setTerrain(this.#doc, hex, terrain ?? undefined, PAINT_ORIGIN);
      }
    }, PAINT_ORIGIN);
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

  /**
   * A collaborative binding of one text field of one hex (EDIT10): typing is written as the smallest diff, a
   * co-DM's typing in the same field merges character by character. The caller destroys it.
   */
  bindText(field: TextField, hex: string): TextBinding {
    return new TextBinding(this.#doc, this.#doc.getMap<unknown>(field), hex, EDIT_ORIGIN, () => this.#step(`${field}:${hex}`));
  }

  /** The level the reveal tool sets. */
  get revealLevel(): KnowledgeLevel {
    return this.#revealLevel;
  }
  set revealLevel(level: KnowledgeLevel) {
    this.#revealLevel = level;
  }

  /** Mark a hex a landmark (its name is seen from afar) or not. */
  setLandmark(hex: string, on: boolean): void {
    this.#step(`landmark:${hex}`);
    setLandmark(this.#doc, hex, on, EDIT_ORIGIN);
  }

  /**
   * Reveal hexes to every player or to the listed players at `level` (default: the reveal tool's level), in one
   * transaction (one undo step). Setting a lower level than a hex had lowers it.
   */
  reveal(hexes: readonly string[], targets: RevealTargets, level: KnowledgeLevel = this.#revealLevel): void {
    const ids = targets.kind === "all" ? [ALL_PLAYERS] : targets.ids;
    if (ids.length === 0) return;
    this.#step("reveal");
    this.#doc.transact(() => {
      for (const hex of hexes) {
        if (!isHexKey(hex)) continue;
        for (const id of ids) reveal(this.#doc, hex, id, EDIT_ORIGIN, level);
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
    this.#stopRescue();
    this.#undo.destroy();
    this.dmNotes.destroy();
    this.rumours.destroy();
    this.explored.destroy();
    this.landmarks.destroy();
    this.reveals.destroy();
  }
}
