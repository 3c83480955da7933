import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { exportCampaign, importCampaign, parseCampaignFile } from "./campaignFile.ts";
import { WXX_2025_XML, WXX_CLASSIC_XML, TEXT_MAPPER_SAMPLE } from "./fixtures.ts";
import { axialToOffset, offsetToAxial, SourceFormatError, terrainUses, toCampaignFile, type SourceMap } from "./sourceMap.ts";
import { defaultTerrainFor } from "./terrainMapping.ts";
import { parseTextMapper, writeTextMapper } from "./textMapper.ts";
import { decodeWxxText, encodeWxxText, hexAtPoint, parseWxxXml, pointOfHex, writeWxxXml } from "./wxx.ts";
import { parseXml, XmlError } from "./xmlLite.ts";
import * as Y from "yjs";
import { ensureDmDoc } from "../migrations.ts";
import { generateCampaign, worldographerSample, type WorldographerSample } from "./fixtures.ts";

const NOW = new Date("2026-01-02T03:04:05.000Z");

function hexesOf(map: SourceMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const h of map.hexes.values()) {
    const v: Record<string, unknown> = {};
    if (h.terrain !== undefined) v["terrain"] = h.terrain;
    if (h.label !== undefined) v["label"] = h.label;
    if (h.notes.length) v["notes"] = h.notes;
    if (h.dmNotes.length) v["dmNotes"] = h.dmNotes;
    if (h.landmark) v["landmark"] = true;
    out[`${h.col},${h.row}`] = v;
  }
  return out;
}

