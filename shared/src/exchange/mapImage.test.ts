import { describe, expect, it } from "vitest";
import { emptyCampaignFile } from "./campaignFile.ts";
import { campaignImage, playerImage } from "./mapImage.ts";
import { PLAYER_MAP_FORMAT, PLAYER_MAP_VERSION, type PlayerMapFile } from "./playerMapFile.ts";
import { parseXml } from "./xmlLite.ts";

describe("map images", () => {
  it("[XCHG13] the DM's image draws terrain and names, escapes them, and never writes DM notes or other texts", () => {
    const file = emptyCampaignFile("The <Sunless> Marches");
    file.hexes["0,0"] = { terrain: "forest", label: "Old & Wood", dmNotes: "SECRET-1", notes: "NOTES-1" };
    file.hexes["1,0"] = { terrain: "water" };
    file.hexes["2,0"] = { dmNotes: "SECRET-2" };
    const svg = campaignImage(file);
    const root = parseXml(svg);
    expect(root.name).toBe("svg");
    expect(svg).toContain("#3f7d3a");
    expect(svg).toContain("Old &amp; Wood");
    expect(svg).toContain("The &lt;Sunless&gt; Marches");
    expect(svg).not.toMatch(/SECRET|NOTES-1/);
    expect(svg.match(/<polygon/g)).toHaveLength(2);
  });

  it("[XCHG13] a player's image holds only their map file: rumoured hexes as outlines with a question mark", () => {
    const file: PlayerMapFile = {
      format: PLAYER_MAP_FORMAT,
      version: PLAYER_MAP_VERSION,
      exportedAt: new Date().toISOString(),
      name: "Map",
      orientation: "flat",
      hexSize: 32,
      hexes: { "0,0": { level: "visited", terrain: "hills", label: "Barrow", notes: "" }, "1,0": { level: "rumoured", rumour: "a dragon" } },
      parties: {},
      trail: [],
      clock: null,
    };
    const svg = playerImage(file);
    expect(() => parseXml(svg)).not.toThrow();
    expect(svg).toContain("Barrow");
    expect(svg).toContain('fill="none"');
    expect(svg).toContain(">?</text>");
    expect(svg).not.toContain("a dragon");
  });
});
