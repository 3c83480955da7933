import { describe, expect, it } from "vitest";
import { TERRAINS } from "@hexcrawl/shared/model";
import { terrainColor, terrainName, UNKNOWN_TERRAIN_COLOR } from "./palette.ts";

describe("palette", () => {
  it("[CLIENT9] every palette terrain has its own colour; unknown ids get a loud one and keep their id", () => {
    const colours = TERRAINS.map((t) => terrainColor(t.id));
    expect(new Set(colours).size).toBe(TERRAINS.length);
    expect(colours).not.toContain(UNKNOWN_TERRAIN_COLOR);
    expect(terrainColor("lava-from-the-future")).toBe(UNKNOWN_TERRAIN_COLOR);
    expect(terrainName("forest")).toBe("Forest");
    expect(terrainName("lava-from-the-future")).toBe("lava-from-the-future");
  });
});
