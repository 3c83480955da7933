import type { Point } from "@hexcrawl/shared/hex";

/**
 * Something drawn over the map by another area (the players' notes and markers, client/src/notes/): the map calls
 * `draw` in screen space after its own layers, and redraws when `revision` changes. `at` gives a hex's centre in
 * CSS pixels (or null for a bad key); `radiusPx` is a hex's radius on screen.
 */
export interface ScreenOverlay {
  readonly revision: number;
  draw(ctx: CanvasRenderingContext2D, at: (hex: string) => Point | null, radiusPx: number, viewport: { width: number; height: number }): void;
}
