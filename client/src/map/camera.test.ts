import { describe, expect, it } from "vitest";
import { MAX_ZOOM_SCALE, MIN_ZOOM_SCALE, pan, pinch, screenToWorld, wheelZoomFactor, worldToScreen, zoomAt } from "./camera.ts";

const cam = { offsetX: 100, offsetY: 50, scale: 2 };

describe("camera", () => {
  it("[CLIENT11] screen and world conversions invert each other", () => {
    const w = screenToWorld(cam, { x: 300, y: 250 });
    expect(worldToScreen(cam, w)).toEqual({ x: 300, y: 250 });
  });

  it("[CLIENT11] zoom keeps the point under the cursor fixed and respects the limits", () => {
    const at = { x: 321, y: 123 };
    const before = screenToWorld(cam, at);
    const z = zoomAt(cam, at, 1.7);
    const after = screenToWorld(z, at);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
    expect(zoomAt(cam, at, 1e9).scale).toBe(MAX_ZOOM_SCALE);
    expect(zoomAt(cam, at, 1e-9).scale).toBe(MIN_ZOOM_SCALE);
  });

  it("[CLIENT11] wheel down zooms out, wheel up zooms in", () => {
    expect(wheelZoomFactor(100, 0)).toBeLessThan(1);
    expect(wheelZoomFactor(-100, 0)).toBeGreaterThan(1);
    expect(wheelZoomFactor(3, 1)).toBeCloseTo(wheelZoomFactor(48, 0));
  });

  it("[CLIENT11] pinch: spreading fingers zooms in around their midpoint; moving both pans", () => {
    const from: [{ x: number; y: number }, { x: number; y: number }] = [{ x: 100, y: 100 }, { x: 200, y: 100 }];
    const spread = pinch(cam, from, [{ x: 50, y: 100 }, { x: 250, y: 100 }]);
    expect(spread.scale).toBeCloseTo(cam.scale * 2);
    const mid = screenToWorld(cam, { x: 150, y: 100 });
    expect(worldToScreen(spread, mid).x).toBeCloseTo(150);
    const moved = pinch(cam, from, [{ x: 110, y: 130 }, { x: 210, y: 130 }]);
    expect(moved).toEqual(pan(cam, 10, 30));
  });
});
