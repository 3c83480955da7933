import { parseHexKey } from "../hex.ts";
import type { CampaignFile } from "./campaignFile.ts";
import { axialToOffset, SourceFormatError, sourceHex, warn, type SourceMap } from "./sourceMap.ts";
import { EXPORT_TERRAIN_NAMES } from "./terrainMapping.ts";
import { child, childrenNamed, escapeXml, parseXml, XmlError, type XmlElement, type XmlLimits } from "./xmlLite.ts";

/**
 * Worldographer maps (XCHG10). A `.wxx` file is gzip of UTF-16 XML (the server un-gzips it, bounded; this module
 * is pure). Both schema generations are read: the classic one (`<map version="1.7x">`, Hexographer 2017) and the
 * 2025 one (`<map release="2025" version="2.x" schema="1.x">`). What is read:
 *
 * - `<terrainmap>`: "Name<TAB>index" pairs in the file's own order; the one named "Blank" (no terrain) may have any
 *   index (real files: 0 is often a painted terrain). Features without a name are counted in a warning.
 * - `<tiles tilesWide tilesHigh>`: one `<tilerow>` per column, each with one tab-separated line per row; the first
 *   field is the terrain index. `hexOrientation="COLUMNS"` is flat-topped with odd columns shifted down (odd-q),
 *   `"ROWS"` pointy-topped with odd rows shifted right (odd-r).
 * - `<labels>`, `<features>` (their `<label>`), `<notes>`: placed on the hex under their `<location>`, in the
 *   "ideal" 300×300 hex space Worldographer uses whatever the drawn size (columns step 225, odd columns 150 lower).
 *
 * Secrets stay secret: a GM-only label or feature, and every note (Worldographer's notes are the GM's; only a note
 * marked `isGMOnly="false"`, as our writer marks player notes, is player-visible), become `dmNotes`. A visible
 * label names the hex (more labels on one hex go to its notes); a labelled visible feature also makes it a
 * landmark. Shapes, information pages and the other view levels are not read (reported as warnings).
 */

const IDEAL = 300;
/** Worldographer terrain names that paint nothing (lower case). */
const NO_TERRAIN = new Set(["blank", "border only"]);
const STEP = 225;

/** Decode the bytes inside the gzip: UTF-16 with or without a byte-order mark (big or little endian), or UTF-8. */
export function decodeWxxText(bytes: Uint8Array): string {
  const b0 = bytes[0];
  const b1 = bytes[1];
  let le: boolean | null = null;
  let start = 0;
  if (b0 === 0xfe && b1 === 0xff) [le, start] = [false, 2];
  else if (b0 === 0xff && b1 === 0xfe) [le, start] = [true, 2];
  else if (b0 === 0xef && b1 === 0xbb && bytes[2] === 0xbf) return new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(3));
  else if (b0 === 0 && b1 !== 0) le = false;
  else if (b0 !== 0 && b1 === 0) le = true;
  if (le === null) return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  const body = bytes.subarray(start, start + ((bytes.length - start) & ~1));
  if (le) return new TextDecoder("utf-16le").decode(body);
  // Big endian: swap to little endian (every runtime has a UTF-16LE decoder; not every one a BE one).
  const swapped = new Uint8Array(body.length);
  for (let i = 0; i < body.length; i += 2) {
    swapped[i] = body[i + 1] ?? 0;
    swapped[i + 1] = body[i] ?? 0;
  }
  return new TextDecoder("utf-16le").decode(swapped);
}

/** Encode XML text as Worldographer writes it: UTF-16 big endian with a byte-order mark (gzip it after). */
export function encodeWxxText(xml: string): Uint8Array {
  const out = new Uint8Array(2 + xml.length * 2);
  out[0] = 0xfe;
  out[1] = 0xff;
  for (let i = 0; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    out[2 + i * 2] = c >> 8;
    out[3 + i * 2] = c & 0xff;
  }
  return out;
}

