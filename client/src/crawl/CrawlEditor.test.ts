import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyCrawl, ALL_PLAYERS, projectCrawl, setTerrain } from "@hexcrawl/shared";
import { mulberry32 } from "@hexcrawl/shared/prng";
import { CrawlEditor } from "./CrawlEditor.svelte.ts";
import { PlayerCrawl } from "./PlayerCrawl.svelte.ts";

const ORIGIN = { source: "test-edit" };

describe("the crawl in the client", () => {
  it("[CRAWLUI1] the DM creates a party, moves it, loses it, rolls; every change reads back reactively", () => {
    const doc = new Y.Doc();
    setTerrain(doc, "1,0", "plains");
    const crawl = new CrawlEditor(doc, ORIGIN, "dm1", mulberry32(1));
    const id = crawl.createParty({ name: "The Company", members: ["ann"], visible: false });
    crawl.place(id, "0,0");
    const before = crawl.revision;
    const moved = crawl.move(id, "1,0");
    expect(crawl.revision).toBeGreaterThan(before);
    expect(moved.watches).toBe(2);
    expect(crawl.clock).toMatchObject({ day: 1, watch: 3, total: 2 });
    expect(crawl.trail(id).map((s) => s.hex)).toEqual(["1,0"]);
    crawl.setLost(id, true);
    crawl.move(id, "2,0");
    expect(crawl.party(id)).toMatchObject({ at: "2,0", shownAt: "1,0", lost: true });
    crawl.setTableEntry("weather", { text: "Fog", weight: 1 });
    const r = crawl.roll("weather", null);
    expect(r.text).toBe("Fog");
    expect(crawl.rolls[0]?.id).toBe(r.id);
    crawl.share(r.id);
    expect(crawl.rolls[0]?.shared).toBe(true);
    crawl.destroy();
  });

  it("[PLAY7] the player's crawl: their marker, trail and the clock over the party document; shared rolls newest first", () => {
    const dm = new Y.Doc();
    const crawl = new CrawlEditor(dm, ORIGIN, "dm1");
    const id = crawl.createParty({ name: "The Company", members: ["ann"], visible: false });
    crawl.place(id, "0,0");
    crawl.move(id, "1,0");
    const own = new Y.Doc();
    const party = new Y.Doc();
    const view = new PlayerCrawl(own, party);
    applyCrawl(own, projectCrawl(dm, "ann"), "publish");
    applyCrawl(party, projectCrawl(dm, ALL_PLAYERS), "publish");
    expect(view.parties).toEqual([{ id, name: "The Company", hex: "1,0", mine: true }]);
    expect(view.trail.map((s) => s.hex)).toEqual(["1,0"]);
    expect(view.clock?.day).toBe(1);
    view.addRoll({ v: 1, type: "roll", kind: "weather", text: "Rain", day: 1, watch: 2 });
    view.addRoll({ v: 1, type: "roll", kind: "encounter", text: "Wolves", day: 1, watch: 3 });
    expect(view.rolls.map((r) => r.text)).toEqual(["Wolves", "Rain"]);
    view.destroy();
    crawl.destroy();
  });
});
