import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { LayeredMap } from "./LayeredMap.ts";

function docWith(entries: Record<string, string>): Y.Doc {
  const doc = new Y.Doc();
  const m = doc.getMap<string>("terrain");
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return doc;
}

function plain(view: LayeredMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  view.forEach((v, k) => (out[k] = v));
  return out;
}

describe("[PLAY5] a player's layers show their own document over the party document", () => {
  it("[PLAY5] own keys win, party keys fill in, every key is visited once", () => {
    const own = docWith({ "0,0": "forest", "1,0": "hills" });
    const party = docWith({ "1,0": "swamp", "2,0": "lake" });
    const view = new LayeredMap(own, "terrain", party);
    expect(view.get("1,0")).toBe("hills");
    expect(view.get("2,0")).toBe("lake");
    expect(view.get("9,9")).toBeUndefined();
    expect(view.has("2,0")).toBe(true);
    expect(plain(view)).toEqual({ "0,0": "forest", "1,0": "hills", "2,0": "lake" });
    expect(view.size).toBe(3);
  });

  it("[PLAY5] without a party layer it is the document's own map", () => {
    const own = docWith({ "0,0": "forest" });
    const view = new LayeredMap(own, "terrain");
    expect(view.size).toBe(1);
    expect(plain(view)).toEqual({ "0,0": "forest" });
  });

  it("[PLAY5] a change in either document is observed until the cleanup", () => {
    const own = docWith({});
    const party = docWith({});
    const view = new LayeredMap(own, "terrain", party);
    let calls = 0;
    const stop = view.observe(() => (calls += 1));
    party.getMap("terrain").set("0,0", "forest");
    own.getMap("terrain").set("1,0", "hills");
    expect(calls).toBe(2);
    // A hex moving from the party document into the player's own one keeps showing.
    own.getMap("terrain").set("0,0", "forest");
    party.getMap("terrain").delete("0,0");
    expect(view.get("0,0")).toBe("forest");
    stop();
    party.getMap("terrain").set("5,5", "lake");
    expect(calls).toBe(4);
  });
});
