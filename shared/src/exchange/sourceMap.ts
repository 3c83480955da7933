import { hexKey, type Orientation } from "../hex.ts";
import { LABEL_MAX_CHARS, NOTES_MAX_CHARS } from "../model.ts";
import { emptyCampaignFile, MAX_IMPORT_HEXES, type CampaignFile } from "./campaignFile.ts";
import { resolveTerrain, type TerrainMapping, type TerrainUse } from "./terrainMapping.ts";

/**
 * What the foreign formats' readers produce (Text Mapper, Worldographer): hexes by offset coordinates with a source
 * terrain name and texts. `toCampaignFile` turns it into our campaign file with the DM's terrain mapping — the one
 * path into a document for every format.
 */

/** One hex of a foreign map, in offset coordinates (column, row from 0). */
export interface SourceHex {
  col: number;
  row: number;
  terrain?: string;
  label?: string;
  notes: string[];
  dmNotes: string[];
  landmark?: boolean;
}

/** A foreign map as read. `stagger`: which offset layout the columns/rows use. */
export interface SourceMap {
  format: "textmapper" | "wxx";
  name: string;
  orientation: Orientation;
  /** "odd-q": flat-top, odd columns shifted down; "odd-r": pointy-top, odd rows shifted right. */
  stagger: "odd-q" | "odd-r";
  hexes: Map<string, SourceHex>;
  /** What the reader skipped, for the preview (at most a few dozen lines). */
  warnings: string[];
  /** Format details for the preview (e.g. the Worldographer schema). */
  detail: string;
}

/** A foreign file's problem, for the importer's 400. */
export class SourceFormatError extends Error {
  override readonly name = "SourceFormatError";
}

export const MAX_WARNINGS = 50;

/** The hex at offset (col,row), created on first use; refuses more than MAX_IMPORT_HEXES. */
export function sourceHex(map: SourceMap, col: number, row: number): SourceHex {
  const k = `${col},${row}`;
  let h = map.hexes.get(k);
  if (!h) {
    if (map.hexes.size >= MAX_IMPORT_HEXES) throw new SourceFormatError(`The map has more than ${MAX_IMPORT_HEXES} hexes`);
    map.hexes.set(k, (h = { col, row, notes: [], dmNotes: [] }));
  }
  return h;
}

export function warn(map: SourceMap, message: string): void {
  if (map.warnings.length < MAX_WARNINGS) map.warnings.push(message);
  else if (map.warnings.length === MAX_WARNINGS) map.warnings.push("… more warnings left out");
}

/** Axial key of an offset coordinate. */
export function offsetToAxial(col: number, row: number, stagger: SourceMap["stagger"]): string {
  if (stagger === "odd-q") return hexKey(col, row - (col - (col & 1)) / 2);
  return hexKey(col - (row - (row & 1)) / 2, row);
}

/** Offset coordinate of an axial one (the inverse of offsetToAxial). */
export function axialToOffset(q: number, r: number, stagger: SourceMap["stagger"]): { col: number; row: number } {
  if (stagger === "odd-q") return { col: q, row: r + (q - (q & 1)) / 2 };
  return { col: q + (r - (r & 1)) / 2, row: r };
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + "…";
}

/** Terrain names of a source map with their hex counts and what they become under `mapping`. */
export function terrainUses(map: SourceMap, mapping: TerrainMapping | undefined): TerrainUse[] {
  const counts = new Map<string, number>();
  for (const h of map.hexes.values()) if (h.terrain !== undefined) counts.set(h.terrain, (counts.get(h.terrain) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([source, hexes]) => ({ source, hexes, mappedTo: resolveTerrain(source, mapping) }));
}

/** The campaign file of a source map: terrain through the mapping, texts clipped to our field limits. */
export function toCampaignFile(map: SourceMap, mapping: TerrainMapping | undefined, now: Date = new Date()): CampaignFile {
  const file = emptyCampaignFile(map.name, now);
  file.settings.orientation = map.orientation;
  for (const h of map.hexes.values()) {
    let key: string;
    try {
      key = offsetToAxial(h.col, h.row, map.stagger);
    } catch {
      continue; // outside our coordinate bounds: the reader already limits coordinates
    }
    const rec: CampaignFile["hexes"][string] = {};
    const terrain = h.terrain !== undefined ? resolveTerrain(h.terrain, mapping) : null;
    if (terrain) rec.terrain = terrain;
    if (h.label) rec.label = clip(h.label, LABEL_MAX_CHARS);
    if (h.notes.length > 0) rec.notes = clip(h.notes.join("\n\n"), NOTES_MAX_CHARS);
    if (h.dmNotes.length > 0) rec.dmNotes = clip(h.dmNotes.join("\n\n"), NOTES_MAX_CHARS);
    if (h.landmark && rec.label) rec.landmark = true;
    if (Object.keys(rec).length > 0) file.hexes[key] = rec;
  }
  return file;
}
