import { describe, expect, it } from "vitest";
import {
  compareHexKeys,
  HEX_COORD_MAX,
  hexCorners,
  hexDistance,
  hexesInRange,
  hexKey,
  HexKeySchema,
  hexLine,
  hexRound,
  hexToPixel,
  keyOf,
  neighbours,
  parseHexKey,
  pixelToHex,
  rectangleHexes,
  type Axial,
  type Orientation,
} from "./hex.ts";

const ORIENTATIONS: Orientation[] = ["pointy", "flat"];

describe("hex keys", () => {
  it("[HEX1] hexKey and parseHexKey round-trip canonical keys", () => {
    for (const [q, r] of [
      [0, 0],
      [3, -7],
      [-10000, 10000],
      [42, 0],
    ] as const) {
      const k = hexKey(q, r);
      expect(k).toBe(`${q},${r}`);
      expect(parseHexKey(k)).toEqual({ q, r });
    }
    expect(hexKey(-0, -0)).toBe("0,0");
  });

  it("[HEX1] hexKey throws outside bounds or for non-integers", () => {
    expect(() => hexKey(HEX_COORD_MAX + 1, 0)).toThrow(RangeError);
    expect(() => hexKey(0.5, 0)).toThrow(RangeError);
    expect(() => hexKey(Number.NaN, 0)).toThrow(RangeError);
  });

  it("[HEX2] parseHexKey rejects every non-canonical or out-of-bounds key", () => {
    for (const bad of ["", "1", "1,", ",1", "1,2,3", "01,2", "-0,0", "0,-0", "1.5,2", " 1,2", "1, 2", "+1,2", "10001,0", "0,-10001", "a,b", "1e3,0", "99999,0", "1|2"]) {
      expect(parseHexKey(bad), bad).toBeNull();
      expect(HexKeySchema.safeParse(bad).success, bad).toBe(false);
    }
    expect(HexKeySchema.safeParse("-3,4").success).toBe(true);
    expect(HexKeySchema.safeParse(12).success).toBe(false);
  });

  it("[HEX9] compareHexKeys orders by r then q, non-keys last", () => {
    const keys = ["1,1", "0,1", "5,0", "zz", "-1,0"];
    expect(keys.sort(compareHexKeys)).toEqual(["-1,0", "5,0", "0,1", "1,1", "zz"]);
  });
});

describe("hex neighbourhood", () => {
  it("[HEX3] a hex has six neighbours, each at distance 1", () => {
    const c = { q: 2, r: -3 };
    const ns = neighbours(c);
    expect(ns).toHaveLength(6);
    expect(new Set(ns.map(keyOf)).size).toBe(6);
    for (const n of ns) expect(hexDistance(c, n)).toBe(1);
  });

  it("[HEX3] neighbours stop at the key bounds", () => {
    expect(neighbours({ q: HEX_COORD_MAX, r: 0 })).toHaveLength(4);
  });

  it("[HEX3] distance is symmetric and matches known values", () => {
    expect(hexDistance({ q: 0, r: 0 }, { q: 3, r: -3 })).toBe(3);
    expect(hexDistance({ q: 0, r: 0 }, { q: 2, r: 1 })).toBe(3);
    expect(hexDistance({ q: -1, r: 4 }, { q: 2, r: -1 })).toBe(5);
    expect(hexDistance({ q: 2, r: -1 }, { q: -1, r: 4 })).toBe(5);
  });

  it("[HEX4] hexesInRange gives 3r(r+1)+1 distinct hexes within r", () => {
    for (const radius of [0, 1, 2, 5]) {
      const c = { q: 1, r: 1 };
      const hs = hexesInRange(c, radius);
      expect(hs).toHaveLength(3 * radius * (radius + 1) + 1);
      expect(new Set(hs.map(keyOf)).size).toBe(hs.length);
      for (const h of hs) expect(hexDistance(c, h)).toBeLessThanOrEqual(radius);
    }
    expect(() => hexesInRange({ q: 0, r: 0 }, -1)).toThrow(RangeError);
    expect(() => hexesInRange({ q: 0, r: 0 }, 1000)).toThrow(RangeError);
  });

  it("[HEX4] rectangleHexes lays out rows (pointy) or columns (flat) that look rectangular", () => {
    for (const o of ORIENTATIONS) {
      const hs = rectangleHexes(5, 4, o);
      expect(hs).toHaveLength(20);
      expect(new Set(hs.map(keyOf)).size).toBe(20);
      // On screen: 4 distinct row y's (pointy) or 5 distinct column x's (flat), and a bounded width.
      const pts = hs.map((h) => hexToPixel(h, 10, o));
      const xs = new Set(pts.map((p) => Math.round(p.x)));
      const ys = new Set(pts.map((p) => Math.round(p.y)));
      if (o === "pointy") {
        expect(ys.size).toBe(4);
        const width = Math.max(...pts.map((p) => p.x)) - Math.min(...pts.map((p) => p.x));
        expect(width).toBeLessThan(10 * Math.sqrt(3) * 5);
      } else {
        expect(xs.size).toBe(5);
        const height = Math.max(...pts.map((p) => p.y)) - Math.min(...pts.map((p) => p.y));
        expect(height).toBeLessThan(10 * Math.sqrt(3) * 4);
      }
    }
    expect(rectangleHexes(0, 3, "flat")).toEqual([]);
    expect(() => rectangleHexes(1000, 1000, "pointy")).toThrow(RangeError);
  });
});

