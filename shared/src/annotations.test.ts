import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { notesDocName, parseDocName, tableDocName } from "./docNames.ts";
import {
  ANNOTATION_NOTE_MAX_CHARS,
  DRAWING_MAX_POINTS,
  MARKER_TEXT_MAX_CHARS,
  itemProblem,
  newItemId,
  putDrawing,
  putMarker,
  readDrawings,
  readMarkers,
  readNotes,
  removeItem,
  setAnnotationNote,
  type Marker,
} from "./annotations.ts";

const me = "user-1";
const marker = (over: Partial<Marker> = {}): Marker => ({ hex: "2,-1", icon: "danger", text: "dragon heard of", author: me, ...over });

describe("annotation documents", () => {
  it("[NOTES1] [NOTES2] names round-trip; other shapes are refused", () => {
    expect(parseDocName(notesDocName("c1", "u1"))).toEqual({ kind: "notes", campaignId: "c1", userId: "u1" });
    expect(parseDocName(tableDocName("c1"))).toEqual({ kind: "table", campaignId: "c1" });
    for (const bad of ["campaign:c1:notes", "campaign:c1:notes:", "campaign:c1:notes:a:b", "campaign:c1:table:x", "campaign::table", "campaign:c1:tables"]) {
      expect(parseDocName(bad), bad).toBeNull();
    }
  });

  it("[NOTES5] markers and drawings are checked with zod: shape, closed sets, caps, author", () => {
    expect(itemProblem("markers", marker(), me)).toBeNull();
    expect(itemProblem("markers", marker({ at: { x: 0.5, y: -0.25 }, colour: "#ef476f" }), me)).toBeNull();
    expect(itemProblem("markers", marker({ author: "someone-else" }), me)).toMatch(/author must be the writer/);
    expect(itemProblem("markers", marker({ text: "x".repeat(MARKER_TEXT_MAX_CHARS + 1) }), me)).toMatch(/^markers: text/);
    expect(itemProblem("markers", { ...marker(), icon: "nuke" }, me)).toMatch(/^markers: icon/);
    expect(itemProblem("markers", { ...marker(), hex: "1,2,3" }, me)).toMatch(/^markers: hex/);
    expect(itemProblem("markers", { ...marker(), extra: 1 }, me)).toMatch(/^markers:/);
    expect(itemProblem("markers", marker({ at: { x: 2, y: 0 } }), me)).toMatch(/^markers: at\.x/);
    expect(itemProblem("markers", "just a string", me)).toMatch(/^markers:/);
    expect(itemProblem("drawings", { points: ["0,0", "1,0"], colour: "#ffd166", author: me }, me)).toBeNull();
    expect(itemProblem("drawings", { points: ["0,0"], colour: "#ffd166", author: me }, me)).toMatch(/^drawings: points/);
    const long = Array.from({ length: DRAWING_MAX_POINTS + 1 }, (_, i) => `${i},0`);
    expect(itemProblem("drawings", { points: long, colour: "#ffd166", author: me }, me)).toMatch(/^drawings:/);
    expect(itemProblem("drawings", { points: ["0,0", "1,0"], colour: "red", author: me }, me)).toMatch(/^drawings: colour/);
  });

  it("[NOTES5] writers refuse what the server would refuse and read back what they wrote", () => {
    const doc = new Y.Doc();
    const id = newItemId();
    putMarker(doc, id, marker(), me);
    expect(readMarkers(doc).get(id)).toEqual(marker());
    expect(() => putMarker(doc, newItemId(), marker({ author: "other" }), me)).toThrow(RangeError);
    expect(() => putMarker(doc, "bad:id", marker(), me)).toThrow(RangeError);
    const d = newItemId();
    putDrawing(doc, d, { points: ["0,0", "1,0", "1,1"], colour: "#06d6a0", author: me }, me);
    expect(readDrawings(doc).get(d)?.points).toEqual(["0,0", "1,0", "1,1"]);
    setAnnotationNote(doc, "0,0", "the hermit lies");
    setAnnotationNote(doc, "0,0", "the old hermit lies");
    expect(readNotes(doc).get("0,0")).toBe("the old hermit lies");
    expect(() => setAnnotationNote(doc, "0,0", "x".repeat(ANNOTATION_NOTE_MAX_CHARS + 1))).toThrow(RangeError);
    setAnnotationNote(doc, "0,0", "");
    expect(readNotes(doc).has("0,0")).toBe(false);
    removeItem(doc, "markers", id);
    expect(readMarkers(doc).size).toBe(0);
  });

  it("[NOTES8] two writers of one hex note, one offline, both keep their characters", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    setAnnotationNote(a, "1,1", "ruins");
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    setAnnotationNote(a, "1,1", "ruins, haunted");
    setAnnotationNote(b, "1,1", "old ruins");
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(readNotes(a).get("1,1")).toBe("old ruins, haunted");
    expect(readNotes(b).get("1,1")).toBe(readNotes(a).get("1,1"));
  });
});

describe("a note started offline before a reload", () => {
  it("[NOTES8] is rescued by its device after the reload when it loses to a concurrent one", async () => {
    const { rescueLostTexts } = await import("./text.ts");
    const server = new Y.Doc();
    // Device A starts the note offline, then reloads (a new Y.Doc, a new client id, the same content from IndexedDB).
    const before = new Y.Doc();
    setAnnotationNote(before, "1,1", "Wolf tracks lead north.");
    const a = new Y.Doc();
    Y.applyUpdate(a, Y.encodeStateAsUpdate(before));
    expect(a.clientID).not.toBe(before.clientID);
    const own = new Set([before.clientID, a.clientID]);
    const stop = rescueLostTexts(a, ["notes"], "rescue", undefined, (c) => own.has(c));
    // Device B, online, starts the same note; B's text wins (of concurrent map sets, the higher client id's is kept).
    const b = new Y.Doc();
    b.clientID = before.clientID + 1;
    setAnnotationNote(b, "1,1", "The bridge is out.");
    Y.applyUpdate(server, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(a, Y.encodeStateAsUpdate(server));
    await new Promise((r) => setTimeout(r, 0));
    Y.applyUpdate(server, Y.encodeStateAsUpdate(a));
    const text = readNotes(server).get("1,1") ?? "";
    expect(text).toContain("Wolf tracks lead north.");
    expect(text).toContain("The bridge is out.");
    stop();
  });
});
