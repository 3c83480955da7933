import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyTextDiff, editableText, mergeLostText, rescueLostTexts, transformIndex, writeText, type TextDelta } from "./text.ts";
import { mulberry32 } from "./prng.ts";

/** Exchange everything both ways (two replicas meeting). */
function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), "remote");
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), "remote");
}

const settle = () => new Promise<void>((r) => setTimeout(r, 0));

describe("text fields", () => {
  it("[TEXT1] a write is the smallest diff: concurrent typing in one text keeps both sides' characters", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.transact(() => writeText(a.getMap("notes"), "0,0", "The old mill."));
    sync(a, b);
    // A adds at the start, B at the end, each by writing the whole new value (as an input field does).
    a.transact(() => writeText(a.getMap("notes"), "0,0", "Ruined: The old mill."));
    b.transact(() => writeText(b.getMap("notes"), "0,0", "The old mill. Ghosts at night."));
    sync(a, b);
    const text = (a.getMap("notes").get("0,0") as Y.Text).toString();
    expect(text).toBe("Ruined: The old mill. Ghosts at night.");
    expect((b.getMap("notes").get("0,0") as Y.Text).toString()).toBe(text);
  });

  it("[TEXT1] applyTextDiff matches any target and never splits a surrogate pair (seeded)", () => {
    const rand = mulberry32(5);
    const alphabet = ["a", "b", " ", "é", "🐉", "\n"];
    const word = () => Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
    const doc = new Y.Doc();
    const text = doc.getText("t");
    for (let i = 0; i < 500; i++) {
      const next = word();
      applyTextDiff(text, next);
      expect(text.toString()).toBe(next);
    }
  });

  it("[TEXT2] a legacy plain string becomes a Y.Text on first edit, keeping its value; empty deletes", () => {
    const doc = new Y.Doc();
    const notes = doc.getMap<unknown>("notes");
    notes.set("1,1", "legacy text");
    const text = editableText(doc, notes, "1,1", "me");
    expect(text.toString()).toBe("legacy text");
    expect(notes.get("1,1")).toBe(text);
    doc.transact(() => writeText(notes, "1,1", ""));
    expect(notes.has("1,1")).toBe(false);
  });

  it("[TEXT3] mergeLostText keeps every word of both, aligned where they share words, appended where they share none", () => {
    expect(mergeLostText("Haunted Old Tower", "Old Tower (ruined)")).toBe("Haunted Old Tower (ruined)");
    expect(mergeLostText("The keep. B was here", "The keep. A was here")).toBe("The keep. B A was here");
    expect(mergeLostText("North: a tower", "North: a tower")).toBe("North: a tower");
    expect(mergeLostText("wolves", "a bridge")).toBe("wolves\na bridge");
    expect(mergeLostText("", "lost only")).toBe("lost only");
    const merged = mergeLostText("Crossroads.\nInn to the east.", "Crossroads.\nShrine to the east.");
    expect(merged).toBe("Crossroads.\nInn Shrine to the east.");
  });

  it("[TEXT4] two DMs starting the same empty field at once (one offline) both keep every character", async () => {
    const online = new Y.Doc();
    const offline = new Y.Doc();
    const stops = [rescueLostTexts(online, ["notes"], "rescue"), rescueLostTexts(offline, ["notes"], "rescue")];
    online.transact(() => writeText(online.getMap("notes"), "2,2", "Bandits camp by the ford."));
    offline.transact(() => writeText(offline.getMap("notes"), "2,2", "The ford is shallow in summer."));
    sync(online, offline);
    await settle();
    sync(online, offline);
    const a = (online.getMap("notes").get("2,2") as Y.Text).toString();
    const b = (offline.getMap("notes").get("2,2") as Y.Text).toString();
    expect(a).toBe(b);
    expect(a).toContain("Bandits camp by the ford.");
    expect(a).toContain("The ford is shallow in summer.");
    // Merged once: the repair is made by the author of the lost text only.
    expect(a.split("Bandits").length - 1).toBe(1);
    expect(a.split("shallow").length - 1).toBe(1);
    for (const stop of stops) stop();
  });

  it("[TEXT4] two DMs converting one legacy string at once keep both additions and the original once", async () => {
    const base = new Y.Doc();
    base.getMap("label").set("3,3", "Old Tower");
    const a = new Y.Doc();
    const b = new Y.Doc();
    sync(base, a);
    sync(base, b);
    const stops = [rescueLostTexts(a, ["label"], "rescue"), rescueLostTexts(b, ["label"], "rescue")];
    a.transact(() => writeText(a.getMap("label"), "3,3", "Old Tower (ruined)"));
    b.transact(() => writeText(b.getMap("label"), "3,3", "Haunted Old Tower"));
    sync(a, b);
    await settle();
    sync(a, b);
    const text = (a.getMap("label").get("3,3") as Y.Text).toString();
    expect((b.getMap("label").get("3,3") as Y.Text).toString()).toBe(text);
    expect(text).toContain("Haunted");
    expect(text).toContain("(ruined)");
    expect(text.split("Old Tower").length - 1).toBe(1);
    for (const stop of stops) stop();
  });

  it("[TEXT5] a caret keeps its place in the text through a co-DM's edit (seeded against Yjs's own positions)", () => {
    expect(transformIndex([{ insert: "ab" }], 0)).toBe(2);
    expect(transformIndex([{ insert: "ab" }], 0, true)).toBe(0);
    expect(transformIndex([{ retain: 2 }, { delete: 3 }], 4)).toBe(2);
    expect(transformIndex([{ retain: 5 }, { insert: "x" }], 3)).toBe(3);
    // Against Yjs: the caret as a relative position, moved by random remote edits, lands where transformIndex says.
    const rand = mulberry32(11);
    for (let round = 0; round < 300; round++) {
      const local = new Y.Doc();
      const remote = new Y.Doc();
      const text = local.getText("t");
      text.insert(0, "The old mill by the river.");
      Y.applyUpdate(remote, Y.encodeStateAsUpdate(local));
      const caret = Math.floor(rand() * (text.length + 1));
      const rel = Y.createRelativePositionFromTypeIndex(text, caret);
      const r = remote.getText("t");
      r.doc?.transact(() => {
        for (let k = 0; k < 3; k++) {
          const at = Math.floor(rand() * (r.length + 1));
          if (rand() < 0.5 && at < r.length) r.delete(at, Math.min(r.length - at, 1 + Math.floor(rand() * 4)));
          else r.insert(at, "xyz".slice(0, 1 + Math.floor(rand() * 3)));
        }
      });
      let delta: TextDelta = [];
      text.observe((e) => (delta = e.delta as TextDelta));
      Y.applyUpdate(local, Y.encodeStateAsUpdate(remote, Y.encodeStateVector(local)));
      const expected = Y.createAbsolutePositionFromRelativePosition(rel, local)?.index;
      expect(transformIndex(delta, caret), `round ${round}`).toBe(expected);
    }
  });
});
