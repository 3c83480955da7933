import { parseHexKey, type Point } from "@hexcrawl/shared/hex";
import { notesDocName, tableDocName } from "@hexcrawl/shared/docNames";
import { ANNOTATION_COLOURS, DRAWING_MAX_POINTS, type AnnotationColour, type Drawing, type Marker } from "@hexcrawl/shared/annotations";
import type { ScreenOverlay } from "../map/screenOverlay.ts";
import { AnnotationDoc, type OpenDocument } from "./AnnotationDoc.svelte.ts";
import { drawAnnotations, type ShownMarker } from "./annotationDrawing.ts";
import { extendedPath } from "./paths.ts";

/** Which layer shows on the map (and in the panel). */
export const AnnotationView = { private: "private", table: "table", both: "both", off: "off" } as const;
export type AnnotationView = (typeof AnnotationView)[keyof typeof AnnotationView];

/** Where a new marker or note goes. */
export type AnnotationTarget = "private" | "table";

/**
 * The players' own layer of one campaign page (NOTES1–NOTES9): the member's private notes document and the table
 * document, both opened on the campaign's socket with their IndexedDB copies, a toggle of what shows, an undo over
 * this device's own edits in the order they were made, and the map overlay drawing both.
 */
export class Annotations {
  readonly own: AnnotationDoc;
  readonly table: AnnotationDoc;
  readonly isDm: boolean;
  /** What the map draws: markers and note dots of the shown layers, drawings of the table. */
  readonly overlay: ScreenOverlay;
  #view = $state<AnnotationView>(AnnotationView.both);
  /** The document of each own edit, in order, for one undo across both. */
  #history: AnnotationDoc[] = [];
  #future: AnnotationDoc[] = [];
  #historyRevision = $state(0);
  /** A path being drawn on the table (hex centres), not yet saved. */
  #draft = $state<string[] | null>(null);
  #draftColour = $state<AnnotationColour>(ANNOTATION_COLOURS[0]);

  constructor(campaignId: string, userId: string, isDm: boolean, open: OpenDocument) {
    this.isDm = isDm;
    this.own = new AnnotationDoc("notes", notesDocName(campaignId, userId), userId, open);
    this.table = new AnnotationDoc("table", tableDocName(campaignId), userId, open);
    this.overlay = Annotations.overlayOf(this);
  }

  get view(): AnnotationView {
    return this.#view;
  }
  set view(v: AnnotationView) {
    this.#view = v;
  }

  doc(target: AnnotationTarget): AnnotationDoc {
    return target === "private" ? this.own : this.table;
  }

  /** Shown layers under the current toggle. */
  shown(): AnnotationDoc[] {
    switch (this.#view) {
      case "private":
        return [this.own];
      case "table":
        return [this.table];
      case "both":
        return [this.own, this.table];
      case "off":
        return [];
    }
  }

  /** Unsent edits of both documents. */
  get unsent(): number {
    return this.own.unsent + this.table.unsent;
  }

  /** Run an own edit of `target` and remember it for undo. */
  edit<T>(target: AnnotationTarget, f: (d: AnnotationDoc) => T): T {
    const d = this.doc(target);
    const out = f(d);
    if (this.#history.at(-1) !== d || d.canUndo) this.#history.push(d);
    this.#future = [];
    this.#historyRevision += 1;
    return out;
  }

  get canUndo(): boolean {
    void this.#historyRevision;
    return this.own.canUndo || this.table.canUndo;
  }
  get canRedo(): boolean {
    void this.#historyRevision;
    return this.own.canRedo || this.table.canRedo;
  }

  /** Undo this device's last own edit (in whichever document it was). */
  undo(): void {
    while (this.#history.length > 0) {
      const d = this.#history.pop();
      if (d?.canUndo) {
        d.undo();
        this.#future.push(d);
        break;
      }
    }
    if (this.#history.length === 0) for (const d of [this.own, this.table]) if (d.canUndo) d.undo();
    this.#historyRevision += 1;
  }

  redo(): void {
    const d = this.#future.pop() ?? [this.own, this.table].find((x) => x.canRedo);
    if (d?.canRedo) {
      d.redo();
      this.#history.push(d);
    }
    this.#historyRevision += 1;
  }

  get draft(): readonly string[] | null {
    return this.#draft;
  }
  get draftColour(): AnnotationColour {
    return this.#draftColour;
  }
  set draftColour(c: AnnotationColour) {
    this.#draftColour = c;
  }

  /** Start drawing a path on the table; `from` is its first hex, if one is selected. */
  startPath(from: string | null): void {
    this.#draft = from && parseHexKey(from) ? [from] : [];
  }

  /** Extend the path to `hex` through the hex centres between (a straight hex line), up to DRAWING_MAX_POINTS. */
  extendPath(hex: string): void {
    const draft = this.#draft;
    if (!draft || draft.at(-1) === hex) return;
    this.#draft = extendedPath(draft, hex, DRAWING_MAX_POINTS);
  }

  /** Save the path on the table (one undo step); throws RangeError when the server would refuse it. */
  finishPath(): void {
    const draft = this.#draft;
    if (!draft || draft.length < 2) return;
    const colour = this.#draftColour;
    this.edit("table", (d) => d.addDrawing(draft, colour));
    this.#draft = null;
  }

  cancelPath(): void {
    this.#draft = null;
  }

  /** Table drawings passing through `hex`. */
  drawingsAt(hex: string): Array<{ id: string; drawing: Drawing }> {
    if (this.#view !== "table" && this.#view !== "both") return [];
    return [...this.table.drawings()].filter(([, d]) => d.points.includes(hex)).map(([id, drawing]) => ({ id, drawing }));
  }

  /** Markers of the shown layers, with where they come from. */
  shownMarkers(): ShownMarker[] {
    const out: ShownMarker[] = [];
    for (const d of this.shown()) for (const [id, m] of d.markers()) out.push({ id, marker: m, layer: d.kind });
    return out;
  }

  /** Markers at one hex, in the shown layers. */
  markersAt(hex: string): Array<{ id: string; marker: Marker; layer: "notes" | "table" }> {
    return this.shownMarkers().filter((m) => m.marker.hex === hex);
  }

  destroy(): void {
    this.own.destroy();
    this.table.destroy();
  }

  /** The map overlay of `a`: its revision follows both documents and the toggle. */
  private static overlayOf(a: Annotations): ScreenOverlay {
    return {
      get revision(): number {
        return (
          a.own.revision * 1_000_003 + a.table.revision * 7 + Object.keys(AnnotationView).indexOf(a.view) * 1_000_000_007 + (a.draft?.length ?? -1) * 13
        );
      },
      draw(ctx: CanvasRenderingContext2D, at: (hex: string) => Point | null, radiusPx: number, viewport: { width: number; height: number }): void {
        const layers = a.shown();
        drawAnnotations(ctx, {
          at,
          radiusPx,
          viewport,
          markers: a.shownMarkers(),
          noteHexes: layers.flatMap((d) => [...d.notes().keys()].map((hex) => ({ hex, layer: d.kind }))),
          drawings: [
            ...(layers.includes(a.table) ? [...a.table.drawings().values()] : []),
            ...(a.draft && a.draft.length > 1 ? [{ points: [...a.draft], colour: a.draftColour, author: "" }] : []),
          ],
        });
      },
    };
  }
}
