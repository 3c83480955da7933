import type { TextSource } from "./mapTool.ts";

/** One hit of the map search: the hex, its name, and the field and words that matched. */
export interface SearchHit {
  hex: string;
  name: string | null;
  field: string;
  snippet: string;
}

/** Most hits shown. */
export const SEARCH_MAX_HITS = 8;

/**
 * Search hex names and texts (LAYOUT8): case- and accent-insensitive substring match, names first, one hit per hex
 * (its best field), at most SEARCH_MAX_HITS. `fields` are searched in order; the first is the name field.
 */
export function searchMap(query: string, fields: ReadonlyArray<{ name: string; source: TextSource }>): SearchHit[] {
  const q = fold(query.trim());
  if (q.length < 2) return [];
  const names = new Map<string, string>();
  fields[0]?.source.forEach((t, k) => names.set(k, t));
  const hits = new Map<string, SearchHit>();
  for (const { name, source } of fields) {
    source.forEach((text, hex) => {
      if (hits.has(hex) || hits.size >= SEARCH_MAX_HITS) return;
      const at = fold(text).indexOf(q);
      if (at < 0) return;
      const from = Math.max(0, at - 20);
      const snippet = `${from > 0 ? "…" : ""}${text.slice(from, at + q.length + 30)}${at + q.length + 30 < text.length ? "…" : ""}`;
      hits.set(hex, { hex, name: names.get(hex) ?? null, field: name, snippet });
    });
  }
  return [...hits.values()];
}

/** Lower case without accents, same length as the input for the usual Latin text. */
function fold(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}
