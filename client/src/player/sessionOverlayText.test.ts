import { describe, expect, it } from "vitest";
import { sessionOverlayText } from "./sessionOverlayText.ts";

describe("player session overlay", () => {
  it("[PLAY3] waiting, paused and ended cover the map; active does not", () => {
    expect(sessionOverlayText("waiting")).toBe("Waiting for the DM to start the session");
    expect(sessionOverlayText("paused")).toBe("Session paused");
    expect(sessionOverlayText("ended")).toBe("Session ended");
    expect(sessionOverlayText("active")).toBeNull();
    expect(sessionOverlayText("preparing")).toBe("The DM is preparing the map");
  });
});
