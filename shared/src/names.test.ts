import { describe, expect, it } from "vitest";
import { boundText, displayNameProblem, DisplayNameSchema, MAX_DISPLAY_NAME_CHARS, nameSchema } from "./names.ts";

describe("names", () => {
  it("[NAME1] display names: 1–64 characters after trimming, no control characters", () => {
    expect(displayNameProblem("  Ada  ")).toBeNull();
    expect(displayNameProblem("x".repeat(MAX_DISPLAY_NAME_CHARS))).toBeNull();
    expect(displayNameProblem("🐉".repeat(MAX_DISPLAY_NAME_CHARS))).toBeNull();
    expect(displayNameProblem("x".repeat(MAX_DISPLAY_NAME_CHARS + 1))).toMatch(/longer/);
    expect(displayNameProblem("   ")).toMatch(/empty/);
    expect(displayNameProblem("")).toMatch(/empty/);
    expect(displayNameProblem("a\u0000b")).toMatch(/control/);
    expect(displayNameProblem("a\nb")).toMatch(/control/);
    expect(displayNameProblem("evil\u202Egnp.exe")).toMatch(/control/);
    expect(displayNameProblem(42)).toMatch(/text/);
    expect(DisplayNameSchema.parse("  Ada ")).toBe("Ada");
    expect(DisplayNameSchema.safeParse("a\u0007").success).toBe(false);
  });

  it("[NAME2] campaign names refuse control characters", () => {
    const s = nameSchema(120);
    expect(s.parse(" The Marches ")).toBe("The Marches");
    expect(s.safeParse("a\u0000").success).toBe(false);
    expect(s.safeParse("x".repeat(121)).success).toBe(false);
  });

  it("[NAME3] boundText cuts to whole characters and blanks control characters", () => {
    expect(boundText("x".repeat(1000), 64)).toHaveLength(64);
    expect([...boundText("🐉".repeat(100), 64)]).toHaveLength(64);
    expect(boundText("a\u0000b", 64)).toBe("a b");
  });
});
