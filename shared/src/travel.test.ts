import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { adjustClock, moveParty, moveShown, placeParty, roll, setLost, setParty, setTableEntry, shareRoll, travelOneWatch } from "./crawlActions.ts";
import { applyCrawl, crawlEqual, overlayCrawl, projectCrawl, readCrawlSource, readCrawlView } from "./crawlProjection.ts";
import { ALL_PLAYERS, levelFor, setLandmark, setTerrain } from "./model.ts";
import { mulberry32 } from "./prng.ts";
import { clockOf, PlayerCrawlMap, readParties, readRolls, readTimeline, readTravelSettings, setTravelSetting, sightOf, travelWatches, TRAVEL_DEFAULTS } from "./travel.ts";

const NOW = 1_800_000_000_000;

function table(): Y.Doc {
  const dm = new Y.Doc();
  for (const [hex, terrain] of [
    ["0,0", "plains"],
    ["1,0", "forest"],
    ["2,0", "hills"],
    ["3,0", "mountains"],
  ] as const) setTerrain(dm, hex, terrain);
  setParty(dm, "north", { name: "The Northern Company", members: ["ann", "bo"], visible: false });
  setParty(dm, "south", { name: "Southern Riders", members: ["cy"], visible: true });
  placeParty(dm, "north", "0,0");
  placeParty(dm, "south", "0,5");
  return dm;
}

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe("the crawl", () => {
  it("[TRAVEL1] parties have a name, members, a true and a shown position; invalid records are skipped", () => {
    const dm = table();
    dm.getMap<unknown>("parties").set("bad", { name: "", members: "x" });
    const parties = readParties(dm);
    expect([...parties.keys()].sort()).toEqual(["north", "south"]);
    expect(parties.get("north")).toMatchObject({ name: "The Northern Company", members: ["ann", "bo"], at: "0,0", shownAt: "0,0", lost: false });
  });

  it("[TRAVEL3] [TRAVEL6] a move records a step and its time, and the sight rule raises the members' levels (never lowers)", () => {
    const dm = table();
    setLandmark(dm, "4,0", true);
    const r = moveParty(dm, "north", "1,0", { by: "dm", now: NOW });
    expect(r.watches).toBe(travelWatches(TRAVEL_DEFAULTS, "forest"));
    const { steps, total } = readTimeline(dm);
    expect(steps.map((s) => [s.partyId, s.hex, s.shown])).toEqual([["north", "1,0", "1,0"]]);
    expect(total).toBe(3);
    // The hex entered is visited, its neighbours seen, the landmark 3 hexes away seen; for members only.
    expect(levelFor(dm, "1,0", "ann")).toBe("visited");
    expect(levelFor(dm, "2,0", "bo")).toBe("seen");
    expect(levelFor(dm, "4,0", "ann")).toBe("seen");
    expect(levelFor(dm, "1,0", "cy")).toBeNull();
    expect(sightOf(dm, "1,0", readTravelSettings(dm)).get("1,0")).toBe("visited");
    // Never lowered: an explored hex stays explored when the party walks through it again.
    dm.getMap<unknown>("reveals").set("1,0|ann", "explored");
    moveParty(dm, "north", "1,0", { by: "dm", now: NOW + 1 });
    expect(levelFor(dm, "1,0", "ann")).toBe("explored");
  });

  it("[TRAVEL5] travel settings bound their values; one watch of travel adds progress, then enters the hex", () => {
    const dm = table();
    expect(() => setTravelSetting(dm, "watchesPerDay", 0)).toThrow(RangeError);
    setTravelSetting(dm, "hexMiles", 6);
    setTravelSetting(dm, "pace:plains", 4);
    expect(readTravelSettings(dm).pace["plains"]).toBe(4);
    placeParty(dm, "north", "1,0");
    expect(travelOneWatch(dm, "north", "0,0", { by: "dm", now: NOW })).toBeNull();
    expect(readParties(dm).get("north")?.progress).toEqual({ toward: "0,0", miles: 4 });
    const moved = travelOneWatch(dm, "north", "0,0", { by: "dm", now: NOW + 1 });
    expect(moved?.watches).toBe(1);
    expect(readParties(dm).get("north")?.at).toBe("0,0");
    expect(readTimeline(dm).total).toBe(2);
    expect(() => travelOneWatch(dm, "north", "5,5", { by: "dm", now: NOW })).toThrow(RangeError);
  });

  it("[TRAVEL4] two DMs moving and adjusting the clock at once — one offline — keep every step and every watch", () => {
    const a = table();
    const b = new Y.Doc();
    sync(a, b);
    moveParty(a, "north", "1,0", { by: "dmA", now: NOW, watches: 1 });
    adjustClock(a, 2, { by: "dmA", now: NOW + 5 });
    moveParty(b, "south", "0,4", { by: "dmB", now: NOW + 2, watches: 1 });
    moveParty(b, "north", "0,1", { by: "dmB", now: NOW + 3, watches: 1 });
    sync(a, b);
    for (const doc of [a, b]) {
      const t = readTimeline(doc);
      expect(t.steps).toHaveLength(3);
      expect(t.total).toBe(5);
    }
    expect(clockOf(5, 6)).toEqual({ day: 1, watch: 6 });
    expect(clockOf(6, 6)).toEqual({ day: 2, watch: 1 });
  });

  it("[TRAVEL7] lost: the true position moves, the shown one stays where the players believe; found: they meet again", () => {
    const dm = table();
    setLost(dm, "north", true);
    const r = moveParty(dm, "north", "1,0", { by: "dm", now: NOW });
    expect(r.revealed).toEqual([]);
    expect(readParties(dm).get("north")).toMatchObject({ at: "1,0", shownAt: "0,0", lost: true });
    moveShown(dm, "north", "0,1");
    expect(readParties(dm).get("north")?.shownAt).toBe("0,1");
    setLost(dm, "north", false);
    expect(readParties(dm).get("north")).toMatchObject({ at: "1,0", shownAt: "1,0", lost: false });
    expect(() => moveShown(dm, "north", "0,2")).toThrow(RangeError);
  });

  it("[TRAVEL8] rolls: an encounter check by the terrain's chance, an entry by weight, the weather; results DM-only until shared", () => {
    const dm = table();
    setTableEntry(dm, { terrain: "plains" }, "wolves", { text: "A pack of wolves", weight: 1 });
    setTableEntry(dm, "weather", "rain", { text: "Cold rain", weight: 3 });
    setTravelSetting(dm, "chance:plains", 1);
    const rand = mulberry32(3);
    const hit = roll(dm, "encounter", { partyId: "north", by: "dm", now: NOW, rand });
    expect(hit.record).toMatchObject({ kind: "encounter", hit: true, text: "A pack of wolves", terrain: "plains", shared: false });
    setTravelSetting(dm, "chance:plains", 0);
    expect(roll(dm, "encounter", { partyId: "north", by: "dm", now: NOW + 1, rand }).record).toMatchObject({ hit: false, text: "No encounter" });
    expect(roll(dm, "weather", { partyId: null, by: "dm", now: NOW + 2, rand }).record.text).toBe("Cold rain");
    shareRoll(dm, hit.id);
    expect(readRolls(dm).map((r) => r.shared)).toEqual([true, false, false]);
  });

  it("[TRAVEL9] [TRAVEL10] players get their party's shown marker and trail (shown hexes), the parties shown to all, and the clock — never a true position", () => {
    const dm = table();
    moveParty(dm, "north", "1,0", { by: "dm", now: NOW });
    setLost(dm, "north", true);
    moveParty(dm, "north", "2,0", { by: "dm", now: NOW + 1 });
    const ann = projectCrawl(dm, "ann");
    expect([...ann.parties]).toEqual([["north", { name: "The Northern Company", hex: "1,0", mine: true }]]);
    expect([...ann.trail.values()].map((s) => s.hex)).toEqual(["1,0", "1,0"]);
    expect(ann.clock).toBeNull();
    const party = projectCrawl(dm, ALL_PLAYERS);
    expect([...party.parties]).toEqual([["south", { name: "Southern Riders", hex: "0,5", mine: false }]]);
    expect(party.trail.size).toBe(0);
    // Forest (3 watches) then hills (3 watches): the start of day 2.
    expect(party.clock).toEqual({ day: 2, watch: 1, watchesPerDay: 6 });
    expect(JSON.stringify([...ann.parties, ...ann.trail, ...party.parties])).not.toContain("2,0");
    // Written into documents with the fewest changes, and read back the same; own over party.
    const own = new Y.Doc();
    const partyDoc = new Y.Doc();
    expect(applyCrawl(own, ann, "publish")).toBe(true);
    expect(applyCrawl(partyDoc, party, "publish")).toBe(true);
    expect(applyCrawl(own, ann, "publish")).toBe(false);
    const shown = overlayCrawl(readCrawlView(partyDoc), readCrawlView(own));
    expect([...shown.parties.keys()].sort()).toEqual(["north", "south"]);
    expect(shown.clock).toEqual(party.clock);
  });

  it("[TRAVEL11] a publish reads the DM's crawl once (CrawlSource) and projects the same for everyone; a player in no party is compared without a parse", () => {
    const dm = table();
    moveParty(dm, "north", "1,0", { by: "dm", now: NOW });
    const source = readCrawlSource(dm);
    for (const who of ["ann", "bob", "nobody", ALL_PLAYERS]) expect(projectCrawl(source, who)).toEqual(projectCrawl(dm, who));
    // Nobody's view is empty: equal to an empty document, not to one holding anything — even an entry that would not
    // parse, which writing the view then removes.
    const empty = projectCrawl(source, "nobody");
    const doc = new Y.Doc();
    expect(crawlEqual(doc, empty)).toBe(true);
    doc.getMap<unknown>(PlayerCrawlMap.trail).set("junk", { not: "a step" });
    expect(crawlEqual(doc, empty)).toBe(false);
    expect(applyCrawl(doc, empty, "publish")).toBe(true);
    expect(crawlEqual(doc, empty)).toBe(true);
  });
});
