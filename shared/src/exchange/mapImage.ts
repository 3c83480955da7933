import { hexCorners, hexToPixel, parseHexKey, type Orientation } from "../hex.ts";
import { terrainInfo, type KnowledgeLevel } from "../model.ts";
import type { CampaignFile } from "./campaignFile.ts";
import type { PlayerMapFile } from "./playerMapFile.ts";
import { escapeXml } from "./xmlLite.ts";

/**
 * A printable SVG of a map (XCHG13): hexes filled with their terrain's palette colour, names written on them. The DM's
 * image comes from the campaign file (every hex, no secrets drawn: DM notes are never text on the map); a player's from
 * their player map file only, with what they know faintly marked by level, so it can be handed out.
 */

/** One hex to draw. */
export interface ImageHex {
  key: string;
  terrain?: string;
  label?: string;
  /** A player's knowledge: rumoured hexes are drawn as outlines with a "?", seen ones a little faded. */
  level?: KnowledgeLevel;
}

/** Largest number of hexes drawn (a bigger map is cut, in key order). */
export const MAX_IMAGE_HEXES = 100_000;
const SIZE = 24;
const BLANK = "#e9e4d8";

function round(n: number): string {
  return (Math.round(n * 10) / 10).toString();
}

/** The SVG text of hexes in an orientation, with a title. */
export function renderMapSvg(title: string, orientation: Orientation, hexes: readonly ImageHex[]): string {
  const drawn = hexes.slice(0, MAX_IMAGE_HEXES);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const cells: string[] = [];
  const labels: string[] = [];
  for (const h of drawn) {
    const a = parseHexKey(h.key);
    if (!a) continue;
    const corners = hexCorners(a, SIZE, orientation);
    for (const p of corners) {
      minX = Math.min(minX, p.x);
      minY = Math.min(minY, p.y);
      maxX = Math.max(maxX, p.x);
      maxY = Math.max(maxY, p.y);
    }
    const points = corners.map((p) => `${round(p.x)},${round(p.y)}`).join(" ");
    const fill = h.level === "rumoured" ? "none" : (h.terrain ? terrainInfo(h.terrain)?.colour : undefined) ?? BLANK;
    const opacity = h.level === "seen" ? ' fill-opacity="0.7"' : "";
    const dash = h.level === "rumoured" ? ' stroke-dasharray="3 3"' : "";
    cells.push(`<polygon points="${points}" fill="${fill}"${opacity}${dash}/>`);
    const c = hexToPixel(a, SIZE, orientation);
    const text = h.label ?? (h.level === "rumoured" ? "?" : "");
    if (text) labels.push(`<text x="${round(c.x)}" y="${round(c.y + 4)}">${escapeXml(text.length > 24 ? `${text.slice(0, 23)}…` : text)}</text>`);
  }
  if (!Number.isFinite(minX)) [minX, minY, maxX, maxY] = [0, 0, 100, 100];
  const pad = SIZE;
  const width = maxX - minX + 2 * pad;
  const height = maxY - minY + 2 * pad + 28;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${round(minX - pad)} ${round(minY - pad - 28)} ${round(width)} ${round(height)}" width="${round(width)}" height="${round(height)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="${round(minX - pad)}" y="${round(minY - pad - 28)}" width="${round(width)}" height="${round(height)}" fill="#fbf8f1"/>`,
    `<text x="${round(minX - pad + 8)}" y="${round(minY - pad - 8)}" font-family="serif" font-size="18" fill="#222">${escapeXml(title)}</text>`,
    `<g stroke="#5b5446" stroke-width="1">${cells.join("")}</g>`,
    `<g font-family="sans-serif" font-size="8" text-anchor="middle" fill="#111" stroke="#fbf8f1" stroke-width="2" paint-order="stroke">${labels.join("")}</g>`,
    "</svg>",
    "",
  ].join("\n");
}

/** The DM's map: every hex with terrain or a name (never DM notes or other text). */
export function campaignImage(file: CampaignFile): string {
  const hexes: ImageHex[] = [];
  for (const [key, h] of Object.entries(file.hexes)) {
    if (h.terrain === undefined && h.label === undefined) continue;
    hexes.push({ key, ...(h.terrain ? { terrain: h.terrain } : {}), ...(h.label ? { label: h.label } : {}) });
  }
  return renderMapSvg(file.name, file.settings.orientation, hexes);
}

/** A player's map: only what their map file holds, by level. */
export function playerImage(file: PlayerMapFile): string {
  const hexes: ImageHex[] = Object.entries(file.hexes).map(([key, h]) => ({
    key,
    level: h.level,
    ...(h.terrain ? { terrain: h.terrain } : {}),
    ...(h.label ? { label: h.label } : {}),
  }));
  return renderMapSvg(file.name, file.orientation, hexes);
}
