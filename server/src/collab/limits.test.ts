import { describe, expect, it } from "vitest";
import { WindowCounter } from "./limits.ts";

describe("WindowCounter", () => {
  it("[SEC3] counts hits per key inside the window and forgets older ones", () => {
    let t = 0;
    const c = new WindowCounter(1000, () => t);
    expect(c.hit("a")).toBe(1);
    expect(c.hit("a")).toBe(2);
    expect(c.hit("b")).toBe(1);
    t = 999;
    expect(c.count("a")).toBe(2);
    t = 1001;
    expect(c.count("a")).toBe(0);
    c.sweep();
    expect(c.hit("a")).toBe(1);
  });
});
