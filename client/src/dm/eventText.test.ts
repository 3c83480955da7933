import { describe, expect, it } from "vitest";
import { describeEvent } from "./eventText.ts";

const at = "2026-11-29T10:00:00.000Z";
const names: Record<string, string> = { dm1: "Dana", p1: "Ann" };
const nameOf = (id: string | null) => (id ? (names[id] ?? "someone") : "someone");

describe("session log text", () => {
  it("[LOGUI1] events read as sentences with names, levels and travel", () => {
    const e = (type: string, payload: unknown, actorId: string | null = "dm1") => describeEvent({ id: 1, sessionId: "s", type, actorId, payload, at }, nameOf);
    expect(e("session_start", {})).toBe("Dana started the session");
    expect(e("reveal", { reveals: [{ hex: "1,1", target: "*", level: "seen" }, { hex: "2,2", target: "p1", level: "explored" }] })).toBe(
      "Dana revealed 1,1 → everyone (seen), 2,2 → Ann (explored)",
    );
    expect(e("move", { hex: "3,3", shown: "2,2", watches: 2 })).toBe("Dana moved the party to 3,3 (they believe 2,2), 2 watch(es)");
    expect(e("roll", { kind: "encounter", text: "Wolves", d100: 7 })).toBe("Dana rolled encounter: Wolves (d100 7)");
    expect(e("player_join", { userId: "p1", name: "Ann" }, "p1")).toBe("Ann joined");
    expect(e("publish", { hexes: ["1,1"], players: ["p1", "p2"] }, null)).toBe("Immediate mode published 1 hex to 2 players");
    expect(e("something_new", {})).toBe("Dana: something_new");
  });
});
