/**
 * Keyboard shortcuts of the DM editor (EDIT8), as a pure mapping from a key event to an action so the
 * table is unit-tested and shown in the UI from one place. Shortcuts never fire while the user types
 * in a field, and never with Alt/Meta (browser and OS shortcuts stay theirs).
 */

/** Editor actions reachable from the keyboard. */
export const ShortcutAction = {
  pan: "pan",
  brush: "brush",
  prevTerrain: "prevTerrain",
  nextTerrain: "nextTerrain",
  erase: "erase",
  reveal: "reveal",
  hide: "hide",
  levelRumoured: "levelRumoured",
  levelSeen: "levelSeen",
  levelVisited: "levelVisited",
  levelExplored: "levelExplored",
  undo: "undo",
  redo: "redo",
  deselect: "deselect",
  help: "help",
} as const;
export type ShortcutAction = (typeof ShortcutAction)[keyof typeof ShortcutAction];

/** The keys, for help text and `aria-keyshortcuts`. */
export const SHORTCUT_KEYS: Record<ShortcutAction, string> = {
  pan: "P",
  brush: "B",
  prevTerrain: "[",
  nextTerrain: "]",
  erase: "E",
  reveal: "R",
  hide: "H",
  levelRumoured: "1",
  levelSeen: "2",
  levelVisited: "3",
  levelExplored: "4",
  undo: "Control+Z",
  redo: "Control+Shift+Z",
  deselect: "Escape",
  help: "?",
};

/** What a shortcut looks at (a subset of KeyboardEvent, so tests need no DOM). */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  /** The focused element is a text field, select or contenteditable. */
  typing: boolean;
}

/** The action for a key press, or null. */
export function shortcutFor(e: KeyInput): ShortcutAction | null {
  if (e.altKey) return null;
  const k = e.key.toLowerCase();
  // Undo/redo: Ctrl (Cmd on macOS). Inside a text field the browser's own text undo wins.
  if (e.ctrlKey || e.metaKey) {
    if (e.typing) return null;
    if (k === "z") return e.shiftKey ? ShortcutAction.redo : ShortcutAction.undo;
    if (k === "y" && !e.shiftKey) return ShortcutAction.redo;
    return null;
  }
  if (e.typing) return null;
  switch (k) {
    case "p":
      return ShortcutAction.pan;
    case "b":
      return ShortcutAction.brush;
    case "[":
      return ShortcutAction.prevTerrain;
    case "]":
      return ShortcutAction.nextTerrain;
    case "e":
      return ShortcutAction.erase;
    case "r":
      return ShortcutAction.reveal;
    case "h":
      return ShortcutAction.hide;
    case "1":
      return ShortcutAction.levelRumoured;
    case "2":
      return ShortcutAction.levelSeen;
    case "3":
      return ShortcutAction.levelVisited;
    case "4":
      return ShortcutAction.levelExplored;
    case "escape":
      return ShortcutAction.deselect;
    case "?":
      return ShortcutAction.help;
    default:
      return null;
  }
}

/** True when the event target is somewhere the user types. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (typeof HTMLElement === "undefined" || !(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  return !["button", "checkbox", "radio", "submit", "reset", "range", "color"].includes(type);
}
