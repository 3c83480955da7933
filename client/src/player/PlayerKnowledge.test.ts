import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyView, ALL_PLAYERS, indexReveals, project, projectPrivate, reveal, setNotes, setRumour, setTerrain } from "@hexcrawl/shared";
import { PlayerKnowledge } from "./PlayerKnowledge.svelte.ts";

describe("player knowledge", () => {
  it("[PLAY6] the level of each hex reads back from the player's documents (own over party), even for hexes the DM wrote nothing for", () => {
    const dm = new Y.Doc();
    setRumour(dm, "0,0", "a tower");
    reveal(dm, "0,0", ALL_PLAYERS, undefined, "rumoured");
    setTerrain(dm, "1,0", "hills");
    reveal(dm, "1,0", ALL_PLAYERS, undefined, "seen");
    reveal(dm, "1,0", "scout", undefined, "explored");
    setNotes(dm, "2,0", "");
    reveal(dm, "2,0", ALL_PLAYERS, undefined, "visited");
    const party = new Y.Doc();
    const own = new Y.Doc();
    applyView(party, project(dm, ALL_PLAYERS), { origin: "publish" });
    applyView(own, projectPrivate(dm, "scout", indexReveals(dm)), { origin: "publish" });
    const k = new PlayerKnowledge(own, party);
    expect(k.toRecord()).toEqual({ "0,0": "rumoured", "1,0": "explored", "2,0": "visited" });
    const before = k.revision;
    reveal(dm, "0,0", ALL_PLAYERS, undefined, "seen");
    applyView(party, project(dm, ALL_PLAYERS), { origin: "publish" });
    expect(k.revision).toBeGreaterThan(before);
    expect(k.levelOf("0,0")).toBe("seen");
    expect(k.levelOf("9,9")).toBeNull();
    k.destroy();
  });
});
