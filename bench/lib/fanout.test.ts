import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { Arrival, shown, Watch } from "./fanout.ts";

function relay(from: Y.Doc, to: Y.Doc[]): void {
  from.on("update", (u: Uint8Array) => {
    for (const d of to) Y.applyUpdate(d, u);
  });
}

describe("Arrival", () => {
  it("[BENCH1] resolves when the last receiver holds the change", async () => {
    const writer = new Y.Doc();
    const readers = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const arrival = new Arrival(readers.map((d) => [d]));
    const done = arrival.arm((r) => shown(r, "terrain", "0,0") === "forest", 1000);
    relay(writer, readers.slice(0, 2));
    writer.getMap("terrain").set("0,0", "forest");
    // Two of three have it: still waiting; the third gets it now.
    Y.applyUpdate(readers[2] as Y.Doc, Y.encodeStateAsUpdate(writer));
    const t = await done;
    expect(typeof t).toBe("number");
  });

  it("[BENCH5] every wait has a deadline: a change that never arrives rejects", async () => {
    const arrival = new Arrival([[new Y.Doc()]]);
    await expect(arrival.arm((r) => shown(r, "terrain", "1,1") !== undefined, 30)).rejects.toThrow(/did not get the change/);
  });

  it("[BENCH1] a receiver of two documents (own over party) counts once, when what it shows has the change", async () => {
    const own = new Y.Doc();
    const party = new Y.Doc();
    const arrival = new Arrival([[own, party]]);
    const done = arrival.arm((r) => shown(r, "terrain", "0,0") === "forest" && shown(r, "terrain", "1,0") === "hills", 1000);
    party.getMap("terrain").set("0,0", "forest");
    own.getMap("terrain").set("1,0", "hills");
    expect(typeof (await done)).toBe("number");
    expect(shown([own, party], "terrain", "2,0")).toBeUndefined();
  });
});

describe("Watch", () => {
  it("[BENCH13] many changes in flight on one receiver: each resolves on the first update that shows it, in any order", () => {
    const receiver = new Y.Doc();
    const watch = new Watch([receiver]);
    const seen: string[] = [];
    const terrain = receiver.getMap<string>("terrain");
    watch.add(() => terrain.get("0,0") === "forest", () => seen.push("a"));
    watch.add(() => terrain.get("1,0") === "hills", () => seen.push("b"));
    terrain.set("1,0", "hills");
    expect(seen).toEqual(["b"]);
    terrain.set("0,0", "forest");
    expect(seen).toEqual(["b", "a"]);
    expect(watch.size).toBe(0);
    watch.add(() => true, () => seen.push("c")); // already shown: at once
    expect(seen).toEqual(["b", "a", "c"]);
    watch.close();
  });
});
