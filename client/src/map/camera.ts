import type { Point } from "@hexcrawl/shared/hex";
import type { Rect } from "./hexView.ts";

/**
 * Pan/zoom state of the map as a pure value: `screen = world · scale + offset` (CSS pixels).
 * Every gesture is a function from camera to camera, so it is testable without a canvas.
 */
export interface Camera {
  offsetX: number;
  offsetY: number;
  scale: number;
}

/** Zoom limits: below MIN a 24-unit hex is ~1 px; above MAX one hex fills a phone screen. */
export const MIN_ZOOM_SCALE = 0.05;
export const MAX_ZOOM_SCALE = 8;

export function clampScale(scale: number): number {
  return Math.min(MAX_ZOOM_SCALE, Math.max(MIN_ZOOM_SCALE, scale));
}

export function screenToWorld(c: Camera, p: Point): Point {
  return { x: (p.x - c.offsetX) / c.scale, y: (p.y - c.offsetY) / c.scale };
}

export function worldToScreen(c: Camera, p: Point): Point {
  return { x: p.x * c.scale + c.offsetX, y: p.y * c.scale + c.offsetY };
}

/** The world rectangle visible in a viewport of the given CSS size. */
export function visibleWorldRect(c: Camera, widthPx: number, heightPx: number): Rect {
  const a = screenToWorld(c, { x: 0, y: 0 });
  const b = screenToWorld(c, { x: widthPx, y: heightPx });
  return { minX: a.x, minY: a.y, maxX: b.x, maxY: b.y };
}

export function pan(c: Camera, dx: number, dy: number): Camera {
  return { ...c, offsetX: c.offsetX + dx, offsetY: c.offsetY + dy };
}

/** Zoom by `factor`, keeping the world point under `at` (screen) fixed. */
export function zoomAt(c: Camera, at: Point, factor: number): Camera {
  const scale = clampScale(c.scale * factor);
  const w = screenToWorld(c, at);
  return { scale, offsetX: at.x - w.x * scale, offsetY: at.y - w.y * scale };
}

/** Zoom factor for a wheel event; pixel-mode deltas of ~100 per notch give ~10% per notch. */
export function wheelZoomFactor(deltaY: number, deltaMode: number): number {
  // deltaMode 1 = lines, 2 = pages; normalise to pixels.
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-px * 0.001);
}

/** Two-finger gesture: zoom by the change in finger distance around their midpoint, and pan with it. */
export function pinch(c: Camera, from: [Point, Point], to: [Point, Point]): Camera {
  const d0 = Math.hypot(from[1].x - from[0].x, from[1].y - from[0].y);
  const d1 = Math.hypot(to[1].x - to[0].x, to[1].y - to[0].y);
  const m0 = { x: (from[0].x + from[1].x) / 2, y: (from[0].y + from[1].y) / 2 };
  const m1 = { x: (to[0].x + to[1].x) / 2, y: (to[0].y + to[1].y) / 2 };
  const zoomed = d0 > 0 && d1 > 0 ? zoomAt(c, m0, d1 / d0) : c;
  return pan(zoomed, m1.x - m0.x, m1.y - m0.y);
}

/** A camera that puts world point `center` in the middle of the viewport. */
export function centeredOn(center: Point, widthPx: number, heightPx: number, scale: number): Camera {
  const s = clampScale(scale);
  return { scale: s, offsetX: widthPx / 2 - center.x * s, offsetY: heightPx / 2 - center.y * s };
}
