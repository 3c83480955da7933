import * as Y from "yjs";
import { afterEach, describe, expect, it } from "vitest";
import { HEX_COORD_MAX } from "@hexcrawl/shared/hex";
import { DmMap, initDmDoc, setTerrain } from "@hexcrawl/shared/model";
import { DmEditor, PAINT_ORIGIN } from "./DmEditor.svelte.ts";

/** Another client's (or the server's) writes: any origin that is not one of the editor's own. */
const CO_DM_ORIGIN = { source: "co-dm" } as const;

const editors: DmEditor[] = [];
afterEach(() => {
  for (const e of editors.splice(0)) e.destroy();
});

function dmDoc(): { doc: Y.Doc; editor: DmEditor; terrain: Y.Map<unknown> } {
  const doc = new Y.Doc();
  initDmDoc(doc, { name: "Test" });
  const editor = new DmEditor(doc);
  editors.push(editor);
  return { doc, editor, terrain: doc.getMap<unknown>(DmMap.terrain) };
}

/** Origins of the transactions that changed the document while `run` ran. */
function originsOf(doc: Y.Doc, run: () => void): unknown[] {
  const origins: unknown[] = [];
  const onUpdate = (_update: Uint8Array, origin: unknown) => origins.push(origin);
  doc.on("update", onUpdate);
  try {
    run();
  } finally {
    doc.off("update", onUpdate);
  }
  return origins;
}

describe("DmEditor terrain strokes", () => {
  it("[CLIENT14] a paint step is one transaction with PAINT_ORIGIN; unchanged and out-of-bounds hexes are not written", () => {
    const { doc, editor, terrain } = dmDoc();
    const far = `${HEX_COORD_MAX + 1},0`;
    expect(originsOf(doc, () => editor.paint(["0,0", "1,0", far, "not a hex"], "forest"))).toEqual([PAINT_ORIGIN]);
    expect(terrain.toJSON()).toEqual({ "0,0": "forest", "1,0": "forest" });
    // Passing over its own hexes again sends nothing.
    expect(originsOf(doc, () => editor.paint(["0,0", "1,0"], "forest"))).toEqual([]);
    expect(originsOf(doc, () => editor.paint(["1,0", "2,0"], null))).toEqual([PAINT_ORIGIN]);
    expect(terrain.toJSON()).toEqual({ "0,0": "forest" });
    expect(originsOf(doc, () => editor.paint(["5,5"], null))).toEqual([]);
  });

  it("[EDIT5] undo takes back this editor's own stroke only; a co-DM's terrain stays; redo repaints", () => {
    const { doc, editor, terrain } = dmDoc();
    editor.stopCapturing();
    editor.paint(["0,0"], "forest");
    editor.paint(["1,0"], "forest");
    setTerrain(doc, "3,3", "desert", CO_DM_ORIGIN);
    expect(editor.canUndo).toBe(true);
    editor.undo();
    expect(terrain.toJSON()).toEqual({ "3,3": "desert" });
    expect(editor.canUndo).toBe(false);
    editor.redo();
    expect(terrain.toJSON()).toEqual({ "0,0": "forest", "1,0": "forest", "3,3": "desert" });
  });

  it("[EDIT5] an erase stroke is its own undo step and undoing it restores the terrain it removed", () => {
    const { editor, terrain } = dmDoc();
    editor.stopCapturing();
    editor.paint(["0,0", "1,0"], "hills");
    editor.stopCapturing();
    editor.paint(["0,0"], null);
    expect(terrain.toJSON()).toEqual({ "1,0": "hills" });
    editor.undo();
    expect(terrain.toJSON()).toEqual({ "0,0": "hills", "1,0": "hills" });
    editor.undo();
    expect(terrain.toJSON()).toEqual({});
  });
});

describe("DmEditor text rescue across reloads", () => {
  /**
   * Notes typed offline under an earlier page load's client id (1), the page reloaded from IndexedDB (client id 2),
   * then a co-DM's concurrent notes (client id 1000, so they win the map key) arrive. The notes after the rescue ran.
   */
  async function afterCoDmWins(isOwnClient?: (client: number) => boolean): Promise<string> {
    const earlier = new Y.Doc();
    earlier.clientID = 1;
    initDmDoc(earlier, { name: "Test" });
    earlier.getMap<unknown>(DmMap.notes).set("0,0", new Y.Text("typed offline"));
    const reloaded = new Y.Doc();
    reloaded.clientID = 2;
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(earlier));
    editors.push(isOwnClient ? new DmEditor(reloaded, isOwnClient) : new DmEditor(reloaded));
    const coDm = new Y.Doc();
    coDm.clientID = 1000;
    coDm.getMap<unknown>(DmMap.notes).set("0,0", new Y.Text("from the co-DM"));
    Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(coDm), CO_DM_ORIGIN);
    // The rescue runs after the remote transaction (a microtask).
    await new Promise((r) => setTimeout(r, 0));
    return String(reloaded.getMap<unknown>(DmMap.notes).get("0,0"));
  }

  it("[TEXT4] a text started before a reload is merged into the concurrent one that won, when the editor knows the earlier client id", async () => {
    const rescued = await afterCoDmWins((client) => client === 1 || client === 2);
    expect(rescued).toContain("from the co-DM");
    expect(rescued).toContain("typed offline");
    // Without the earlier id (this load's only) the offline text is not recognised as this device's: lost.
    expect(await afterCoDmWins()).toBe("from the co-DM");
  });
});
