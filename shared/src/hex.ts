import { z } from "zod";

/**
 * Axial hex coordinates and the maths the map needs (HEX1–HEX9 in SPEC.md).
 * Formulas follow the standard cube/axial model (q + r + s = 0).
 */

/** Largest absolute value of q or r a hex key may hold; keeps keys short and maps finite. */
export const HEX_COORD_MAX = 10_000;

/** Largest number of hexes a generated map may have (rectangleHexes / hexesInRange). */
export const MAX_MAP_HEXES = 200_000;

/** An axial coordinate. `s` is implied: s = -q - r. */
export interface Axial {
  q: number;
  r: number;
}

/** A canonical hex key `"q,r"` (integers, no leading zeros, no `-0`, |q|,|r| <= HEX_COORD_MAX). */
export type HexKey = string;

/** Grid orientation: `pointy` has a vertex at the top, `flat` an edge at the top. */
export const Orientation = { pointy: "pointy", flat: "flat" } as const;
export type Orientation = (typeof Orientation)[keyof typeof Orientation];
export const OrientationSchema = z.enum(["pointy", "flat"]);

/** True when both coordinates are integers inside the key bounds. */
export function inBounds(h: Axial): boolean {
  return (
    Number.isSafeInteger(h.q) &&
    Number.isSafeInteger(h.r) &&
    Math.abs(h.q) <= HEX_COORD_MAX &&
    Math.abs(h.r) <= HEX_COORD_MAX
  );
}

/**
 * The key of a hex. Throws RangeError outside the bounds: a bad key is a programming error here,
 * untrusted input goes through `parseHexKey` / `HexKeySchema` instead.
 */
export function hexKey(q: number, r: number): HexKey {
  if (!inBounds({ q, r })) throw new RangeError(`hex out of bounds: ${q},${r}`);
  // `+ 0` turns -0 into 0 so one hex has exactly one key.
  return `${q + 0},${r + 0}`;
}

/** Key of an axial coordinate. */
export function keyOf(h: Axial): HexKey {
  return hexKey(h.q, h.r);
}

const HEX_KEY_RE = /^(0|-?[1-9][0-9]{0,4}),(0|-?[1-9][0-9]{0,4})$/;

/** Parse a hex key; `null` unless it is canonical and in bounds (so one hex never has two keys). */
export function parseHexKey(key: string): Axial | null {
  if (typeof key !== "string" || key.length > 13) return null;
  const m = HEX_KEY_RE.exec(key);
  if (!m) return null;
  const q = Number(m[1]);
  const r = Number(m[2]);
  if (!inBounds({ q, r })) return null;
  return { q, r };
}

/** True for a canonical in-bounds hex key. */
export function isHexKey(key: unknown): key is HexKey {
  return typeof key === "string" && parseHexKey(key) !== null;
}

/** zod schema of a canonical hex key. */
export const HexKeySchema = z
  .string()
  .max(13)
  .refine((s) => parseHexKey(s) !== null, { message: "not a hex key" });

/** The six axial directions, counter-clockwise starting east (pointy) / south-east (flat). */
export const HEX_DIRECTIONS: readonly Axial[] = [
  { q: 1, r: 0 },
  { q: 1, r: -1 },
  { q: 0, r: -1 },
  { q: -1, r: 0 },
  { q: -1, r: 1 },
  { q: 0, r: 1 },
];

/** The in-bounds neighbours of a hex (six, fewer at the edge of the key space). */
export function neighbours(h: Axial): Axial[] {
  return HEX_DIRECTIONS.map((d) => ({ q: h.q + d.q, r: h.r + d.r })).filter(inBounds);
}

/** Number of steps between two hexes. */
export function hexDistance(a: Axial, b: Axial): number {
  const dq = a.q - b.q;
  const dr = a.r - b.r;
  return (Math.abs(dq) + Math.abs(dr) + Math.abs(dq + dr)) / 2;
}

/** Every in-bounds hex within `radius` steps of `center` (a hexagon of 3r(r+1)+1 hexes). */
export function hexesInRange(center: Axial, radius: number): Axial[] {
  if (!Number.isSafeInteger(radius) || radius < 0) throw new RangeError(`bad radius ${radius}`);
  if (3 * radius * (radius + 1) + 1 > MAX_MAP_HEXES) throw new RangeError(`radius ${radius} too large`);
  const out: Axial[] = [];
  for (let dq = -radius; dq <= radius; dq++) {
    const lo = Math.max(-radius, -dq - radius);
    const hi = Math.min(radius, -dq + radius);
    for (let dr = lo; dr <= hi; dr++) {
      const h = { q: center.q + dq, r: center.r + dr };
      if (inBounds(h)) out.push(h);
    }
  }
  return out;
}

/**
 * A rectangular map of `cols` x `rows` hexes with its top-left hex at 0,0, laid out so it looks
 * rectangular on screen: rows shoved by odd-r offset for `pointy`, columns by odd-q offset for `flat`.
 */
