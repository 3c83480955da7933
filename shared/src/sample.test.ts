import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { SAMPLE_RADIUS, writeSampleMap } from "./sample.ts";
import { dmMaps, isTerrainId, levelFor, readText } from "./model.ts";
import { hexesInRange } from "./hex.ts";

describe("sample campaign", () => {
  it("[FIRST2] a full region with every kind of content, the same for the same seed", () => {
    const a = new Y.Doc();
    const out = writeSampleMap(a);
    const m = dmMaps(a);
    expect(out.hexes).toBe(hexesInRange({ q: 0, r: 0 }, SAMPLE_RADIUS).length);
    expect(m.terrain.size).toBe(out.hexes);
    const kinds = new Set<string>();
    m.terrain.forEach((t) => kinds.add(String(t)));
    expect([...kinds].every(isTerrainId)).toBe(true);
    expect(kinds.size).toBeGreaterThanOrEqual(8);
    expect(readText(m.label.get("0,0"))).toBe("Greywater");
    expect(m.dmNotes.size).toBeGreaterThanOrEqual(4);
    expect(m.rumour.size).toBeGreaterThanOrEqual(4);
    expect(m.explored.size).toBeGreaterThanOrEqual(4);
    expect(m.landmark.size).toBeGreaterThanOrEqual(2);
    expect(levelFor(a, "0,0", "anyone")).toBe("visited");
    expect(levelFor(a, "4,-3", "anyone")).toBe("seen");
    expect(levelFor(a, "-2,-5", "anyone")).toBe("rumoured");
    const b = new Y.Doc();
    writeSampleMap(b);
    expect(dmMaps(b).terrain.toJSON()).toEqual(m.terrain.toJSON());
  });
});
