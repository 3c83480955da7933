import { HEX_DIRECTIONS, hexDistance, hexToPixel, keyOf, parseHexKey, type Axial, type Orientation } from "@hexcrawl/shared/hex";

/**
 * Moving a party from the keyboard (CRAWLUI3): Shift and a digit, laid out like a numeric keypad, point the way on
 * screen — 8 up, 9 up-right, 6 right, 3 down-right, 2 down, 1 down-left, 4 left, 7 up-left — and the step goes to
 * the neighbour whose direction on screen is closest, whatever the grid's orientation (pointy grids have no straight
 * up, so 8 goes up-left or up-right like 7 or 9 would; flat grids have no straight left, and so on). Shift, because
 * the bare digits 1–4 choose the reveal level; the physical key (`KeyboardEvent.code`) is read, as Shift+digit types
 * a different character on every layout.
 */

/** Screen directions of the keypad digits (y grows downward). */
const KEY_VECTORS: Readonly<Record<string, { x: number; y: number }>> = {
  "8": { x: 0, y: -1 },
  "9": { x: 1, y: -1 },
  "6": { x: 1, y: 0 },
  "3": { x: 1, y: 1 },
  "2": { x: 0, y: 1 },
  "1": { x: -1, y: 1 },
  "4": { x: -1, y: 0 },
  "7": { x: -1, y: -1 },
};

/** The digits that step a party. */
export const STEP_KEYS = Object.keys(KEY_VECTORS).sort();
/** The same, as `aria-keyshortcuts`. */
export const STEP_SHORTCUTS = STEP_KEYS.map((k) => `Shift+${k}`).join(" ");

/** The digit of a top-row or keypad key (`Digit8`, `Numpad8` → "8"), or null. */
export function digitOfCode(code: string): string | null {
  const m = /^(?:Digit|Numpad)([0-9])$/.exec(code);
  return m?.[1] ?? null;
}

/** The neighbour of `from` a digit key points to, or null for any other key. Ties go to the first direction. */
export function stepForKey(key: string, from: Axial, orientation: Orientation): Axial | null {
  const v = KEY_VECTORS[key];
  if (!v) return null;
  const len = Math.hypot(v.x, v.y);
  let best: Axial | null = null;
  let bestDot = -Infinity;
  for (const d of HEX_DIRECTIONS) {
    const p = hexToPixel(d, 1, orientation);
    const dot = (p.x * v.x + p.y * v.y) / (Math.hypot(p.x, p.y) * len);
    if (dot > bestDot + 1e-9) {
      bestDot = dot;
      best = d;
    }
  }
  return best ? { q: from.q + best.q, r: from.r + best.r } : null;
}

/** True when `b` is one step from `a` (both hex keys). */
export function isNeighbour(a: string, b: string): boolean {
  const x = parseHexKey(a);
  const y = parseHexKey(b);
  return x !== null && y !== null && hexDistance(x, y) === 1;
}

/** The key a digit steps to from `from` (a hex key), or null. */
export function stepKeyFor(key: string, from: string, orientation: Orientation): string | null {
  const h = parseHexKey(from);
  const to = h ? stepForKey(key, h, orientation) : null;
  return to ? keyOf(to) : null;
}
