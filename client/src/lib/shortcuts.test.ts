import { describe, expect, it } from "vitest";
import { shortcutFor, type KeyInput } from "./shortcuts.ts";

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
    expect(shortcutFor(key("z", { ctrlKey: true }))).toBe("undo");
    expect(shortcutFor(key("Z", { ctrlKey: true, shiftKey: true }))).toBe("redo");
    expect(shortcutFor(key("z", { metaKey: true }))).toBe("undo");
    expect(shortcutFor(key("y", { ctrlKey: true }))).toBe("redo");
  });

  it("[EDIT8] nothing fires while typing in a field or with Alt", () => {
    expect(shortcutFor(key("r", { typing: true }))).toBeNull();
    expect(shortcutFor(key("z", { ctrlKey: true, typing: true }))).toBeNull();
    expect(shortcutFor(key("r", { altKey: true }))).toBeNull();
    expect(shortcutFor(key("x"))).toBeNull();
  });
});