describe("hex lines", () => {
  it("[HEX5] hexLine has distance+1 hexes, adjacent steps, both ends included", () => {
    const pairs: [Axial, Axial][] = [
      [{ q: 0, r: 0 }, { q: 0, r: 0 }],
      [{ q: 0, r: 0 }, { q: 5, r: 0 }],
      [{ q: -3, r: 2 }, { q: 4, r: -1 }],
      [{ q: 0, r: 0 }, { q: 3, r: -6 }],
      [{ q: 7, r: 7 }, { q: -7, r: 2 }],
    ];
    for (const [a, b] of pairs) {
      const line = hexLine(a, b);
      expect(line).toHaveLength(hexDistance(a, b) + 1);
      expect(line[0]).toEqual(a);
      expect(line.at(-1)).toEqual(b);
      for (let i = 1; i < line.length; i++) expect(hexDistance(line[i - 1]!, line[i]!)).toBe(1);
    }
  });
});

describe("hex pixels", () => {
  it("[HEX6] hexToPixel then pixelToHex returns the same hex, both orientations", () => {
    for (const o of ORIENTATIONS) {
      for (const h of hexesInRange({ q: 3, r: -2 }, 4)) {
        expect(pixelToHex(hexToPixel(h, 24, o), 24, o)).toEqual(h);
      }
    }
  });

  it("[HEX6] a point just inside a corner belongs to that hex", () => {
    for (const o of ORIENTATIONS) {
      const h = { q: -2, r: 5 };
      const c = hexToPixel(h, 30, o);
      for (const corner of hexCorners(h, 30, o)) {
        const p = { x: c.x + (corner.x - c.x) * 0.95, y: c.y + (corner.y - c.y) * 0.95 };
        expect(pixelToHex(p, 30, o)).toEqual(h);
      }
    }
  });

  it("[HEX6] neighbour centres are sqrt(3)*size apart", () => {
    for (const o of ORIENTATIONS) {
      const a = hexToPixel({ q: 0, r: 0 }, 10, o);
      for (const n of neighbours({ q: 0, r: 0 })) {
        const b = hexToPixel(n, 10, o);
        expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeCloseTo(10 * Math.sqrt(3), 9);
      }
    }
  });

  it("[HEX7] pointy hexes have a corner at the top, flat hexes an edge", () => {
    const pointy = hexCorners({ q: 0, r: 0 }, 10, "pointy");
    expect(Math.min(...pointy.map((p) => p.y))).toBeCloseTo(-10, 9);
    const flat = hexCorners({ q: 0, r: 0 }, 10, "flat");
    expect(Math.min(...flat.map((p) => p.y))).toBeCloseTo(-5 * Math.sqrt(3), 9);
  });

  it("[HEX8] hexRound keeps q+r+s = 0 and never returns -0", () => {
    expect(hexRound(0.4, -0.3)).toEqual({ q: 0, r: 0 });
    expect(Object.is(hexRound(-0.2, -0.1).q, -0)).toBe(false);
    const h = hexRound(1.6, -0.7);
    expect(hexDistance(h, { q: 2, r: -1 })).toBe(0);
  });
});
