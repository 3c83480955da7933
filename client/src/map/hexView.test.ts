import { describe, expect, it } from "vitest";
import { hexCorners, hexToPixel, Orientation, pixelToHex } from "@hexcrawl/shared/hex";
import { forEachHexInRect, hexCornerOffsets, hexCountInRect } from "./hexView.ts";

describe("hex view", () => {
  it("[CLIENT10] the visible-hex walk covers every hex under the rectangle, both orientations", () => {
    for (const o of Object.values(Orientation)) {
      const rect = { minX: -100, minY: -80, maxX: 260, maxY: 190 };
      const seen = new Set<string>();
      forEachHexInRect(rect, 20, o, (q, r) => seen.add(`${q},${r}`));
      for (let x = rect.minX; x <= rect.maxX; x += 7) {
        for (let y = rect.minY; y <= rect.maxY; y += 7) {
          const h = pixelToHex({ x, y }, 20, o);
          expect(seen.has(`${h.q},${h.r}`), `${o} ${x},${y}`).toBe(true);
        }
      }
      // The walk stays close to the estimate used to pick the drawing strategy.
      expect(seen.size).toBeLessThan(hexCountInRect(rect, 20) * 1.6);
    }
  });

  it("[CLIENT10] corner offsets match shared hexCorners", () => {
    for (const o of Object.values(Orientation)) {
      const h = { q: 3, r: -2 };
      const c = hexToPixel(h, 32, o);
      const fromOffsets = hexCornerOffsets(32, o).map((p) => ({ x: c.x + p.x, y: c.y + p.y }));
      const shared = hexCorners(h, 32, o);
      fromOffsets.forEach((p, i) => {
        expect(p.x).toBeCloseTo(shared[i]!.x);
        expect(p.y).toBeCloseTo(shared[i]!.y);
      });
    }
  });
});
