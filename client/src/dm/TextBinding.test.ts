import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { TextBinding } from "./TextBinding.svelte.ts";

const ME = { source: "me" };

/** The part of an input the binding touches. */
class FakeInput {
  value = "";
  selectionStart: number | null = 0;
  selectionEnd: number | null = 0;
  setSelectionRange(start: number, end: number): void {
    this.selectionStart = start;
    this.selectionEnd = end;
  }
}

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

const globals = globalThis as { document?: { activeElement: unknown } };
afterEach(() => {
  delete globals.document;
});

describe("collaborative text field", () => {
  it("[EDIT10] typing writes the smallest change into a Y.Text created on the first keystroke; a legacy string converts", () => {
    const doc = new Y.Doc();
    const notes = doc.getMap<unknown>("notes");
    notes.set("0,0", "legacy");
    const b = new TextBinding(doc, notes, "0,0", ME);
    expect(b.value).toBe("legacy");
    b.write("legacy notes");
    expect(notes.get("0,0")).toBeInstanceOf(Y.Text);
    expect(String(notes.get("0,0"))).toBe("legacy notes");
    const fresh = new TextBinding(doc, notes, "1,1", ME);
    fresh.write("new");
    expect(String(notes.get("1,1"))).toBe("new");
    fresh.write("");
    expect(notes.has("1,1")).toBe(false);
    b.destroy();
    fresh.destroy();
  });

  it("[EDIT10] a co-DM's typing shows at once while the field has focus, and the caret stays on the same characters", () => {
    const mine = new Y.Doc();
    const theirs = new Y.Doc();
    const binding = new TextBinding(mine, mine.getMap("notes"), "2,2", ME);
    binding.write("The old mill.");
    sync(mine, theirs);
    const input = new FakeInput();
    input.value = binding.value;
    binding.attach(input as unknown as HTMLInputElement);
    globals.document = { activeElement: input };
    // My caret is after "old" (index 7); the co-DM types at the start.
    input.setSelectionRange(7, 7);
    const t = theirs.getMap<unknown>("notes").get("2,2") as Y.Text;
    t.insert(0, "Ruined: ");
    sync(mine, theirs);
    expect(binding.value).toBe("Ruined: The old mill.");
    expect(input.value).toBe("Ruined: The old mill.");
    expect([input.selectionStart, input.selectionEnd]).toEqual([15, 15]);
    // Text after the caret leaves it where it is.
    t.insert(t.length, " Ghosts.");
    sync(mine, theirs);
    expect(input.value).toBe("Ruined: The old mill. Ghosts.");
    expect(input.selectionStart).toBe(15);
    binding.destroy();
  });

  it("[EDIT10] a replaced or deleted field is followed: the binding shows the new value", () => {
    const doc = new Y.Doc();
    const map = doc.getMap<unknown>("rumour");
    const binding = new TextBinding(doc, map, "3,3", ME);
    expect(binding.value).toBe("");
    doc.transact(() => map.set("3,3", new Y.Text("a tower to the north")), "remote");
    expect(binding.value).toBe("a tower to the north");
    doc.transact(() => map.delete("3,3"), "remote");
    expect(binding.value).toBe("");
    binding.destroy();
  });
});