/** Worldographer's notes are HTML: keep the text, line breaks for paragraphs and breaks. */
function htmlToText(html: string): string {
  return html
    .replace(/<\s*(br|\/p|\/h\d|\/li|\/div)\s*\/?>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(lt|gt|amp|quot|apos|nbsp);/g, (_, e: string) => ({ lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: " " })[e] ?? "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Our plain text as the HTML of a Worldographer note (the inverse of htmlToText). */
function textToHtml(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c] ?? c).replace(/\n/g, "<br>");
}

function num(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The offset hex under a point of the ideal 300-unit space (nearest centre). */
export function hexAtPoint(x: number, y: number, columns: boolean): { col: number; row: number } {
  // Columns layout: centres at (c·225 + 150, r·300 + 150 + 150·(c odd)); rows layout: the same with x and y swapped.
  const [major, minor] = columns ? [x, y] : [y, x];
  const base = Math.floor((major - IDEAL / 2) / STEP) + 0;
  let best = { a: 0, b: 0, d: Infinity };
  for (const a of [base, base + 1]) {
    const shift = a & 1 ? IDEAL / 2 : 0;
    const b = Math.round((minor - IDEAL / 2 - shift) / IDEAL) + 0;
    const d = (a * STEP + IDEAL / 2 - major) ** 2 + (b * IDEAL + IDEAL / 2 + shift - minor) ** 2;
    if (d < best.d) best = { a, b, d };
  }
  return columns ? { col: best.a, row: best.b } : { col: best.b, row: best.a };
}

/** The centre of an offset hex in the ideal space (the inverse of hexAtPoint). */
export function pointOfHex(col: number, row: number, columns: boolean): { x: number; y: number } {
  const [a, b] = columns ? [col, row] : [row, col];
  const major = a * STEP + IDEAL / 2;
  const minor = b * IDEAL + IDEAL / 2 + (a & 1 ? IDEAL / 2 : 0);
  return columns ? { x: major, y: minor } : { x: minor, y: major };
}

/** Parse the XML of a `.wxx` (after gzip and UTF-16) into a source map. Throws SourceFormatError. */
export function parseWxxXml(xml: string, name: string, limits?: XmlLimits): SourceMap {
  let root: XmlElement;
  try {
    root = parseXml(xml, limits);
  } catch (err) {
    if (err instanceof XmlError) throw new SourceFormatError(`Not a readable Worldographer file: ${err.message}`);
    throw err;
  }
  if (root.name !== "map") throw new SourceFormatError(`Not a Worldographer map: the root element is <${root.name}>, not <map>`);
  const release = root.attrs["release"];
  const version = root.attrs["version"] ?? "";
  let detail: string;
  if (release === "2025") detail = `Worldographer 2025 (version ${version}, schema ${root.attrs["schema"] ?? "?"})`;
  else if (/^1\.\d+/.test(version)) detail = `Worldographer classic (version ${version})`;
  else throw new SourceFormatError(`Unknown Worldographer version (release "${release ?? ""}", version "${version}")`);
  const columns = (root.attrs["hexOrientation"] ?? "COLUMNS").toUpperCase() !== "ROWS";
  const map: SourceMap = {
    format: "wxx",
    name: name || "Worldographer map",
    orientation: columns ? "flat" : "pointy",
    stagger: columns ? "odd-q" : "odd-r",
    hexes: new Map(),
    warnings: [],
    detail,
  };

  const names = new Map<number, string>();
  const tm = child(root, "terrainmap");
  if (tm) {
    const parts = tm.text.split("\t").map((s) => s.trim());
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const idx = Number(parts[i + 1]);
      const n = parts[i];
      if (n && Number.isInteger(idx)) names.set(idx, n);
    }
  }
  const tiles = child(root, "tiles");
  if (!tiles) throw new SourceFormatError("Not a Worldographer map: it has no <tiles>");
  const viewLevel = tiles.attrs["viewLevel"] ?? "WORLD";
  const rows = childrenNamed(tiles, "tilerow");
  let unknownTerrain = 0;
  for (const [col, tilerow] of rows.entries()) {
    const lines = tilerow.text.split(/\r?\n/).filter((l) => l.trim() !== "");
    for (const [row, line] of lines.entries()) {
      const first = line.split("\t")[0]?.trim() ?? "";
      const idx = Number(first);
      // Any index may be any terrain, 0 included (Worldographer numbers the terrains a map uses in its own order;
      // "Blank" — nothing painted — is skipped by name below).
      if (first === "" || !Number.isInteger(idx)) continue;
      const terrain = names.get(idx);
      if (terrain === undefined) {
        unknownTerrain++;
        continue;
      }
      // "Blank" and "Border Only" (a hex outline, nothing painted) are no terrain.
      if (NO_TERRAIN.has(terrain.toLowerCase())) continue;
      sourceHex(map, col, row).terrain = terrain;
    }
  }
  if (unknownTerrain > 0) warn(map, `${unknownTerrain} tile(s) use a terrain index missing from <terrainmap>`);

  const place = (el: XmlElement): { col: number; row: number } | null => {
    const loc = child(el, "location");
    if (!loc) return null;
    if ((loc.attrs["viewLevel"] ?? viewLevel) !== viewLevel) return null;
    const x = num(loc.attrs["x"]);
    const y = num(loc.attrs["y"]);
    if (x === null || y === null || x < -IDEAL || y < -IDEAL) return null;
    const at = hexAtPoint(x, y, columns);
    return at.col >= 0 && at.row >= 0 ? at : null;
  };
  const gm = (el: XmlElement) => el.attrs["isGMOnly"] === "true";
  let unplaced = 0;
  /** Features with no name (an icon only): our hexes have no icon field, so they are counted, not imported. */
  let unnamed = 0;

  for (const label of childrenNamed(child(root, "labels") ?? { name: "", attrs: {}, children: [], text: "" }, "label")) {
    const text = label.text.trim();
    const at = place(label);
    if (!text) continue;
    if (!at) {
      unplaced++;
      continue;
    }
    const h = sourceHex(map, at.col, at.row);
    if (gm(label)) h.dmNotes.push(text);
    else if (h.label === undefined) h.label = text;
    else h.notes.push(text);
  }
  for (const feature of childrenNamed(child(root, "features") ?? { name: "", attrs: {}, children: [], text: "" }, "feature")) {
    const at = place(feature);
    const labelEl = child(feature, "label");
    const text = labelEl ? labelEl.text.trim() : "";
    if (!text) {
      unnamed++;
      continue;
    }
    if (!at) {
      unplaced++;
      continue;
    }
    const h = sourceHex(map, at.col, at.row);
    if (gm(feature) || (labelEl && gm(labelEl))) h.dmNotes.push(`${text} (${feature.attrs["type"] ?? "feature"})`);
    else {
      if (h.label === undefined) h.label = text;
      else if (h.label !== text) h.notes.push(text);
      h.landmark = true;
    }
  }
  for (const note of childrenNamed(child(root, "notes") ?? { name: "", attrs: {}, children: [], text: "" }, "note")) {
    const at = place(note);
    const body = htmlToText(child(note, "notetext")?.text ?? note.text);
    const title = (note.attrs["title"] ?? "").trim();
    const text = [title, body].filter(Boolean).join("\n");
    if (!text) continue;
    if (!at) {
      unplaced++;
      continue;
    }
    const h = sourceHex(map, at.col, at.row);
    if (note.attrs["isGMOnly"] === "false") h.notes.push(text);
    else h.dmNotes.push(text);
  }
  if (unplaced > 0) warn(map, `${unplaced} label(s), feature(s) or note(s) are on another view level or off the map and were skipped`);
  if (unnamed > 0) warn(map, `${unnamed} feature(s) without a name (icons only) are not imported`);
  const shapes = child(root, "shapes")?.children.length ?? 0;
  if (shapes > 0) warn(map, `${shapes} shape(s) (rivers, roads, borders) are not imported`);
  return map;
}

