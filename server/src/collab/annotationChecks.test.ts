import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { ANNOTATION_NOTE_MAX_CHARS, MAX_ENTRIES, putDrawing, putMarker, removeItem, setAnnotationNote, type Marker } from "@hexcrawl/shared/annotations";
import { CloseCode } from "@hexcrawl/shared/protocol";
import { checkAnnotationUpdate, type AnnotationWriter } from "./annotationChecks.ts";

const alice: AnnotationWriter = { userId: "alice", moderator: false };
const bob: AnnotationWriter = { userId: "bob", moderator: false };
const dm: AnnotationWriter = { userId: "dm", moderator: true };
const marker = (author: string, over: Partial<Marker> = {}): Marker => ({ hex: "1,1", icon: "pin", text: "here", author, ...over });

/** A server copy and a client replica in sync; `edit` runs on the client and returns the update it would send. */
function setup() {
  const server = new Y.Doc();
  // A fresh replica per edit: a refused edit would otherwise stay in it and the next one build on it.
  const edit = (f: (d: Y.Doc) => void): Uint8Array => {
    const client = new Y.Doc();
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
    const before = Y.encodeStateVector(client);
    f(client);
    const update = Y.encodeStateAsUpdate(client, before);
    return update;
  };
  /** Check then apply (as the server would). */
  const send = (update: Uint8Array, kind: "notes" | "table", writer: AnnotationWriter) => {
    const verdict = checkAnnotationUpdate(server, update, kind, writer);
    if (!verdict) Y.applyUpdate(server, update);
    return verdict;
  };
  return { server, edit, send };
}