describe("XML reader", () => {
  it("[XCHG8] reads elements, attributes, entities, CDATA and comments", () => {
    const root = parseXml(`<?xml version="1.0"?><!-- c --><a x="1 &amp; 2" y='&#x41;'>t&lt;<b/><c>in<![CDATA[<raw>&amp;]]></c></a>`);
    expect(root).toMatchObject({ name: "a", attrs: { x: "1 & 2", y: "A" }, text: "t<" });
    expect(root.children.map((c) => [c.name, c.text])).toEqual([["b", ""], ["c", "in<raw>&amp;"]]);
  });

  it("[XCHG8] refuses hostile XML: entity declarations, unknown entities, deep nesting, too many elements, too long, malformed", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><map>&lol2;</map>`;
    expect(() => parseXml(bomb)).toThrow(/document type/);
    expect(() => parseXml(`<map>&xxe;</map>`)).toThrow(/Unknown entity/);
    expect(() => parseXml("<a>".repeat(100) + "</a>".repeat(100))).toThrow(/nested deeper than 64/);
    expect(() => parseXml(`<a>${"<b/>".repeat(20)}</a>`, { maxChars: 1e6, maxDepth: 64, maxElements: 10, maxAttributes: 10 })).toThrow(/More than 10 elements/);
    expect(() => parseXml("<a>" + "x".repeat(100) + "</a>", { maxChars: 50, maxDepth: 64, maxElements: 10, maxAttributes: 10 })).toThrow(/longer than 50/);
    for (const bad of ["", "just text", "<a>", "<a></b>", "<a x=1/>", "<a/><b/>", "<a><!-- x</a>", "<1a/>", '<a x="1" x="2"/>']) {
      expect(() => parseXml(bad), bad).toThrow(XmlError);
    }
  });

  it("[XCHG8] deep nesting is refused without recursion (100,000 levels)", () => {
    const t0 = performance.now();
    expect(() => parseXml("<a>".repeat(100_000))).toThrow(/nested deeper/);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("Worldographer", () => {
  it("[XCHG10] a 2025-schema map: terrain by column and row, labels, GM-only labels and features to DM notes, notes, landmarks", () => {
    const map = parseWxxXml(WXX_2025_XML, "Valley");
    expect(map.detail).toMatch(/2025.*2\.06.*1\.06/);
    expect(map.orientation).toBe("flat");
    expect(hexesOf(map)).toEqual({
      "0,0": { terrain: "Forest Deciduous", label: "Old Wood", dmNotes: ["Bandits hide here <really>"] },
      "0,1": { terrain: "Forest Deciduous", dmNotes: ["Dragon's lair (Dungeon Lair)"] },
      "0,2": { terrain: "Water Sea" },
      "1,0": { terrain: "Mountains" },
      "1,1": { terrain: "Flat Grassland", label: "Greyhaven & Port", landmark: true },
      "1,2": { terrain: "Water Sea" },
      "2,0": { dmNotes: ["Watchtower\nGarrison of ten.\nCaptain Ilse"] },
      "2,1": { terrain: "Flat Grassland" },
      "2,2": { terrain: "Underdark Fungus" },
      "3,0": { terrain: "Flat Grassland" },
      "3,1": { terrain: "Flat Grassland" },
      "3,2": { terrain: "Flat Grassland" },
    });
    expect(map.warnings.join("\n")).toMatch(/another view level/);
    expect(map.warnings.join("\n")).toMatch(/1 shape/);
    // Terrain mapping: defaults by keyword, an unknown name unmapped until the DM picks one.
    expect(terrainUses(map, undefined)).toEqual([
      { source: "Flat Grassland", hexes: 5, mappedTo: "plains" },
      { source: "Forest Deciduous", hexes: 2, mappedTo: "forest" },
      { source: "Mountains", hexes: 1, mappedTo: "mountains" },
      { source: "Underdark Fungus", hexes: 1, mappedTo: null },
      { source: "Water Sea", hexes: 2, mappedTo: "water" },
    ]);
    const file = toCampaignFile(map, { "Underdark Fungus": "swamp", Mountains: "hills" }, NOW);
    expect(file.settings.orientation).toBe("flat");
    expect(file.hexes[offsetToAxial(2, 2, "odd-q")]).toEqual({ terrain: "swamp" });
    expect(file.hexes[offsetToAxial(1, 0, "odd-q")]).toEqual({ terrain: "hills" });
    expect(file.hexes[offsetToAxial(1, 1, "odd-q")]).toEqual({ terrain: "plains", label: "Greyhaven & Port", landmark: true });
    expect(file.hexes[offsetToAxial(2, 0, "odd-q")]).toEqual({ dmNotes: "Watchtower\nGarrison of ten.\nCaptain Ilse" });
    expect(() => parseCampaignFile(JSON.parse(JSON.stringify(file)))).not.toThrow();
  });

  it("[XCHG10] a classic (1.73) map with pointy-topped rows", () => {
    const map = parseWxxXml(WXX_CLASSIC_XML, "Marsh");
    expect(map.detail).toMatch(/classic.*1\.73/);
    expect(map.orientation).toBe("pointy");
    expect(hexesOf(map)).toEqual({
      "0,0": { terrain: "Swamp Marsh" },
      "0,1": { terrain: "Hills Forest", label: "Fog Hills" },
      "1,0": { terrain: "Hills Forest" },
    });
    expect(defaultTerrainFor("Hills Forest")).toBe("forest");
  });

  it("[XCHG10] UTF-16 in both byte orders, with and without a byte-order mark, and UTF-8", () => {
    const xml = WXX_CLASSIC_XML;
    const be = encodeWxxText(xml);
    expect(decodeWxxText(be)).toBe(xml);
    const le = new Uint8Array(be.length);
    for (let i = 0; i < be.length; i += 2) [le[i], le[i + 1]] = [be[i + 1] ?? 0, be[i] ?? 0];
    expect(decodeWxxText(le)).toBe(xml);
    expect(decodeWxxText(be.subarray(2))).toBe(xml);
    expect(decodeWxxText(le.subarray(2))).toBe(xml);
    expect(decodeWxxText(new TextEncoder().encode(xml))).toBe(xml);
  });

  it("[XCHG10] real files saved by Worldographer (classic 1.74 and 1.77, 2025 schema 1.06; fixtures/worldographer): terrain at any index, orientation, unnamed features reported", () => {
    const read = (file: WorldographerSample): SourceMap => parseWxxXml(decodeWxxText(new Uint8Array(gunzipSync(worldographerSample(file)))), file);
    // Terrain index 0 is "Flat Forest Deciduous" in this file, "Blank" is 1: the painted tile is column 0, row 0.
    const classic = read("2017-1.77-1.0-import.wxx");
    expect(classic.detail).toBe("Worldographer classic (version 1.77)");
    expect(classic.orientation).toBe("flat");
    expect([...classic.hexes.values()].map((h) => [h.col, h.row, h.terrain])).toEqual([[0, 0, "Flat Forest Deciduous"]]);
    expect(terrainUses(classic, undefined)).toEqual([{ source: "Flat Forest Deciduous", hexes: 1, mappedTo: "forest" }]);
    expect(classic.warnings).toEqual(["1 feature(s) without a name (icons only) are not imported"]);
    expect(toCampaignFile(classic, undefined).hexes["0,0"]).toEqual({ terrain: "forest" });
    // The 2025 schema: its index 0 is a beach (sand), every other tile Blank.
    const modern = read("2025-2.06-13x11-941577-layers.wxx");
    expect(modern.detail).toBe("Worldographer 2025 (version 2.06, schema 1.06)");
    expect(terrainUses(modern, undefined)).toEqual([{ source: "Classic/Flat Beach", hexes: 1, mappedTo: "desert" }]);
    // Rows (pointy-topped), nothing painted; "Border Only" (an outline) paints nothing either: of a 1.74 map of
    // outlines only its one forest tile is read.
    const rows = read("2017-1.77-1.0-rows-blank.wxx");
    expect([rows.orientation, rows.stagger, rows.hexes.size]).toEqual(["pointy", "odd-r", 0]);
    expect([...read("blank-2017-1.74-1.0.wxx").hexes.values()].map((h) => [h.col, h.row, h.terrain])).toEqual([[1, 1, "Flat Forest Deciduous Heavy"]]);
  });

  it("[XCHG10] wrong XML gets a clear error", () => {
    expect(() => parseWxxXml("<html><body/></html>", "x")).toThrow(/root element is <html>/);
    expect(() => parseWxxXml(`<map release="2030" version="9"><tiles/></map>`, "x")).toThrow(/Unknown Worldographer version/);
    expect(() => parseWxxXml(`<map version="1.73"></map>`, "x")).toThrow(/no <tiles>/);
    expect(() => parseWxxXml("not xml at all", "x")).toThrow(SourceFormatError);
  });

  it("[XCHG11] offset ↔ axial and ideal-space points ↔ hexes are inverses", () => {
    for (let col = -5; col < 12; col++) {
      for (let row = -5; row < 12; row++) {
        for (const stagger of ["odd-q", "odd-r"] as const) {
          const [q, r] = offsetToAxial(col, row, stagger).split(",").map(Number) as [number, number];
          expect(axialToOffset(q, r, stagger)).toEqual({ col, row });
        }
        if (col < 0 || row < 0) continue;
        for (const columns of [true, false]) {
          const p = pointOfHex(col, row, columns);
          expect(hexAtPoint(p.x, p.y, columns)).toEqual({ col, row });
          expect(hexAtPoint(p.x + 40, p.y - 60, columns)).toEqual({ col, row });
        }
      }
    }
  });

  it("[XCHG11] .wxx → our JSON → .wxx keeps terrain, labels, landmarks, notes and DM notes where the formats overlap", () => {
    for (const [xml, name] of [[WXX_2025_XML, "2025"], [WXX_CLASSIC_XML, "classic"]] as const) {
      const first = parseWxxXml(xml, name);
      const file = toCampaignFile(first, undefined, NOW);
      const doc = new Y.Doc();
      ensureDmDoc(doc, { name });
      importCampaign(doc, file);
      const written = writeWxxXml(exportCampaign(doc, NOW));
      const second = parseWxxXml(written, name);
      expect(second.orientation).toBe(first.orientation);
      // The same file again: terrain now carries our palette's names, everything else is unchanged.
      expect(toCampaignFile(second, undefined, NOW).hexes).toEqual(file.hexes);
    }
  });

  it("[XCHG11] generated campaigns survive JSON → .wxx → JSON for terrain, labels, landmarks, notes, DM notes", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const file = exportCampaign(generateCampaign(seed), NOW);
      const back = toCampaignFile(parseWxxXml(writeWxxXml(file), "x"), undefined, NOW);
      // The writer shifts a map reaching below column or row 0 by an even amount (the stagger stays): undo it.
      const stagger = file.settings.orientation === "flat" ? "odd-q" : "odd-r";
      const offsets = Object.keys(file.hexes).map((k) => { const [q, r] = k.split(",").map(Number) as [number, number]; return axialToOffset(q, r, stagger); });
      const even = (n: number) => (n < 0 ? -n + (-n & 1) : 0);
      const dc = even(Math.min(0, ...offsets.map((o) => o.col)));
      const dr = even(Math.min(0, ...offsets.map((o) => o.row)));
      const moved = (k: string) => { const [q, r] = k.split(",").map(Number) as [number, number]; const o = axialToOffset(q, r, stagger); return offsetToAxial(o.col + dc, o.row + dr, stagger); };
      const expected: Record<string, unknown> = {};
      for (const [key, h] of Object.entries(file.hexes)) {
        const hex = moved(key);
        const v: Record<string, unknown> = {};
        if (h.terrain && h.terrain !== "custom-terrain") v["terrain"] = h.terrain;
        if (h.label) v["label"] = h.label.trim();
        if (h.label && h.landmark) v["landmark"] = true;
        if (h.notes) v["notes"] = h.notes.trim();
        if (h.dmNotes) v["dmNotes"] = h.dmNotes.trim();
        if (Object.keys(v).length) expected[hex] = v;
      }
      const got: Record<string, unknown> = {};
      for (const [hex, h] of Object.entries(back.hexes)) got[hex] = h;
      // Texts pass through Worldographer's HTML notes: compare after the same whitespace rules.
      const norm = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o).replace(/\\n/g, " ").replace(/ +/g, " ")) as unknown;
      expect(norm(got), `seed ${seed}`).toEqual(norm(expected));
    }
  });
});

describe("Text Mapper", () => {
  it("[XCHG9] hex lines with types and labels; other lines skipped and reported", () => {
    const map = parseTextMapper(TEXT_MAPPER_SAMPLE, "Valley");
    expect(hexesOf(map)).toEqual({
      "0,0": { terrain: "light-green forest", label: "Old Wood" },
      "0,1": { terrain: "grey mountain" },
      "1,0": { terrain: "green grass", label: "Millford" },
      "1,1": { terrain: "water" },
      "2,0": { terrain: "dark-green swamp" },
      "2,1": { terrain: "purple crystal", label: "The Glass" },
    });
    expect(map.warnings).toEqual(["3 line(s) that are not hexes (attributes, paths, includes) were skipped"]);
    const file = toCampaignFile(map, undefined, NOW);
    expect(file.settings.orientation).toBe("flat");
    expect(file.hexes["0,0"]).toEqual({ terrain: "forest", label: "Old Wood" });
    expect(file.hexes[offsetToAxial(0, 1, "odd-q")]).toEqual({ terrain: "mountains" });
    expect(file.hexes[offsetToAxial(1, 0, "odd-q")]).toEqual({ terrain: "plains", label: "Millford" });
    expect(file.hexes[offsetToAxial(2, 1, "odd-q")]).toEqual({ label: "The Glass" });
    expect(terrainUses(map, { "purple crystal": "desert" }).find((u) => u.source === "purple crystal")?.mappedTo).toBe("desert");
    expect(() => parseTextMapper("hello\nworld", "x")).toThrow(/No hex lines/);
  });

  it("[XCHG9] column and row 00 are hexes (Text Mapper's gazetteer and Traveller maps start there); common type words map", () => {
    const map = parseTextMapper(["include gazetteer.txt", "0000 clear", "0001 firs \"Pines\"", "0100 brushland", "0101 thorp", "0202 shrine"].join("\n"), "Gazetteer");
    expect(map.warnings).toEqual(["1 line(s) that are not hexes (attributes, paths, includes) were skipped"]);
    const file = toCampaignFile(map, undefined, NOW);
    expect(file.hexes[offsetToAxial(-1, -1, "odd-q")]).toEqual({ terrain: "plains" });
    expect(file.hexes[offsetToAxial(-1, 0, "odd-q")]).toEqual({ terrain: "forest", label: "Pines" });
    expect(file.hexes[offsetToAxial(0, -1, "odd-q")]).toEqual({ terrain: "plains" });
    expect(file.hexes[offsetToAxial(0, 0, "odd-q")]).toEqual({ terrain: "settlement" });
    expect(file.hexes[offsetToAxial(1, 1, "odd-q")]).toEqual({ terrain: "settlement" });
    // Below 00 there is nothing: a warning, the rest imported.
    expect(parseTextMapper("0101 grass\n-0101 grass", "x").warnings).toEqual(["1 line(s) that are not hexes (attributes, paths, includes) were skipped"]);
  });

  it("[XCHG9] write → read gives the same hexes, also past column 99", () => {
    const hexes = [
      { col: 0, row: 0, terrain: "forest", label: "A" },
      { col: 120, row: 5, terrain: "hills" },
      { col: 3, row: 140, label: "B" },
    ];
    const map = parseTextMapper(writeTextMapper(hexes), "x");
    expect(hexesOf(map)).toEqual({ "0,0": { terrain: "forest", label: "A" }, "120,5": { terrain: "hills" }, "3,140": { label: "B" } });
  });
});
