import { describe, expect, it } from "vitest";
import { searchMap, SEARCH_MAX_HITS } from "./search.ts";
import type { TextSource } from "./mapTool.ts";

const source = (rec: Record<string, string>): TextSource => ({
  revision: 0,
  forEach: (visit) => Object.entries(rec).forEach(([k, v]) => visit(v, k)),
});

describe("map search", () => {
  it("[LAYOUT8] names first, then texts; accents and case ignored; one hit per hex; capped", () => {
    const label = source({ "0,0": "Crossroads", "1,0": "Élan Keep" });
    const notes = source({ "0,0": "The road crosses here", "2,0": "A keep of old, elan vital", "3,0": "nothing" });
    const hits = searchMap("ELAN", [
      { name: "name", source: label },
      { name: "notes", source: notes },
    ]);
    expect(hits.map((h) => [h.hex, h.field])).toEqual([
      ["1,0", "name"],
      ["2,0", "notes"],
    ]);
    expect(hits[1]?.snippet).toContain("elan vital");
    expect(searchMap("c", [{ name: "name", source: label }])).toEqual([]);
    const many = source(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i},0`, "wolf den"])));
    expect(searchMap("wolf", [{ name: "notes", source: many }])).toHaveLength(SEARCH_MAX_HITS);
  });
});
