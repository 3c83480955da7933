import type { Point } from "@hexcrawl/shared/hex";
import type { AnnotationDocKind, Drawing, Marker, MarkerIcon } from "@hexcrawl/shared/annotations";

/** A marker as the map shows it: which layer it is in (private notes or the table). */
export interface ShownMarker {
  id: string;
  marker: Marker;
  layer: AnnotationDocKind;
}

/** One glyph per icon, drawn in a disc (plain characters: every font has them, no emoji needed). */
export const ICON_GLYPHS: Readonly<Record<MarkerIcon, string>> = {
  pin: "•",
  danger: "!",
  treasure: "$",
  camp: "▲",
  question: "?",
  town: "⌂",
  cave: "◒",
  rumour: "~",
};

/** Words for each icon (buttons, screen readers). */
export const ICON_NAMES: Readonly<Record<MarkerIcon, string>> = {
  pin: "Pin",
  danger: "Danger",
  treasure: "Treasure",
  camp: "Camp",
  question: "Question",
  town: "Town",
  cave: "Cave",
  rumour: "Rumour",
};

/** Default marker colours: private notes amber, the table cyan (a marker may choose its own). */
export const LAYER_COLOURS: Readonly<Record<AnnotationDocKind, string>> = { notes: "#ffd166", table: "#4cc9f0" };

/** Markers are not drawn below this hex radius on screen (CSS px): they would cover the map. */
export const MIN_MARKER_RADIUS_PX = 8;

/** Where a marker's disc goes: the hex centre, or its offset inside the hex. Pure. */
export function markerPoint(centre: Point, marker: Marker, radiusPx: number): Point {
  const at = marker.at;
  return at ? { x: centre.x + at.x * radiusPx * 0.8, y: centre.y + at.y * radiusPx * 0.8 } : centre;
}

/**
 * Spread several markers of one hex so they do not sit on each other: index i of n around a small circle (one
 * marker stays at its place). Pure.
 */
export function spread(p: Point, i: number, n: number, radiusPx: number): Point {
  if (n <= 1) return p;
  const a = (2 * Math.PI * i) / n - Math.PI / 2;
  const d = radiusPx * 0.42;
  return { x: p.x + Math.cos(a) * d, y: p.y + Math.sin(a) * d };
}

export interface AnnotationScene {
  at: (hex: string) => Point | null;
  radiusPx: number;
  viewport: { width: number; height: number };
  markers: readonly ShownMarker[];
  noteHexes: ReadonlyArray<{ hex: string; layer: AnnotationDocKind }>;
  drawings: readonly Drawing[];
}

/** Draw the players' layer in screen space (CSS px; the caller set the device-pixel transform). */
export function drawAnnotations(ctx: CanvasRenderingContext2D, scene: AnnotationScene): void {
  const { at, radiusPx, viewport } = scene;
  const visible = (p: Point) => p.x > -radiusPx && p.y > -radiusPx && p.x < viewport.width + radiusPx && p.y < viewport.height + radiusPx;
  ctx.save();
  // Drawings: paths through hex centres.
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.lineWidth = Math.max(2, Math.min(6, radiusPx * 0.15));
  for (const d of scene.drawings) {
    ctx.strokeStyle = d.colour;
    ctx.beginPath();
    let started = false;
    for (const hex of d.points) {
      const p = at(hex);
      if (!p) continue;
      if (started) ctx.lineTo(p.x, p.y);
      else ctx.moveTo(p.x, p.y);
      started = true;
    }
    ctx.stroke();
  }
  if (radiusPx < MIN_MARKER_RADIUS_PX) {
    ctx.restore();
    return;
  }
  // A note: a small folded-corner square at the hex's upper left (private) or upper right (table).
  const s = Math.max(4, radiusPx * 0.2);
  for (const { hex, layer } of scene.noteHexes) {
    const c = at(hex);
    if (!c || !visible(c)) continue;
    const x = c.x + (layer === "notes" ? -radiusPx * 0.55 : radiusPx * 0.55 - s);
    const y = c.y - radiusPx * 0.6;
    ctx.fillStyle = LAYER_COLOURS[layer];
    ctx.strokeStyle = "rgba(10, 12, 16, 0.9)";
    ctx.lineWidth = 1;
    ctx.fillRect(x, y, s, s);
    ctx.strokeRect(x, y, s, s);
  }
  // Markers: a disc with a glyph.
  const byHex = new Map<string, ShownMarker[]>();
  for (const m of scene.markers) {
    const list = byHex.get(m.marker.hex) ?? [];
    list.push(m);
    byHex.set(m.marker.hex, list);
  }
  const r = Math.max(6, Math.min(14, radiusPx * 0.3));
  ctx.font = `700 ${Math.round(r * 1.2)}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (const [hex, list] of byHex) {
    const c = at(hex);
    if (!c || !visible(c)) continue;
    list.forEach((m, i) => {
      const p = m.marker.at ? markerPoint(c, m.marker, radiusPx) : spread(c, i, list.length, radiusPx);
      ctx.beginPath();
      ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      ctx.fillStyle = m.marker.colour ?? LAYER_COLOURS[m.layer];
      ctx.fill();
      ctx.lineWidth = m.layer === "notes" ? 2 : 1.5;
      ctx.strokeStyle = m.layer === "notes" ? "#ffffff" : "rgba(10, 12, 16, 0.9)";
      if (m.layer === "notes") ctx.setLineDash([3, 2]);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = "#10131a";
      ctx.fillText(ICON_GLYPHS[m.marker.icon], p.x, p.y + 1);
    });
  }
  ctx.restore();
}
