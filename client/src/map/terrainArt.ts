import type { Point } from "@hexcrawl/shared/hex";

/**
 * Terrain marks drawn in code (LAYOUT3): trees for forest, peaks for mountains, waves for water, a house for a
 * settlement… as line paths in world units, added to one Path2D per ink so a frame strokes each ink once. Each
 * mark is made of a few strokes in the unit hex (radius 1), scaled by the hex size and nudged by a stable
 * per-hex offset so a forest does not look stamped. Made for this project; no artwork from elsewhere.
 */

/** Ink over light fills, and over dark ones (forest, jungle, swamp, water, settlement). */
export const TERRAIN_MARK_COLOUR = "rgba(20, 24, 18, 0.55)";
export const TERRAIN_MARK_LIGHT = "rgba(245, 248, 240, 0.6)";

/** Terrains drawn with the light ink. */
const LIGHT_INK = new Set(["forest", "jungle", "swamp", "water", "settlement"]);

/** Which ink a terrain's mark uses. */
export function inkOf(terrain: string): "dark" | "light" {
  return LIGHT_INK.has(terrain) ? "light" : "dark";
}

type Pen = (path: Path2D, x: number, y: number, s: number) => void;

const tree: Pen = (p, x, y, s) => {
  p.moveTo(x, y - 0.2 * s);
  p.lineTo(x - 0.12 * s, y + 0.06 * s);
  p.lineTo(x + 0.12 * s, y + 0.06 * s);
  p.closePath();
  p.moveTo(x, y + 0.06 * s);
  p.lineTo(x, y + 0.15 * s);
};

const palm: Pen = (p, x, y, s) => {
  p.moveTo(x, y + 0.16 * s);
  p.quadraticCurveTo(x + 0.04 * s, y, x, y - 0.12 * s);
  for (const dx of [-0.14, 0.14]) {
    p.moveTo(x, y - 0.12 * s);
    p.quadraticCurveTo(x + dx * 0.6 * s, y - 0.2 * s, x + dx * s, y - 0.06 * s);
  }
};

