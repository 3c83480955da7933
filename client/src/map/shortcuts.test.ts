import { describe, expect, it } from "vitest";
import { shortcutFor, type KeyInput } from "./shortcuts.ts";
import { levelForKey, LEVEL_CHOICES } from "./levels.ts";

const key = (k: string, extra: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  typing: false,
  ...extra,
});

describe("editor shortcuts", () => {
  it("[EDIT8] single keys pick tools, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo", () => {
    expect(shortcutFor(key("p"))).toBe("pan");
    expect(shortcutFor(key("B"))).toBe("brush");
    expect(shortcutFor(key("]"))).toBe("nextTerrain");
    expect(shortcutFor(key("e"))).toBe("erase");
    expect(shortcutFor(key("r"))).toBe("reveal");
    expect(shortcutFor(key("h"))).toBe("hide");
    expect(shortcutFor(key("Escape"))).toBe("deselect");
    expect(shortcutFor(key("?", { shiftKey: true }))).toBe("help");
    expect(shortcutFor(key("z", { ctrlKey: true }))).toBe("undo");
    expect(shortcutFor(key("Z", { ctrlKey: true, shiftKey: true }))).toBe("redo");
    expect(shortcutFor(key("z", { metaKey: true }))).toBe("undo");
    expect(shortcutFor(key("y", { ctrlKey: true }))).toBe("redo");
  });

  it("[EDIT11] digits 1–4 pick the reveal level in order, and match the level table", () => {
    expect(["1", "2", "3", "4"].map((k) => shortcutFor(key(k)))).toEqual(["levelRumoured", "levelSeen", "levelVisited", "levelExplored"]);
    expect(LEVEL_CHOICES.map((c) => levelForKey(c.key))).toEqual(["rumoured", "seen", "visited", "explored"]);
    expect(shortcutFor(key("1", { typing: true }))).toBeNull();
    expect(levelForKey("5")).toBeNull();
  });

  it("[EDIT8] nothing fires while typing in a field or with Alt", () => {
    expect(shortcutFor(key("r", { typing: true }))).toBeNull();
    expect(shortcutFor(key("z", { ctrlKey: true, typing: true }))).toBeNull();
    expect(shortcutFor(key("r", { altKey: true }))).toBeNull();
    expect(shortcutFor(key("x"))).toBeNull();
  });
});
