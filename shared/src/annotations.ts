import * as Y from "yjs";
import { z } from "zod";
import { IdSchema } from "./docNames.ts";
import { HexKeySchema, parseHexKey, type HexKey } from "./hex.ts";
import { writeText } from "./text.ts";

/**
 * The documents the players write (NOTES1–NOTES12 in SPEC.md): a member's private notes
 * (`campaign:{id}:notes:{userId}`) and the table's shared annotations (`campaign:{id}:table`). Both are flat
 * top-level maps, like the DM document: `markers` (markerId → a plain marker value), `notes` (hex → Y.Text), and on
 * the table `drawings` (drawingId → a plain path value). Markers and drawings are whole values, replaced on edit,
 * so no nested type is created on the fly; a note is a Y.Text so two writers of one hex both keep their characters.
 * The server checks every inbound update against these schemas and caps (server/src/collab/annotationChecks.ts);
 * nothing of the DM document is ever written here.
 */

/** The two kinds of player-written document. */
export const AnnotationDocKind = { notes: "notes", table: "table" } as const;
export type AnnotationDocKind = (typeof AnnotationDocKind)[keyof typeof AnnotationDocKind];

/** Top-level types of an annotation document. */
export const AnnotationMap = { markers: "markers", notes: "notes", drawings: "drawings" } as const;
export type AnnotationMap = (typeof AnnotationMap)[keyof typeof AnnotationMap];

/** The top-level names each kind may hold (NOTES4). Nothing else is accepted. */
export const ANNOTATION_MAPS: Readonly<Record<AnnotationDocKind, readonly AnnotationMap[]>> = {
  notes: [AnnotationMap.markers, AnnotationMap.notes],
  table: [AnnotationMap.markers, AnnotationMap.notes, AnnotationMap.drawings],
};

/** Marker icons (a closed set; the client draws each as a glyph). */
export const MARKER_ICONS = ["pin", "danger", "treasure", "camp", "question", "town", "cave", "rumour"] as const;
export type MarkerIcon = (typeof MARKER_ICONS)[number];

/** Colours of markers and drawings (a closed set, readable on every terrain). */
export const ANNOTATION_COLOURS = ["#ffd166", "#ef476f", "#06d6a0", "#4cc9f0", "#f8f9fa", "#c77dff"] as const;
export type AnnotationColour = (typeof ANNOTATION_COLOURS)[number];

/** Caps (NOTES6). Per item: */
export const MARKER_TEXT_MAX_CHARS = 280;
export const ANNOTATION_NOTE_MAX_CHARS = 4_000;
export const DRAWING_MAX_POINTS = 200;
/** Longest JSON of one marker or drawing value (a drawing of 200 far hexes is ~3 KB). */
export const ITEM_MAX_JSON_CHARS = 4_096;
/** Per document: entries of each map. */
export const MAX_ENTRIES: Readonly<Record<AnnotationDocKind, Readonly<Record<AnnotationMap, number>>>> = {
  notes: { markers: 1_000, notes: 2_000, drawings: 0 },
  table: { markers: 2_000, notes: 2_000, drawings: 500 },
};
/** Per document: the encoded size (Y.encodeStateAsUpdate) an update may not push it beyond. */
export const ANNOTATION_DOC_MAX_BYTES: Readonly<Record<AnnotationDocKind, number>> = {
  notes: 1024 * 1024,
  table: 4 * 1024 * 1024,
};

/** Ids of markers and drawings: the document-name id alphabet (random UUIDs in practice). */
export const ItemIdSchema = IdSchema;

/** A position inside the hex, in hex radii from its centre (a free marker); absent = the centre. */
export const OffsetSchema = z.strictObject({ x: z.number().min(-1).max(1), y: z.number().min(-1).max(1) });

/** One marker: at a hex (known or not), an icon, a short text, who made it (the writer's own id). */
export const MarkerSchema = z.strictObject({
  hex: HexKeySchema,
  icon: z.enum(MARKER_ICONS),
  text: z.string().max(MARKER_TEXT_MAX_CHARS),
  author: IdSchema,
  colour: z.enum(ANNOTATION_COLOURS).optional(),
  at: OffsetSchema.optional(),
});
export type Marker = z.infer<typeof MarkerSchema>;

