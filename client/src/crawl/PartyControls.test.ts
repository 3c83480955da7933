import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { Orientation } from "@hexcrawl/shared/hex";
import { setTerrain } from "@hexcrawl/shared";
import { CrawlEditor } from "./CrawlEditor.svelte.ts";
import { PartyControls, PartyMode } from "./PartyControls.svelte.ts";
import { MarkerStyle, PARTY_COLOURS, initialsOf } from "../map/PartyLayer.ts";
import { playerPartyScene } from "./playerPartyOverlay.ts";

const ORIGIN = { source: "test-crawl" };

function setUp(editable = true) {
  const doc = new Y.Doc();
  for (const k of ["0,0", "1,0", "2,0", "3,0"]) setTerrain(doc, k, "plains");
  const crawl = new CrawlEditor(doc, ORIGIN, "dm1");
  const controls = new PartyControls(crawl, () => Orientation.pointy, () => editable);
  const id = crawl.createParty({ name: "The Company", members: ["ann"], visible: false });
  return { doc, crawl, controls, id };
}

describe("the DM's party controls", () => {
  it("[CRAWLUI3] place by click, then move by clicking a neighbour; a far click does not move; keypad steps", () => {
    const { crawl, controls, id } = setUp();
    expect(controls.click("0,0")).toBe(false); // mode off: the map selects as usual
    controls.setMode(PartyMode.place);
    expect(controls.click("0,0")).toBe(true);
    expect(crawl.party(id)?.at).toBe("0,0");
    expect(crawl.trail(id)).toHaveLength(0);
    expect(controls.mode).toBe(PartyMode.move);
    controls.click("1,0");
    expect(crawl.party(id)?.at).toBe("1,0");
    expect(crawl.clock.total).toBe(2);
    controls.click("3,0");
    expect(crawl.party(id)?.at).toBe("1,0");
    expect(controls.message).toMatch(/not next to/);
    expect(controls.key("6")).toBe(true);
    expect(crawl.party(id)?.at).toBe("2,0");
    expect(controls.key("x")).toBe(false);
    expect(crawl.trail(id).map((s) => s.hex)).toEqual(["1,0", "2,0"]);
    crawl.destroy();
  });

  it("[CRAWLUI3] dragging the marker one hex travels, further places; the believed marker drags while lost", () => {
    const { crawl, controls, id } = setUp();
    crawl.place(id, "0,0");
    const overlay = controls.overlay;
    expect(overlay.grab?.("2,0")).toBe(false);
    expect(overlay.grab?.("0,0")).toBe(true);
    overlay.dragTo?.("1,0");
    overlay.drop?.("1,0");
    expect(crawl.party(id)).toMatchObject({ at: "1,0" });
    expect(crawl.trail(id)).toHaveLength(1);
    controls.overlay.grab?.("1,0");
    controls.overlay.drop?.("3,0");
    expect(crawl.party(id)?.at).toBe("3,0");
    expect(crawl.trail(id)).toHaveLength(1);
    // A cancelled drag changes nothing.
    controls.overlay.grab?.("3,0");
    controls.overlay.drop?.(null);
    expect(crawl.party(id)?.at).toBe("3,0");
    crawl.setLost(id, true);
    crawl.move(id, "2,0");
    expect(crawl.party(id)).toMatchObject({ at: "2,0", shownAt: "3,0" });
    expect(controls.overlay.grab?.("3,0")).toBe(true);
    controls.overlay.drop?.("0,0");
    expect(crawl.party(id)).toMatchObject({ at: "2,0", shownAt: "0,0", lost: true });
    controls.setMode(PartyMode.shown);
    controls.click("1,0");
    expect(crawl.party(id)?.shownAt).toBe("1,0");
    crawl.destroy();
  });

  it("[CRAWLUI3] [TRAVEL5] with progress on, a move is one watch toward the hex until its miles are covered", () => {
    const { crawl, controls, id } = setUp();
    crawl.place(id, "0,0");
    controls.setMode(PartyMode.move);
    controls.progress = true;
    controls.click("1,0");
    expect(crawl.party(id)).toMatchObject({ at: "0,0", progress: { toward: "1,0", miles: 3 } });
    expect(controls.message).toMatch(/3 of 6 miles/);
    expect(crawl.clock.total).toBe(1);
    controls.click("1,0");
    expect(crawl.party(id)).toMatchObject({ at: "1,0", progress: null });
    expect(crawl.clock.total).toBe(2);
    crawl.destroy();
  });

  it("[CRAWLUI4] the DM's overlay draws a lost party twice (true and believed); read-only DMs cannot move or drag", () => {
    const { crawl, controls, id } = setUp();
    crawl.place(id, "0,0");
    crawl.move(id, "1,0");
    expect(controls.scene.markers.map((m) => [m.hex, m.style])).toEqual([["1,0", MarkerStyle.solid]]);
    expect(controls.scene.trails).toEqual([{ hexes: ["1,0"], colour: expect.any(String), strong: true }]);
    crawl.setLost(id, true);
    crawl.move(id, "2,0");
    // Lost: the believed marker where the players think they are, the true one solid, a dashed link and trail.
    expect(controls.scene.markers.map((m) => [m.hex, m.style])).toEqual([
      ["1,0", MarkerStyle.believed],
      ["2,0", MarkerStyle.solid],
    ]);
    expect(controls.scene.links).toEqual([{ from: "2,0", to: "1,0", colour: expect.any(String) }]);
    expect(controls.scene.trails[1]).toMatchObject({ hexes: ["1,0", "1,0"], dashed: true });
    const ro = new PartyControls(crawl, () => Orientation.pointy, () => false);
    ro.setMode(PartyMode.move);
    expect(ro.click("2,0")).toBe(false);
    expect(ro.overlay.grab?.("2,0")).toBe(false);
    expect(ro.key("6")).toBe(false);
    expect(crawl.party(id)?.at).toBe("2,0");
    expect(initialsOf("The Company")).toBe("C");
    expect(initialsOf("Fen Walkers")).toBe("FW");
    crawl.destroy();
  });
});

describe("the player's party layer", () => {
  it("[CRAWLUI8] their own marker on top and ringed, other shown parties, no marker for a party off the map, their trail", () => {
    const scene = playerPartyScene(
      [
        { id: "a", name: "The Company", hex: "2,0", mine: true },
        { id: "b", name: "Rivals", hex: "5,5", mine: false },
        { id: "c", name: "Nowhere", hex: null, mine: false },
      ],
      [
        { hex: "1,0", day: 1, watch: 3 },
        { hex: "2,0", day: 1, watch: 5 },
      ],
    );
    expect(scene.markers.map((m) => [m.hex, m.initials, m.selected])).toEqual([
      ["5,5", "R", false],
      ["2,0", "C", true],
    ]);
    expect(scene.trails).toEqual([{ hexes: ["1,0", "2,0"], colour: PARTY_COLOURS[0], strong: true }]);
    expect(playerPartyScene([], []).trails).toEqual([]);
  });
});
