import { Orientation } from "@hexcrawl/shared/hex";
import type { Point } from "@hexcrawl/shared/hex";

/**
 * Viewport helpers for drawing the map: what is visible and how to outline a hex. The hex maths
 * itself (keys, pixel ↔ axial, lines) comes from shared/src/hex.ts; this is only the drawing side.
 */

/** A rectangle in world units. */
export interface Rect {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

const SQRT3 = Math.sqrt(3);

/** Corner offsets from a hex centre (6 points), so a path can be built without allocating per hex. */
export function hexCornerOffsets(size: number, orientation: Orientation): Point[] {
  const start = orientation === Orientation.pointy ? -30 : 0;
  const out: Point[] = [];
  for (let i = 0; i < 6; i++) {
    const a = ((start + 60 * i) * Math.PI) / 180;
    out.push({ x: size * Math.cos(a), y: size * Math.sin(a) });
  }
  return out;
}

/** Upper bound of grid hexes intersecting a world rectangle, to choose a drawing strategy. */
export function hexCountInRect(rect: Rect, size: number): number {
  const w = Math.max(0, rect.maxX - rect.minX) + 2 * size;
  const h = Math.max(0, rect.maxY - rect.minY) + 2 * size;
  // One hex covers 1.5·√3·size² of area; a small constant covers the rounded edges.
  return Math.ceil((w * h) / (1.5 * SQRT3 * size * size)) + 4;
}

/** Call `visit` for every hex whose centre lies within one hex of the rectangle (so edges are covered). */
export function forEachHexInRect(
  rect: Rect,
  size: number,
  orientation: Orientation,
  visit: (q: number, r: number) => void,
): void {
  if (orientation === Orientation.pointy) {
    const rowH = 1.5 * size;
    const colW = SQRT3 * size;
    const r0 = Math.floor((rect.minY - size) / rowH);
    const r1 = Math.ceil((rect.maxY + size) / rowH);
    for (let r = r0; r <= r1; r++) {
      const q0 = Math.floor((rect.minX - size) / colW - r / 2);
      const q1 = Math.ceil((rect.maxX + size) / colW - r / 2);
      for (let q = q0; q <= q1; q++) visit(q, r);
    }
    return;
  }
  const colW = 1.5 * size;
  const rowH = SQRT3 * size;
  const q0 = Math.floor((rect.minX - size) / colW);
  const q1 = Math.ceil((rect.maxX + size) / colW);
  for (let q = q0; q <= q1; q++) {
    const r0 = Math.floor((rect.minY - size) / rowH - q / 2);
    const r1 = Math.ceil((rect.maxY + size) / rowH - q / 2);
    for (let r = r0; r <= r1; r++) visit(q, r);
  }
}