describe("annotation write rules (checked on the decoded update)", () => {
  it("[NOTES4] markers, notes (typing included) and drawings in the allowed maps pass", () => {
    const { server, edit, send } = setup();
    expect(send(edit((d) => putMarker(d, "m1", marker("alice"), "alice")), "table", alice)).toBeNull();
    expect(send(edit((d) => setAnnotationNote(d, "0,0", "the hermit")), "table", alice)).toBeNull();
    expect(send(edit((d) => setAnnotationNote(d, "0,0", "the old hermit lies")), "table", bob)).toBeNull();
    expect(send(edit((d) => putDrawing(d, "d1", { points: ["0,0", "1,0"], colour: "#ffd166", author: "bob" }, "bob")), "table", bob)).toBeNull();
    expect(send(edit((d) => setAnnotationNote(d, "0,0", "")), "table", bob)).toBeNull();
    expect(server.getMap("markers").size).toBe(1);
    expect(server.getMap("drawings").size).toBe(1);
  });

  it("[NOTES4] other top-level names, nested types and formatting are refused; nothing is applied", () => {
    const { server, edit, send } = setup();
    const cases: Array<[string, (d: Y.Doc) => void, RegExp]> = [
      ["top-level", (d) => d.getMap("terrain").set("0,0", "forest"), /top-level "terrain"/],
      ["dmNotes", (d) => d.getMap("dmNotes").set("0,0", "secret"), /top-level "dmNotes"/],
      ["drawings in notes doc", (d) => d.getMap("drawings").set("x1", { points: ["0,0", "1,0"], colour: "#ffd166", author: "alice" }), /top-level "drawings"/],
      ["array root", (d) => d.getArray("markers").push([1]), /must be a map/],
      ["nested map", (d) => d.getMap("markers").set("m9", new Y.Map()), /values must be plain/],
      ["note as string", (d) => d.getMap("notes").set("0,0", "plain"), /must be text/],
      ["note key", (d) => d.getMap("notes").set("north", new Y.Text("x")), /not a hex/],
      ["bad marker", (d) => d.getMap("markers").set("m2", { hex: "0,0", icon: "pin", text: 5, author: "alice" }), /markers: text/],
      ["marker id", (d) => d.getMap("markers").set("a:b", marker("alice")), /bad id/],
    ];
    for (const [name, f, reason] of cases) {
      const verdict = send(edit(f), "notes", alice);
      expect(verdict?.reason, name).toMatch(reason);
    }
    const t = setup();
    t.send(t.edit((d) => setAnnotationNote(d, "0,0", "a")), "notes", alice);
    const formatted = t.edit((d) => (d.getMap("notes").get("0,0") as Y.Text).format(0, 1, { bold: true }));
    expect(t.send(formatted, "notes", alice)?.reason).toMatch(/only plain text/);
    expect(server.share.size === 0 || [...server.share.keys()].every((k) => ["markers", "notes", "drawings", "terrain", "dmNotes"].includes(k))).toBe(true);
    expect(server.getMap("markers").size).toBe(0);
  });

  it("[NOTES6] per-item and per-document caps: clear reasons, 4413", () => {
    const { edit, send } = setup();
    const big = edit((d) => d.getMap("markers").set("m1", { ...marker("alice"), text: "x".repeat(5000) }));
    expect(send(big, "table", alice)).toEqual({ code: CloseCode.TOO_LARGE, reason: expect.stringMatching(/larger than/) });
    expect(send(edit((d) => setAnnotationNote(d, "0,0", "y".repeat(ANNOTATION_NOTE_MAX_CHARS))), "table", alice)).toBeNull();
    const longer = edit((d) => (d.getMap("notes").get("0,0") as Y.Text).insert(0, "z"));
    expect(send(longer, "table", alice)).toEqual({ code: CloseCode.TOO_LARGE, reason: `notes: a note longer than ${ANNOTATION_NOTE_MAX_CHARS} characters` });
    // Replacing the whole note in one transaction is not growth.
    expect(send(edit((d) => setAnnotationNote(d, "0,0", "w".repeat(ANNOTATION_NOTE_MAX_CHARS))), "table", alice)).toBeNull();
    const max = MAX_ENTRIES.notes.markers;
    const many = edit((d) => {
      d.transact(() => {
        for (let i = 0; i <= max; i++) d.getMap("markers").set(`m${i}`, marker("alice"));
      });
    });
    expect(send(many, "notes", alice)?.reason).toBe(`markers: more than ${max} entries`);
  });

  it("[NOTES7] nobody writes as someone else: author checked on add, replace and remove; a DM may remove on the table", () => {
    const { server, edit, send } = setup();
    expect(send(edit((d) => d.getMap("markers").set("m1", marker("bob"))), "table", alice)?.reason).toMatch(/author must be the writer/);
    expect(send(edit((d) => putMarker(d, "m1", marker("alice"), "alice")), "table", alice)).toBeNull();
    const replace = edit((d) => d.getMap("markers").set("m1", marker("bob", { text: "mine now" })));
    expect(send(replace, "table", bob)).toEqual({ code: CloseCode.FORBIDDEN, reason: "markers: only its author may change it" });
    expect(send(edit((d) => removeItem(d, "markers", "m1")), "table", bob)?.reason).toBe("markers: only its author may remove it");
    expect((server.getMap("markers").get("m1") as Marker).author).toBe("alice");
    expect(send(edit((d) => putMarker(d, "m1", marker("alice", { text: "moved" }), "alice")), "table", alice)).toBeNull();
    expect(send(edit((d) => removeItem(d, "markers", "m1")), "table", dm)).toBeNull();
    expect(server.getMap("markers").size).toBe(0);
  });

  it("[NOTES4] an update building on items the server does not have is refused", () => {
    const { edit, send } = setup();
    const other = new Y.Doc();
    setAnnotationNote(other, "0,0", "abc");
    const base = Y.encodeStateVector(other);
    (other.getMap("notes").get("0,0") as Y.Text).insert(1, "X");
    const dependent = Y.encodeStateAsUpdate(other, base);
    expect(send(dependent, "table", alice)?.reason).toMatch(/does not have/);
    expect(send(edit((d) => setAnnotationNote(d, "0,0", "fine")), "table", alice)).toBeNull();
  });

  it("[NOTES8] typing offline into a note someone else removed meanwhile is accepted (and lands nowhere)", () => {
    const { server, send } = setup();
    const seed = new Y.Doc();
    setAnnotationNote(seed, "0,0", "abc");
    expect(send(Y.encodeStateAsUpdate(seed), "table", alice)).toBeNull();
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(server));
    const base = Y.encodeStateVector(offline);
    (offline.getMap("notes").get("0,0") as Y.Text).insert(3, " and more");
    const typed = Y.encodeStateAsUpdate(offline, base);
    const remover = new Y.Doc();
    Y.applyUpdate(remover, Y.encodeStateAsUpdate(server));
    const before = Y.encodeStateVector(remover);
    setAnnotationNote(remover, "0,0", "");
    expect(send(Y.encodeStateAsUpdate(remover, before), "table", bob)).toBeNull();
    expect(send(typed, "table", alice)).toBeNull();
    expect(server.getMap("notes").has("0,0")).toBe(false);
  });
});
