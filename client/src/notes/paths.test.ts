import { describe, expect, it } from "vitest";
import { extendedPath } from "./paths.ts";

describe("drawing a path on the table", () => {
  it("[NOTES13] a path goes through adjacent hex centres, ignores repeats and bad keys, and stops at the cap", () => {
    expect(extendedPath([], "1,1", 200)).toEqual(["1,1"]);
    expect(extendedPath(["1,1"], "3,-1", 200)).toEqual(["1,1", "2,0", "3,-1"]);
    expect(extendedPath(["1,1", "2,0", "3,-1"], "3,1", 200)).toEqual(["1,1", "2,0", "3,-1", "3,0", "3,1"]);
    expect(extendedPath(["1,1"], "1,1", 200)).toEqual(["1,1"]);
    expect(extendedPath(["1,1"], "north", 200)).toEqual(["1,1"]);
    expect(extendedPath(["0,0"], "10,0", 4)).toEqual(["0,0", "1,0", "2,0", "3,0"]);
  });
});
