import { describe, expect, it } from "vitest";
import { Orientation } from "@hexcrawl/shared/hex";
import { digitOfCode, isNeighbour, STEP_KEYS, stepKeyFor } from "./partySteps.ts";

describe("keyboard steps of a party", () => {
  it("[CRAWLUI3] keypad digits step to the neighbour closest to their direction on screen, on both grids", () => {
    // Pointy: east is (1,0), west (-1,0), north-east (1,-1), south-west (-1,1).
    expect(stepKeyFor("6", "0,0", Orientation.pointy)).toBe("1,0");
    expect(stepKeyFor("4", "0,0", Orientation.pointy)).toBe("-1,0");
    expect(stepKeyFor("9", "0,0", Orientation.pointy)).toBe("1,-1");
    expect(stepKeyFor("1", "0,0", Orientation.pointy)).toBe("-1,1");
    expect(stepKeyFor("3", "2,3", Orientation.pointy)).toBe("2,4");
    expect(stepKeyFor("7", "2,3", Orientation.pointy)).toBe("2,2");
    // Flat: north is (0,-1), south (0,1).
    expect(stepKeyFor("8", "0,0", Orientation.flat)).toBe("0,-1");
    expect(stepKeyFor("2", "0,0", Orientation.flat)).toBe("0,1");
    for (const o of [Orientation.pointy, Orientation.flat]) {
      for (const k of STEP_KEYS) expect(isNeighbour("5,-2", stepKeyFor(k, "5,-2", o) ?? "")).toBe(true);
    }
    expect(stepKeyFor("5", "0,0", Orientation.pointy)).toBeNull();
    expect(stepKeyFor("w", "0,0", Orientation.pointy)).toBeNull();
    // Shift+digit: the physical key, on the top row or the keypad.
    expect(digitOfCode("Digit8")).toBe("8");
    expect(digitOfCode("Numpad3")).toBe("3");
    expect(digitOfCode("KeyE")).toBeNull();
  });
});
