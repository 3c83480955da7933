import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  ALL_PLAYERS,
  DmMap,
  FIELD_LEVEL,
  isLandmark,
  KNOWLEDGE_LEVELS,
  levelFor,
  levelRank,
  MARKER_FIELD,
  maxLevel,
  PlayerMap,
  readRevealLevel,
  setExplored,
  setLandmark,
  setRumour,
  type KnowledgeLevel,
  applyPlayerMeta,
  dmMaps,
  hide,
  initDmDoc,
  isRevealedTo,
  isTerrainId,
  parseRevealKey,
  projectPlayerMeta,
  readDmMeta,
  readPlayerMeta,
  readText,
  reveal,
  revealKey,
  revealKeysOfHex,
  setDmNotes,
  setDmSetting,
  setLabel,
  setNotes,
  setTerrain,
  TERRAIN_IDS,
  TERRAINS,
  terrainInfo,
  mapIsEmpty,
  mapSize,
} from "./model.ts";

describe("document shape", () => {
  it("[MODEL10] knowledge levels are ordered; a reveal value reads as its level, legacy true as visited, anything else as nothing", () => {
    expect(KNOWLEDGE_LEVELS).toEqual(["rumoured", "seen", "visited", "explored"]);
    expect(KNOWLEDGE_LEVELS.map(levelRank)).toEqual([1, 2, 3, 4]);
    expect(maxLevel("seen", "explored")).toBe("explored");
    expect(maxLevel(null, "rumoured")).toBe("rumoured");
    expect(readRevealLevel(true)).toBe("visited");
    expect(readRevealLevel("seen")).toBe("seen");
    for (const bad of [false, "Seen", 3, null, {}]) expect(readRevealLevel(bad)).toBeNull();
    const doc = new Y.Doc();
    reveal(doc, "0,0", ALL_PLAYERS, undefined, "seen");
    reveal(doc, "0,0", "scout", undefined, "explored");
    expect(levelFor(doc, "0,0", "scout")).toBe("explored");
    expect(levelFor(doc, "0,0", "other")).toBe("seen");
    // Lowering is a plain write too.
    reveal(doc, "0,0", "scout", undefined, "rumoured");
    expect(levelFor(doc, "0,0", "scout")).toBe("seen");
    expect(() => reveal(doc, "0,0", "scout", undefined, "famous" as KnowledgeLevel)).toThrow(RangeError);
  });

  it("[MODEL11] each field reaches players from its level; every level has a marker field", () => {
    expect(FIELD_LEVEL).toEqual({ rumour: "rumoured", terrain: "seen", label: "visited", notes: "visited", explored: "explored" });
    expect(new Set(Object.values(MARKER_FIELD)).size).toBe(KNOWLEDGE_LEVELS.length);
    const doc = new Y.Doc();
    setLandmark(doc, "1,1", true);
    expect(isLandmark(doc, "1,1")).toBe(true);
    setLandmark(doc, "1,1", false);
    expect(dmMaps(doc).landmark.has("1,1")).toBe(false);
    setRumour(doc, "1,1", "whispers");
    setExplored(doc, "1,1", "a cellar");
    expect(String(dmMaps(doc).rumour.get("1,1"))).toBe("whispers");
    expect(String(dmMaps(doc).explored.get("1,1"))).toBe("a cellar");
  });

  it("[MODEL1] the DM and player documents have fixed flat top-level maps; dmNotes and reveals are DM-only", () => {
    expect(Object.values(DmMap).sort()).toEqual(["dmNotes", "explored", "label", "landmark", "meta", "notes", "reveals", "rumour", "terrain"]);
    expect(Object.values(PlayerMap).sort()).toEqual(["clock", "explored", "label", "meta", "notes", "parties", "rumour", "session", "terrain", "trail"]);
  });
});

describe("reveal keys", () => {
  it("[MODEL2] revealKey / parseRevealKey round-trip for a player and for everyone", () => {
    expect(revealKey("1,-2", "user_1")).toBe("1,-2|user_1");
    expect(parseRevealKey("1,-2|user_1")).toEqual({ hex: "1,-2", target: "user_1" });
    expect(parseRevealKey(revealKey("0,0", ALL_PLAYERS))).toEqual({ hex: "0,0", target: "*" });
  });

  it("[MODEL2] malformed reveal keys parse as null", () => {
    for (const bad of ["", "0,0", "0,0|", "|u", "01,0|u", "0,0|a:b", "0,0|**", "0,0|u|v", `0,0|${"x".repeat(65)}`]) {
      expect(parseRevealKey(bad), bad).toBeNull();
    }
  });
});

