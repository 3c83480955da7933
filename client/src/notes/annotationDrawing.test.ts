import { describe, expect, it } from "vitest";
import { MARKER_ICONS } from "@hexcrawl/shared/annotations";
import { ICON_GLYPHS, ICON_NAMES, markerPoint, spread } from "./annotationDrawing.ts";

describe("the players' layer on the map", () => {
  it("[NOTES5] a free marker sits at its offset inside the hex; several markers of one hex spread apart", () => {
    const c = { x: 100, y: 50 };
    const m = { hex: "0,0", icon: "pin" as const, text: "", author: "u" };
    expect(markerPoint(c, m, 20)).toEqual(c);
    expect(markerPoint(c, { ...m, at: { x: 1, y: -0.5 } }, 20)).toEqual({ x: 116, y: 42 });
    expect(spread(c, 0, 1, 20)).toEqual(c);
    const points = [0, 1, 2].map((i) => spread(c, i, 3, 20));
    for (const p of points) expect(Math.hypot(p.x - c.x, p.y - c.y)).toBeCloseTo(8.4, 5);
    expect(new Set(points.map((p) => `${p.x.toFixed(2)},${p.y.toFixed(2)}`)).size).toBe(3);
  });

  it("[NOTES5] every icon has a glyph and a name", () => {
    for (const i of MARKER_ICONS) {
      expect(ICON_GLYPHS[i].length).toBeGreaterThan(0);
      expect(ICON_NAMES[i].length).toBeGreaterThan(0);
    }
  });
});
