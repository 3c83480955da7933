import { HEX_COORD_MAX } from "../hex.ts";
import { SourceFormatError, sourceHex, warn, type SourceMap } from "./sourceMap.ts";

/**
 * Text Mapper text (XCHG9), the format of Text Mapper, Hex Describe and several Obsidian hex plugins: one hex per
 * line, `0101 light-green forest "Old Wood"` — four (or six, eight) digits `XXYY` (column, row, from 1; 00 is read too), the
 * hex's types, then an optional quoted label. Columns are flat-topped with even columns (from 1) shifted down,
 * which is odd-q from 0. Other lines (attributes, `include`, paths such as `0101-0302 road`, comments) are
 * skipped; what was skipped is reported.
 */

/** Longest Text Mapper text read (characters). */
export const MAX_TEXT_MAPPER_CHARS = 8 * 1024 * 1024;

const HEX_LINE = /^(\d{4}|\d{6}|\d{8})\s+(.*)$/;

/** Read Text Mapper text. Throws SourceFormatError when it holds no hex line at all. */
export function parseTextMapper(text: string, name: string): SourceMap {
  if (text.length > MAX_TEXT_MAPPER_CHARS) throw new SourceFormatError(`The text is longer than ${MAX_TEXT_MAPPER_CHARS} characters`);
  const map: SourceMap = { format: "textmapper", name, orientation: "flat", stagger: "odd-q", hexes: new Map(), warnings: [], detail: "Text Mapper" };
  let skipped = 0;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = HEX_LINE.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined) {
      skipped++;
      continue;
    }
    const digits = m[1];
    const half = digits.length / 2;
    const col = Number(digits.slice(0, half)) - 1;
    const row = Number(digits.slice(half)) - 1;
    // Column or row 00 is a hex too (Text Mapper's gazetteer and Traveller maps start there): index -1.
    if (col < -1 || row < -1 || col > HEX_COORD_MAX || row > HEX_COORD_MAX) {
      warn(map, `line ${i + 1}: hex ${digits} is outside the map`);
      continue;
    }
    let rest = m[2];
    let label: string | undefined;
    const q = /"([^"]*)"/.exec(rest);
    if (q) {
      label = q[1]?.trim() || undefined;
      rest = rest.slice(0, q.index);
    }
    const types = rest.split(/\s+/).filter((w) => w !== "" && !/^\d+$/.test(w));
    const hex = sourceHex(map, col, row);
    if (types.length > 0) hex.terrain = types.join(" ").slice(0, 128);
    if (label) hex.label = label;
  }
  if (map.hexes.size === 0) throw new SourceFormatError("No hex lines found: Text Mapper lines look like 0101 forest \"label\"");
  if (skipped > 0) warn(map, `${skipped} line(s) that are not hexes (attributes, paths, includes) were skipped`);
  return map;
}

/** Text Mapper text of a map: one line per hex with terrain or a label (the inverse of parseTextMapper, for tests and export). */
export function writeTextMapper(hexes: Iterable<{ col: number; row: number; terrain?: string; label?: string }>): string {
  const list = [...hexes];
  const width = Math.max(2, ...list.map((h) => String(Math.max(h.col, h.row) + 1).length));
  const digits = width <= 2 ? 2 : width <= 3 ? 3 : 4;
  const pad = (n: number) => String(n + 1).padStart(digits, "0");
  const out: string[] = [];
  for (const h of list) {
    const parts = [`${pad(h.col)}${pad(h.row)}`];
    if (h.terrain) parts.push(h.terrain);
    if (h.label) parts.push(`"${h.label.replaceAll('"', "'")}"`);
    out.push(parts.join(" "));
  }
  return out.join("\n") + "\n";
}