/**
 * Worldographer XML (2025 schema) of a campaign file, where the formats overlap: terrain, labels (landmarks as
 * labelled features), notes (`isGMOnly="false"`) and DM notes (GM notes). Axial hexes are laid out in offset
 * coordinates of the file's orientation; a map reaching below column or row 0 is shifted by an even amount so the
 * stagger is kept. Knowledge levels, parties and the crawl have no Worldographer equivalent.
 */
export function writeWxxXml(file: CampaignFile): string {
  const columns = file.settings.orientation === "flat";
  const stagger = columns ? "odd-q" : "odd-r";
  const cells: Array<{ col: number; row: number; key: string }> = [];
  for (const key of Object.keys(file.hexes)) {
    const a = parseHexKey(key);
    if (a) cells.push({ ...axialToOffset(a.q, a.r, stagger), key });
  }
  const even = (n: number) => (n < 0 ? -n + (-n & 1) : 0);
  const shiftCol = even(Math.min(0, ...cells.map((c) => c.col)));
  const shiftRow = even(Math.min(0, ...cells.map((c) => c.row)));
  for (const c of cells) {
    c.col += shiftCol;
    c.row += shiftRow;
  }
  const wide = Math.max(1, ...cells.map((c) => c.col + 1));
  const high = Math.max(1, ...cells.map((c) => c.row + 1));
  const terrainIndex = new Map<string, number>([["Blank", 0]]);
  const grid: number[][] = Array.from({ length: wide }, () => new Array<number>(high).fill(0));
  const labels: string[] = [];
  const features: string[] = [];
  const notes: string[] = [];
  const loc = (col: number, row: number) => {
    const p = pointOfHex(col, row, columns);
    return `<location viewLevel="WORLD" x="${p.x}" y="${p.y}" scale="12.5"/>`;
  };
  for (const c of cells) {
    const h = file.hexes[c.key];
    if (!h) continue;
    if (h.terrain) {
      const n = (EXPORT_TERRAIN_NAMES as Record<string, string>)[h.terrain] ?? h.terrain;
      if (!terrainIndex.has(n)) terrainIndex.set(n, terrainIndex.size);
      (grid[c.col] as number[])[c.row] = terrainIndex.get(n) ?? 0;
    }
    if (h.label && h.landmark) {
      const p = pointOfHex(c.col, c.row, columns);
      features.push(
        `<feature type="Landmark" isGMOnly="false"><location viewLevel="WORLD" x="${p.x}" y="${p.y}"/><label mapLayer="Labels" isGMOnly="false">${loc(c.col, c.row)}${escapeXml(h.label)}</label></feature>`,
      );
    } else if (h.label) labels.push(`<label mapLayer="Labels" isGMOnly="false">${loc(c.col, c.row)}${escapeXml(h.label)}</label>`);
    if (h.notes) notes.push(`<note isGMOnly="false" title=""><notetext>${escapeXml(textToHtml(h.notes))}</notetext>${loc(c.col, c.row)}</note>`);
    if (h.dmNotes) notes.push(`<note title=""><notetext>${escapeXml(textToHtml(h.dmNotes))}</notetext>${loc(c.col, c.row)}</note>`);
  }
  const terrainmap = [...terrainIndex].map(([n, i]) => `${escapeXml(n)}\t${i}`).join("\t");
  const tilerows = grid.map((column) => `<tilerow>\n${column.map((t) => `${t}\t1\t0\t0\t0\tZ`).join("\n")}\n</tilerow>`).join("\n");
  return [
    "<?xml version='1.1' encoding='utf-16'?>",
    `<map type="WORLD" release="2025" version="2.06" schema="1.06" lastViewLevel="WORLD" hexWidth="46.18" hexHeight="40.0" hexOrientation="${columns ? "COLUMNS" : "ROWS"}" mapProjection="FLAT" showNotes="true" showGMOnly="false">`,
    `<terrainmap>${terrainmap}</terrainmap>`,
    `<tiles viewLevel="WORLD" tilesWide="${wide}" tilesHigh="${high}">`,
    tilerows,
    "</tiles>",
    `<features>\n${features.join("\n")}\n</features>`,
    `<labels>\n${labels.join("\n")}\n</labels>`,
    "<shapes>\n</shapes>",
    `<notes>\n${notes.join("\n")}\n</notes>`,
    "</map>",
    "",
  ].join("\n");
}
