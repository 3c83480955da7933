import { hexToPixel, parseHexKey, type Orientation, type Point } from "@hexcrawl/shared/hex";

/**
 * Party markers and trails on the canvas map (CRAWLUI2–CRAWLUI4), and the small hook the map calls to draw them
 * and to let a marker be dragged. The map knows nothing of parties: it hands an overlay its geometry and its
 * pointer, and the overlay says what it drew and whether it took the drag.
 */

/** What the map tells an overlay about its geometry. Drawing happens in world units (the camera is set). */
export interface OverlayGeometry {
  hexSize: number;
  orientation: Orientation;
  /** CSS px per world unit (to keep line widths and text readable at any zoom). */
  scale: number;
}

/** Something drawn over the map that may also take a drag that starts on one of its hexes. */
export interface MapOverlay {
  /** Changes whenever the drawing would (reactive). */
  readonly revision: number;
  draw(ctx: CanvasRenderingContext2D, geometry: OverlayGeometry): void;
  /** A primary press in the pan tool on this hex: true when the overlay takes the drag (no pan). */
  grab?(hex: string): boolean;
  /** The taken drag is over this hex (null: off the map). */
  dragTo?(hex: string | null): void;
  /** The taken drag ended over this hex (null: cancelled, or off the map). */
  drop?(hex: string | null): void;
}

/** How a marker is drawn. */
export const MarkerStyle = {
  /** Where the party is (DM) or where its players are (player map): filled. */
  solid: "solid",
  /** Where a lost party believes it is (DM map only): hollow and dashed, with a "?". */
  believed: "believed",
  /** Where a dragged marker would land. */
  ghost: "ghost",
} as const;
export type MarkerStyle = (typeof MarkerStyle)[keyof typeof MarkerStyle];

export interface PartyMarker {
  hex: string;
  /** One or two letters drawn inside the marker. */
  initials: string;
  colour: string;
  style: MarkerStyle;
  /** Drawn with a white ring (the party chosen in the panel). */
  selected?: boolean;
}

export interface PartyTrail {
  /** Hexes in the order walked (the last is where the party is or believes it is). */
  hexes: readonly string[];
  colour: string;
  /** Dashed (a lost party's believed trail on the DM map). */
  dashed?: boolean;
  /** Thicker (the selected party's trail). */
  strong?: boolean;
}

/** Marker colours by party order; the player's own party is always the first. */
export const PARTY_COLOURS = ["#ffb347", "#7ee2a8", "#ff8ad8", "#8ab4ff", "#f4f27a", "#ff8a80"] as const;

/** The marker's radius as a fraction of the hex size. */
const MARKER_RADIUS = 0.42;

/** "The Company" → "TC"; "wolves" → "W". */
export function initialsOf(name: string): string {
  const words = name
    .replace(/^(the|a|an)\s+/i, "")
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const letters = words.slice(0, 2).map((w) => [...w][0] ?? "");
  return letters.join("").toUpperCase() || "?";
}

function centreOf(key: string, g: OverlayGeometry): Point | null {
  const h = parseHexKey(key);
  return h ? hexToPixel(h, g.hexSize, g.orientation) : null;
}

/** Draw trails under markers; markers in the order given (later ones on top). */
export function drawParties(
  ctx: CanvasRenderingContext2D,
  g: OverlayGeometry,
  trails: readonly PartyTrail[],
  markers: readonly PartyMarker[],
  links: ReadonlyArray<{ from: string; to: string; colour: string }> = [],
): void {
  ctx.save();
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const t of trails) {
    const points = t.hexes.map((k) => centreOf(k, g)).filter((p): p is Point => p !== null);
    if (points.length === 0) continue;
    const width = Math.max((t.strong ? 4 : 2.5) / g.scale, g.hexSize * (t.strong ? 0.14 : 0.09));
    ctx.setLineDash(t.dashed ? [g.hexSize * 0.25, g.hexSize * 0.18] : []);
    ctx.strokeStyle = "rgba(10, 12, 16, 0.75)";
    ctx.lineWidth = width + 2 / g.scale;
    const path = new Path2D();
    points.forEach((p, i) => (i === 0 ? path.moveTo(p.x, p.y) : path.lineTo(p.x, p.y)));
    if (points.length > 1) ctx.stroke(path);
    ctx.strokeStyle = t.colour;
    ctx.lineWidth = width;
    if (points.length > 1) ctx.stroke(path);
    // A dot on every hex walked, so a trail that doubles back still shows each step.
    ctx.setLineDash([]);
    ctx.fillStyle = t.colour;
    const dot = new Path2D();
    for (const p of points) {
      dot.moveTo(p.x + g.hexSize * 0.16, p.y);
      dot.arc(p.x, p.y, g.hexSize * 0.16, 0, Math.PI * 2);
    }
    ctx.fill(dot);
  }
  for (const l of links) {
    const a = centreOf(l.from, g);
    const b = centreOf(l.to, g);
    if (!a || !b) continue;
    ctx.setLineDash([g.hexSize * 0.15, g.hexSize * 0.15]);
    ctx.strokeStyle = l.colour;
    ctx.lineWidth = Math.max(2 / g.scale, g.hexSize * 0.04);
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  const r = g.hexSize * MARKER_RADIUS;
  for (const m of markers) {
    const c = centreOf(m.hex, g);
    if (!c) continue;
    ctx.beginPath();
    ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
    if (m.style === MarkerStyle.solid) {
      ctx.fillStyle = m.colour;
      ctx.fill();
      ctx.strokeStyle = "#10131a";
      ctx.lineWidth = Math.max(2 / g.scale, r * 0.12);
      ctx.stroke();
    } else {
      ctx.fillStyle = m.style === MarkerStyle.ghost ? "rgba(255, 255, 255, 0.25)" : "rgba(10, 12, 16, 0.6)";
      ctx.fill();
      ctx.setLineDash([r * 0.35, r * 0.25]);
      ctx.strokeStyle = m.colour;
      ctx.lineWidth = Math.max(2.5 / g.scale, r * 0.16);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (m.selected) {
      ctx.beginPath();
      ctx.arc(c.x, c.y, r * 1.22, 0, Math.PI * 2);
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = Math.max(2 / g.scale, r * 0.1);
      ctx.stroke();
    }
    const text = m.style === MarkerStyle.believed ? "?" : m.initials;
    ctx.font = `700 ${r * (text.length > 1 ? 0.8 : 1.05)}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillStyle = m.style === MarkerStyle.solid ? "#10131a" : m.colour;
    ctx.fillText(text, c.x, c.y + r * 0.04);
  }
  ctx.restore();
}
