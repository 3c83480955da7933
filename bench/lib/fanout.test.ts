import * as Y from "yjs";
import { describe, expect, it } from "vitest";
import { Arrival } from "./fanout.ts";

function relay(from: Y.Doc, to: Y.Doc[]): void {
  from.on("update", (u: Uint8Array) => {
    for (const d of to) Y.applyUpdate(d, u);
  });
}

describe("Arrival", () => {
  it("[BENCH1] resolves when the last receiver holds the change", async () => {
    const writer = new Y.Doc();
    const readers = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    const arrival = new Arrival(readers);
    const done = arrival.arm((d) => d.getMap("terrain").get("0,0") === "forest", 1000);
    relay(writer, readers.slice(0, 2));
    writer.getMap("terrain").set("0,0", "forest");
    // Two of three have it: still waiting; the third gets it now.
    Y.applyUpdate(readers[2] as Y.Doc, Y.encodeStateAsUpdate(writer));
    const t = await done;
    expect(typeof t).toBe("number");
  });

  it("[BENCH5] every wait has a deadline: a change that never arrives rejects", async () => {
    const arrival = new Arrival([new Y.Doc()]);
    await expect(arrival.arm((d) => d.getMap("terrain").has("1,1"), 30)).rejects.toThrow(/did not get the change/);
  });
});
