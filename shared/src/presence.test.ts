import { describe, expect, it } from "vitest";
import { cursorsOf, dmPresenceOf, dmsOnlineOf, pushedDmNames } from "./presence.ts";

const user = (userId: string, name: string) => ({ userId, name, role: "dm", colour: "#3cb44b" });

describe("presence from awareness", () => {
  it("[UIPRES2] who is online is the union of every server presence state (one per instance)", () => {
    const states = [
      { presence: { players: [{ userId: "p1", name: "Pia" }], dms: [{ userId: "d1", name: "Dana" }] } },
      { presence: { players: [{ userId: "p2", name: "Ada" }, { userId: "p1", name: "Pia" }], dms: [] } },
      { user: user("d2", "Bo"), cursor: { hex: "1,2" } },
      { presence: "garbage" },
    ];
    const p = dmPresenceOf(states);
    expect(p.players.map((u) => u.userId)).toEqual(["p2", "p1"]);
    expect(p.dms.map((u) => u.userId)).toEqual(["d1"]);
  });

  it("[UIPRES3] a player sees only whether a DM is online, by name", () => {
    expect(dmsOnlineOf([{ presence: { dms: [{ name: "Dana" }] } }, {}])).toEqual(["Dana"]);
    expect(dmsOnlineOf([{ presence: { dms: [] } }])).toEqual([]);
  });

  it("[UIPRES1] cursors come from other clients' server-stamped states, never our own or malformed ones", () => {
    const states: [number, unknown][] = [
      [1, { user: user("d1", "Dana"), cursor: { hex: "0,0" }, selection: ["2,-1"] }],
      [2, { user: user("me", "Me"), cursor: { hex: "5,5" } }],
      [3, { cursor: { hex: "1,1" } }],
      [4, { user: user("d2", "Bo"), cursor: {} }],
      [5, { user: user("d3", "Cy"), cursor: { hex: "not a hex" } }],
    ];
    const cursors = cursorsOf(states, 2);
    expect(cursors).toEqual([
      { clientId: 4, userId: "d2", name: "Bo", colour: "#3cb44b", hex: null, selected: null },
      { clientId: 1, userId: "d1", name: "Dana", colour: "#3cb44b", hex: "0,0", selected: "2,-1" },
    ]);
  });
  it("[UIPRES3] a presence push names the DMs online until it goes stale", () => {
    const push = { names: ["Dana", "Ari"], at: 1000 };
    expect(pushedDmNames(push, 1000, 15_000)).toEqual(["Ari", "Dana"]);
    expect(pushedDmNames(push, 16_000, 15_000)).toEqual(["Ari", "Dana"]);
    expect(pushedDmNames(push, 16_001, 15_000)).toEqual([]);
    expect(pushedDmNames(null, 0, 15_000)).toEqual([]);
  });
});