describe("terrain palette", () => {
  it("[MODEL3] about ten terrains with unique ids and #rrggbb colours", () => {
    expect(TERRAINS.length).toBeGreaterThanOrEqual(8);
    expect(new Set(TERRAIN_IDS).size).toBe(TERRAINS.length);
    for (const t of TERRAINS) expect(t.colour).toMatch(/^#[0-9a-f]{6}$/);
    expect(isTerrainId("forest")).toBe(true);
    expect(isTerrainId("lava")).toBe(false);
    expect(terrainInfo("water")?.name).toBe("Water");
  });
});

describe("text fields", () => {
  it("[MODEL4] readText reads strings and Y.Text, empty and other types as undefined", () => {
    const doc = new Y.Doc();
    const m = doc.getMap<unknown>("notes");
    const t = new Y.Text();
    m.set("a", t);
    t.insert(0, "hello");
    m.set("b", new Y.Text());
    expect(readText(m.get("a"))).toBe("hello");
    expect(readText(m.get("b"))).toBeUndefined();
    expect(readText("x")).toBe("x");
    expect(readText("")).toBeUndefined();
    expect(readText(3)).toBeUndefined();
    expect(readText(undefined)).toBeUndefined();
  });
});

describe("DM document init and meta", () => {
  it("[MODEL5] initDmDoc sets defaults only when absent", () => {
    const doc = new Y.Doc();
    dmMaps(doc).meta.set("broadcastMode", "immediate");
    initDmDoc(doc, { name: "Westmarch" });
    initDmDoc(doc, { name: "Other" });
    const meta = readDmMeta(doc);
    expect(meta).toMatchObject({ name: "Westmarch", broadcastMode: "immediate", orientation: "pointy", hexSize: 32 });
  });

  it("[MODEL5] readDmMeta falls back to defaults on invalid values", () => {
    const doc = new Y.Doc();
    const { meta } = dmMaps(doc);
    meta.set("broadcastMode", "loud");
    meta.set("hexSize", 1e9);
    meta.set("orientation", 3);
    meta.set("schemaVersion", "2");
    expect(readDmMeta(doc)).toEqual({ name: "", schemaVersion: 0, broadcastMode: "staged", orientation: "pointy", hexSize: 32 });
  });

  it("[MODEL5] setDmSetting validates", () => {
    const doc = new Y.Doc();
    setDmSetting(doc, "broadcastMode", "immediate");
    setDmSetting(doc, "orientation", "flat");
    expect(readDmMeta(doc)).toMatchObject({ broadcastMode: "immediate", orientation: "flat" });
    expect(() => setDmSetting(doc, "hexSize", 2)).toThrow(RangeError);
    expect(() => setDmSetting(doc, "broadcastMode", "loud")).toThrow(RangeError);
  });
});

describe("DM document field helpers", () => {
  it("[MODEL6] setTerrain / setLabel / setNotes / setDmNotes write and delete on empty or undefined", () => {
    const doc = new Y.Doc();
    const maps = dmMaps(doc);
    setTerrain(doc, "0,0", "forest");
    setLabel(doc, "0,0", "Old Wood");
    setNotes(doc, "0,0", "Tall trees");
    setDmNotes(doc, "0,0", "Dragon");
    expect(maps.terrain.get("0,0")).toBe("forest");
    // Text fields are Y.Text (TEXT1): two DMs typing in one field both keep their characters.
    for (const [m, text] of [
      [maps.label, "Old Wood"],
      [maps.notes, "Tall trees"],
      [maps.dmNotes, "Dragon"],
    ] as const) {
      expect(m.get("0,0")).toBeInstanceOf(Y.Text);
      expect(String(m.get("0,0"))).toBe(text);
    }
    setTerrain(doc, "0,0", undefined);
    setLabel(doc, "0,0", "");
    setNotes(doc, "0,0", undefined);
    setDmNotes(doc, "0,0", "");
    for (const m of [maps.terrain, maps.label, maps.notes, maps.dmNotes]) expect(m.has("0,0")).toBe(false);
  });

  it("[MODEL6] helpers refuse bad hex keys and oversize values", () => {
    const doc = new Y.Doc();
    expect(() => setTerrain(doc, "0,0,0", "forest")).toThrow(RangeError);
    expect(() => setLabel(doc, "0,0", "x".repeat(201))).toThrow(RangeError);
  });

  it("[MODEL7] setNotes edits an existing Y.Text in place", () => {
    const doc = new Y.Doc();
    const t = new Y.Text();
    dmMaps(doc).notes.set("1,1", t);
    t.insert(0, "abc");
    setNotes(doc, "1,1", "abcdef");
    expect(dmMaps(doc).notes.get("1,1")).toBe(t);
    expect(t.toString()).toBe("abcdef");
  });

  it("[MODEL6] a write with the same value emits no update", () => {
    const doc = new Y.Doc();
    setTerrain(doc, "0,0", "forest");
    let updates = 0;
    doc.on("update", () => updates++);
    setTerrain(doc, "0,0", "forest");
    reveal(doc, "0,0", "*");
    reveal(doc, "0,0", "*");
    expect(updates).toBe(1);
  });

  it("[MODEL6] helpers tag their transaction with the given origin", () => {
    const doc = new Y.Doc();
    const origins: unknown[] = [];
    doc.on("update", (_u: Uint8Array, origin: unknown) => origins.push(origin));
    const origin = { kind: "test" };
    setLabel(doc, "0,0", "x", origin);
    expect(origins).toEqual([origin]);
  });
});

describe("reveal and hide", () => {
  it("[MODEL8] reveal to a player or to everyone; hide with a target removes only that key", () => {
    const doc = new Y.Doc();
    reveal(doc, "0,0", "alice");
    reveal(doc, "0,0", ALL_PLAYERS);
    expect(isRevealedTo(doc, "0,0", "bob")).toBe(true);
    hide(doc, "0,0", "alice");
    expect(revealKeysOfHex(doc, "0,0")).toEqual(["0,0|*"]);
    expect(isRevealedTo(doc, "0,0", "alice")).toBe(true);
    expect(() => reveal(doc, "0,0", "a:b")).toThrow(RangeError);
  });

  it("[MODEL8] hide without a target removes every reveal of that hex and no other", () => {
    const doc = new Y.Doc();
    reveal(doc, "1,0", "alice");
    reveal(doc, "1,0", "bob");
    reveal(doc, "1,0", ALL_PLAYERS);
    reveal(doc, "10,0", "alice");
    reveal(doc, "1,0", "carol");
    hide(doc, "1,0");
    expect(isRevealedTo(doc, "1,0", "alice")).toBe(false);
    expect(isRevealedTo(doc, "1,0", "carol")).toBe(false);
    expect(isRevealedTo(doc, "10,0", "alice")).toBe(true);
    expect([...dmMaps(doc).reveals.keys()].sort()).toEqual(["10,0|alice"]);
  });
});

describe("player meta", () => {
  it("[MODEL9] projectPlayerMeta copies name and grid, never broadcastMode", () => {
    const dm = new Y.Doc();
    initDmDoc(dm, { name: "Map" });
    setDmSetting(dm, "orientation", "flat");
    expect(projectPlayerMeta(dm)).toEqual({ name: "Map", orientation: "flat", hexSize: 32 });
  });

  it("[MODEL9] applyPlayerMeta writes only changed known keys", () => {
    const pd = new Y.Doc();
    let updates = 0;
    pd.on("update", () => updates++);
    expect(applyPlayerMeta(pd, { name: "Map", orientation: "pointy", hexSize: 40, generation: 2 }, "srv")).toBe(true);
    expect(applyPlayerMeta(pd, { name: "Map", orientation: "pointy", hexSize: 40, generation: 2 }, "srv")).toBe(false);
    expect(updates).toBe(1);
    expect(readPlayerMeta(pd)).toEqual({ name: "Map", orientation: "pointy", hexSize: 40, generation: 2, schemaVersion: 0 });
  });
});

describe("map counts without Y.Map.size", () => {
  it("[MODEL13] mapIsEmpty and mapSize count live entries only (deleted and overwritten keys do not count)", () => {
    const doc = new Y.Doc();
    const map = doc.getMap<unknown>("terrain");
    expect(mapIsEmpty(map)).toBe(true);
    expect(mapSize(map)).toBe(0);
    map.set("0,0", "forest");
    map.set("1,0", "hills");
    map.set("1,0", "swamp");
    expect(mapIsEmpty(map)).toBe(false);
    expect(mapSize(map)).toBe(2);
    map.delete("0,0");
    map.delete("1,0");
    expect(mapIsEmpty(map)).toBe(true);
    expect(mapSize(map)).toBe(0);
    expect(map._map.size).toBe(2);
  });
});