/** One drawing (table only): a path through hex centres, a colour, who drew it. */
export const DrawingSchema = z.strictObject({
  points: z.array(HexKeySchema).min(2).max(DRAWING_MAX_POINTS),
  colour: z.enum(ANNOTATION_COLOURS),
  author: IdSchema,
});
export type Drawing = z.infer<typeof DrawingSchema>;

/** The schema of a plain value in a map (notes hold Y.Text, not plain values). */
export const ITEM_SCHEMAS = { markers: MarkerSchema, drawings: DrawingSchema } as const;

/** A fresh item id. */
export function newItemId(): string {
  return globalThis.crypto.randomUUID();
}

/** Why a value is refused, in words for the close reason and the client. Null: accepted. */
export function itemProblem(map: "markers" | "drawings", value: unknown, writerId: string): string | null {
  let json: string;
  try {
    json = JSON.stringify(value) ?? "";
  } catch {
    return `${map}: not a plain value`;
  }
  if (json.length > ITEM_MAX_JSON_CHARS) return `${map}: item larger than ${ITEM_MAX_JSON_CHARS} characters`;
  const parsed = ITEM_SCHEMAS[map].safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `${map}: ${issue ? `${issue.path.join(".") || "value"} ${issue.message}` : "bad value"}`;
  }
  if (parsed.data.author !== writerId) return `${map}: author must be the writer`;
  return null;
}

/** The markers that parse, by id (a bad value — never accepted by the server — is skipped). */
export function readMarkers(doc: Y.Doc): Map<string, Marker> {
  const out = new Map<string, Marker>();
  doc.getMap<unknown>(AnnotationMap.markers).forEach((v, id) => {
    const m = MarkerSchema.safeParse(v);
    if (m.success) out.set(id, m.data);
  });
  return out;
}

/** The drawings that parse, by id. */
export function readDrawings(doc: Y.Doc): Map<string, Drawing> {
  const out = new Map<string, Drawing>();
  doc.getMap<unknown>(AnnotationMap.drawings).forEach((v, id) => {
    const d = DrawingSchema.safeParse(v);
    if (d.success) out.set(id, d.data);
  });
  return out;
}

/** The note of every hex that has one, as plain text. */
export function readNotes(doc: Y.Doc): Map<HexKey, string> {
  const out = new Map<HexKey, string>();
  doc.getMap<unknown>(AnnotationMap.notes).forEach((v, hex) => {
    const text = v instanceof Y.Text ? v.toString() : typeof v === "string" ? v : "";
    if (text !== "" && parseHexKey(hex)) out.set(hex, text);
  });
  return out;
}

/** Put (add or replace) a marker. Throws RangeError on a value the server would refuse. */
export function putMarker(doc: Y.Doc, id: string, marker: Marker, writerId: string, origin?: unknown): void {
  if (!ItemIdSchema.safeParse(id).success) throw new RangeError(`bad marker id ${id}`);
  const problem = itemProblem("markers", marker, writerId);
  if (problem) throw new RangeError(problem);
  doc.transact(() => doc.getMap<unknown>(AnnotationMap.markers).set(id, { ...marker }), origin);
}

/** Put a drawing (table only). Throws RangeError on a value the server would refuse. */
export function putDrawing(doc: Y.Doc, id: string, drawing: Drawing, writerId: string, origin?: unknown): void {
  if (!ItemIdSchema.safeParse(id).success) throw new RangeError(`bad drawing id ${id}`);
  const problem = itemProblem("drawings", drawing, writerId);
  if (problem) throw new RangeError(problem);
  doc.transact(() => doc.getMap<unknown>(AnnotationMap.drawings).set(id, { ...drawing, points: [...drawing.points] }), origin);
}

/** Remove a marker or drawing. */
export function removeItem(doc: Y.Doc, map: "markers" | "drawings", id: string, origin?: unknown): void {
  const m = doc.getMap<unknown>(map);
  if (m.has(id)) doc.transact(() => m.delete(id), origin);
}

/** Set a hex's note (the smallest diff into its Y.Text; "" removes it). Throws RangeError beyond the cap. */
export function setAnnotationNote(doc: Y.Doc, hex: HexKey, text: string, origin?: unknown): void {
  if (!parseHexKey(hex)) throw new RangeError(`not a hex key: ${hex}`);
  if (text.length > ANNOTATION_NOTE_MAX_CHARS) throw new RangeError(`note longer than ${ANNOTATION_NOTE_MAX_CHARS}`);
  doc.transact(() => writeText(doc.getMap<unknown>(AnnotationMap.notes), hex, text), origin);
}