export function rectangleHexes(cols: number, rows: number, orientation: Orientation): Axial[] {
  if (!Number.isSafeInteger(cols) || !Number.isSafeInteger(rows) || cols < 0 || rows < 0) {
    throw new RangeError(`bad map size ${cols}x${rows}`);
  }
  if (cols * rows > MAX_MAP_HEXES) throw new RangeError(`map ${cols}x${rows} too large`);
  if (cols > HEX_COORD_MAX || rows > HEX_COORD_MAX) throw new RangeError(`map ${cols}x${rows} out of bounds`);
  const out: Axial[] = [];
  if (orientation === Orientation.pointy) {
    for (let row = 0; row < rows; row++) {
      const shift = Math.floor(row / 2);
      for (let col = 0; col < cols; col++) out.push({ q: col - shift, r: row });
    }
  } else {
    for (let col = 0; col < cols; col++) {
      const shift = Math.floor(col / 2);
      for (let row = 0; row < rows; row++) out.push({ q: col, r: row - shift });
    }
  }
  return out;
}

/** Round fractional axial coordinates to the hex that contains them (cube rounding). */
export function hexRound(q: number, r: number): Axial {
  const s = -q - r;
  let rq = Math.round(q);
  let rr = Math.round(r);
  const rs = Math.round(s);
  const dq = Math.abs(rq - q);
  const dr = Math.abs(rr - r);
  const ds = Math.abs(rs - s);
  // Fix the coordinate with the largest rounding error so q + r + s stays 0.
  if (dq > dr && dq > ds) rq = -rr - rs;
  else if (dr > ds) rr = -rq - rs;
  return { q: rq + 0, r: rr + 0 };
}

/**
 * The hexes on the straight line from `a` to `b`, both included, each adjacent to the next
 * (used for drag painting so a fast drag leaves no gaps). Length is distance + 1.
 */
export function hexLine(a: Axial, b: Axial): Axial[] {
  const n = hexDistance(a, b);
  if (n === 0) return [{ q: a.q, r: a.r }];
  // A tiny nudge keeps points on an edge from flipping between the two hexes it separates.
  const aq = a.q + 1e-6;
  const ar = a.r + 1e-6;
  const bq = b.q + 1e-6;
  const br = b.r + 1e-6;
  const out: Axial[] = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    out.push(hexRound(aq + (bq - aq) * t, ar + (br - ar) * t));
  }
  return out;
}

/** A point in pixels; y grows downwards (SVG / canvas). */
export interface Point {
  x: number;
  y: number;
}

const SQRT3 = Math.sqrt(3);

/** Centre of a hex in pixels; `size` is the centre-to-corner distance, hex 0,0 is at the origin. */
export function hexToPixel(h: Axial, size: number, orientation: Orientation): Point {
  if (orientation === Orientation.pointy) {
    return { x: size * (SQRT3 * h.q + (SQRT3 / 2) * h.r), y: size * (1.5 * h.r) };
  }
  return { x: size * (1.5 * h.q), y: size * ((SQRT3 / 2) * h.q + SQRT3 * h.r) };
}

/** Fractional axial coordinates of a pixel (inverse of hexToPixel). */
export function pixelToFractionalHex(p: Point, size: number, orientation: Orientation): { q: number; r: number } {
  if (orientation === Orientation.pointy) {
    return { q: ((SQRT3 / 3) * p.x - (1 / 3) * p.y) / size, r: ((2 / 3) * p.y) / size };
  }
  return { q: ((2 / 3) * p.x) / size, r: ((-1 / 3) * p.x + (SQRT3 / 3) * p.y) / size };
}

/** The hex under a pixel (may be out of bounds: check `inBounds` before making a key). */
export function pixelToHex(p: Point, size: number, orientation: Orientation): Axial {
  const f = pixelToFractionalHex(p, size, orientation);
  return hexRound(f.q, f.r);
}

/** The six corners of a hex in pixels, for drawing its polygon. */
export function hexCorners(h: Axial, size: number, orientation: Orientation): Point[] {
  const c = hexToPixel(h, size, orientation);
  const startDeg = orientation === Orientation.pointy ? -30 : 0;
  const out: Point[] = [];
  for (let i = 0; i < 6; i++) {
    const rad = ((startDeg + 60 * i) * Math.PI) / 180;
    out.push({ x: c.x + size * Math.cos(rad), y: c.y + size * Math.sin(rad) });
  }
  return out;
}

/** Deterministic order of hex keys: by r, then q; non-keys last, by string. */
export function compareHexKeys(a: HexKey, b: HexKey): number {
  const pa = parseHexKey(a);
  const pb = parseHexKey(b);
  if (pa && pb) return pa.r - pb.r || pa.q - pb.q;
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