const PENS: Record<string, (p: Path2D, c: Point, s: number, j: number) => void> = {
  plains: (p, c, s, j) => {
    for (const [dx, dy] of [
      [-0.3, 0.12],
      [0.26, -0.12],
      [0.04, 0.34],
    ] as const) {
      const x = c.x + (dx + j) * s;
      const y = c.y + dy * s;
      p.moveTo(x - 0.07 * s, y - 0.09 * s);
      p.lineTo(x, y);
      p.lineTo(x + 0.07 * s, y - 0.09 * s);
      p.moveTo(x, y);
      p.lineTo(x, y - 0.1 * s);
    }
  },
  forest: (p, c, s, j) => {
    for (const [dx, dy] of [
      [-0.27, 0.08],
      [0.27, 0.08],
      [0, -0.2],
      [0.02, 0.32],
    ] as const) {
      tree(p, c.x + (dx + j) * s, c.y + dy * s, s);
    }
  },
  jungle: (p, c, s, j) => {
    for (const [dx, dy] of [
      [-0.25, 0.1],
      [0.25, 0.05],
      [0, -0.2],
    ] as const) {
      palm(p, c.x + (dx + j) * s, c.y + dy * s, s);
    }
  },
  hills: (p, c, s, j) => {
    const x = c.x + j * s;
    p.moveTo(x - 0.45 * s, c.y + 0.12 * s);
    p.quadraticCurveTo(x - 0.22 * s, c.y - 0.28 * s, x + 0.02 * s, c.y + 0.12 * s);
    p.moveTo(x - 0.05 * s, c.y - 0.02 * s);
    p.quadraticCurveTo(x + 0.2 * s, c.y - 0.38 * s, x + 0.42 * s, c.y + 0.02 * s);
  },
  mountains: (p, c, s, j) => {
    const x = c.x + j * s;
    p.moveTo(x - 0.5 * s, c.y + 0.28 * s);
    p.lineTo(x - 0.15 * s, c.y - 0.34 * s);
    p.lineTo(x + 0.08 * s, c.y + 0.06 * s);
    p.lineTo(x + 0.25 * s, c.y - 0.18 * s);
    p.lineTo(x + 0.5 * s, c.y + 0.28 * s);
    // Snow line on the high peak.
    p.moveTo(x - 0.27 * s, c.y - 0.13 * s);
    p.lineTo(x - 0.17 * s, c.y - 0.06 * s);
    p.lineTo(x - 0.08 * s, c.y - 0.16 * s);
  },
  swamp: (p, c, s, j) => {
    const x = c.x + j * s;
    for (const dy of [0.08, 0.26]) {
      p.moveTo(x - 0.3 * s, c.y + dy * s);
      p.lineTo(x + 0.3 * s, c.y + dy * s);
    }
    for (const dx of [-0.14, 0, 0.14]) {
      p.moveTo(x + dx * s, c.y + 0.08 * s);
      p.lineTo(x + (dx + 0.03) * s, c.y - 0.22 * s);
    }
  },
  desert: (p, c, s, j) => {
    const x = c.x + j * s;
    p.moveTo(x - 0.45 * s, c.y + 0.05 * s);
    p.quadraticCurveTo(x - 0.15 * s, c.y - 0.22 * s, x + 0.1 * s, c.y + 0.05 * s);
    p.moveTo(x - 0.1 * s, c.y + 0.3 * s);
    p.quadraticCurveTo(x + 0.18 * s, c.y + 0.04 * s, x + 0.45 * s, c.y + 0.3 * s);
  },
  tundra: (p, c, s, j) => {
    for (const [dx, dy] of [
      [-0.22, -0.05],
      [0.22, 0.18],
    ] as const) {
      const x = c.x + (dx + j) * s;
      const y = c.y + dy * s;
      for (let k = 0; k < 3; k++) {
        const a = (k * Math.PI) / 3;
        p.moveTo(x - Math.cos(a) * 0.11 * s, y - Math.sin(a) * 0.11 * s);
        p.lineTo(x + Math.cos(a) * 0.11 * s, y + Math.sin(a) * 0.11 * s);
      }
    }
  },
  water: (p, c, s, j) => {
    for (const dy of [-0.1, 0.16]) {
      const x = c.x + (j - 0.36) * s;
      const y = c.y + dy * s;
      p.moveTo(x, y);
      for (let k = 0; k < 3; k++) {
        p.quadraticCurveTo(x + (k * 0.24 + 0.06) * s, y - 0.09 * s, x + (k * 0.24 + 0.12) * s, y);
        p.quadraticCurveTo(x + (k * 0.24 + 0.18) * s, y + 0.09 * s, x + (k * 0.24 + 0.24) * s, y);
      }
    }
  },
  settlement: (p, c, s, j) => {
    for (const [dx, dy, k] of [
      [-0.16, 0.06, 1],
      [0.18, -0.06, 0.8],
    ] as const) {
      const x = c.x + (dx + j) * s;
      const y = c.y + dy * s;
      const w = 0.13 * s * k;
      p.moveTo(x - w, y + w * 1.4);
      p.lineTo(x - w, y);
      p.lineTo(x, y - w);
      p.lineTo(x + w, y);
      p.lineTo(x + w, y + w * 1.4);
      p.closePath();
    }
  },
};

/** A small stable offset per hex (−0.04…0.04 of the size), so neighbouring marks differ. */
function jitter(q: number, r: number): number {
  const h = Math.sin(q * 12.9898 + r * 78.233) * 43758.5453;
  return ((h - Math.floor(h)) - 0.5) * 0.08;
}

/** Add a terrain's mark for the hex at `centre` to `path`; unknown terrain ids get no mark (their colour says it). */
export function addTerrainMark(path: Path2D, terrain: string, centre: Point, size: number, q: number, r: number): boolean {
  const pen = PENS[terrain];
  if (!pen) return false;
  pen(path, centre, size, jitter(q, r));
  return true;
}

/** Terrain ids that have a mark (the legend and the tests list them). */
export const MARKED_TERRAINS = Object.keys(PENS);
