import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { ensureDmDoc } from "../migrations.ts";
import { ALL_PLAYERS, dmMaps, reveal, setDmNotes, setLabel, setLandmark, setTerrain } from "../model.ts";
import { project } from "../projection.ts";
import { generateCampaign, PLAYERS } from "./fixtures.ts";
import { CampaignFileError, exportCampaign, importCampaign, parseCampaignFile, previewMerge, type CampaignFile } from "./campaignFile.ts";

const NOW = new Date("2026-01-02T03:04:05.000Z");

function withoutTime(f: CampaignFile): Omit<CampaignFile, "exportedAt"> {
  const { exportedAt: _t, ...rest } = f;
  return rest;
}

describe("campaign file", () => {
  it("[XCHG3] export → import → export gives the same campaign, on generated maps (property)", { timeout: 60_000 }, () => {
    for (let seed = 1; seed <= 40; seed++) {
      const original = generateCampaign(seed);
      const file = exportCampaign(original, NOW);
      // The file is JSON: it survives serialisation and its own schema.
      const reread = parseCampaignFile(JSON.parse(JSON.stringify(file)));
      const copy = new Y.Doc();
      ensureDmDoc(copy, { name: "Fresh" });
      importCampaign(copy, reread);
      expect(withoutTime(exportCampaign(copy, NOW)), `seed ${seed}`).toEqual(withoutTime(file));
      // What players would see is the same too, for everyone and each player.
      for (const p of [ALL_PLAYERS, ...PLAYERS]) expect([...project(copy, p)].sort(), `seed ${seed} ${p}`).toEqual([...project(original, p)].sort());
    }
  });

  it("[XCHG1] the file holds every field: text fields as strings, landmarks, levels per target, settings and the crawl", () => {
    const doc = generateCampaign(7, 5, true);
    setLabel(doc, "0,0", "Here");
    setDmNotes(doc, "0,0", "Secret");
    setLandmark(doc, "0,0", true);
    reveal(doc, "0,0", "bob-2", undefined, "explored");
    reveal(doc, "0,0", ALL_PLAYERS, undefined, "rumoured");
    const file = exportCampaign(doc, NOW);
    expect(file.hexes["0,0"]).toMatchObject({ label: "Here", dmNotes: "Secret", landmark: true });
    expect(file.reveals["0,0"]).toMatchObject({ "*": "rumoured", "bob-2": "explored" });
    expect(file.crawl.travel).toMatchObject({ hexMiles: 12, "pace:forest": 1.5 });
    expect(Object.keys(file.crawl.trail)).toEqual(["p1|s0", "p1|s1", "p1|s2"]);
    expect(file).toMatchObject({ format: "hexcrawl-campaign", version: 1, name: "Map 7" });
  });

  it("[XCHG2] a bad, foreign or newer file is refused with a clear message and nothing is read", () => {
    const file = exportCampaign(generateCampaign(3), NOW);
    expect(() => parseCampaignFile({ ...file, version: 2 })).toThrow(/version 2.*reads version 1/);
    expect(() => parseCampaignFile({ hello: 1 })).toThrow(CampaignFileError);
    expect(() => parseCampaignFile({ ...file, hexes: { "0,0": { terrain: "x", evil: 1 } } })).toThrow(/hexes/);
    expect(() => parseCampaignFile({ ...file, hexes: { "01,2": {} } })).toThrow(CampaignFileError);
    expect(() => parseCampaignFile({ ...file, reveals: { "0,0": { "bad id!": "seen" } } })).toThrow(CampaignFileError);
    expect(() => parseCampaignFile({ ...file, hexes: { "0,0": { label: "x".repeat(201) } } })).toThrow(CampaignFileError);
  });

  it("[XCHG6] a merge preview lists every value the import would replace, and the additions", () => {
    const doc = generateCampaign(5);
    const target = new Y.Doc();
    ensureDmDoc(target, { name: "Target" });
    setLabel(target, "100,100", "Kept");
    const hex = Object.keys(exportCampaign(doc, NOW).hexes)[0] as string;
    setTerrain(target, hex, "custom-old");
    const file = exportCampaign(doc, NOW);
    file.hexes[hex] = { ...file.hexes[hex], terrain: "forest" };
    const preview = previewMerge(target, file);
    expect(preview.changes[0]).toEqual({ hex, field: "terrain", before: "custom-old", after: "forest" });
    expect(preview.changed).toBe(1);
    expect(preview.added).toBeGreaterThan(10);
    importCampaign(target, file);
    expect(previewMerge(target, file)).toMatchObject({ added: 0, changed: 0 });
    // What the file does not mention stays.
    expect(dmMaps(target).label.get("100,100")?.toString()).toBe("Kept");
  });
});
