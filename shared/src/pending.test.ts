import { describe, expect, it } from "vitest";
import { groupPending, MAX_PENDING_CHANGES_PER_GROUP, PendingListSchema, pendingFor, pendingHexes, playersAffectedBy, toPendingEntry } from "./pending.ts";
import type { PendingChange } from "./projection.ts";

const reveal = (hex: string, terrain = "forest"): PendingChange => ({ hex, kind: "reveal", after: { terrain, notes: "" } });

describe("pending list", () => {
  it("[PEND1] a change every player gets alike is listed once, under everyone; the rest under each player", () => {
    const list = groupPending([reveal("0,0")], [
      { userId: "bob", changes: [reveal("0,0")] },
      { userId: "alice", changes: [reveal("0,0"), reveal("1,0", "hills")] },
    ]);
    expect(list.everyone.changes.map((c) => c.hex)).toEqual(["0,0"]);
    expect(list.players.map((p) => [p.userId, p.changes.map((c) => c.hex)])).toEqual([
      ["alice", ["1,0"]],
      ["bob", []],
    ]);
    expect(PendingListSchema.safeParse(list).success).toBe(true);
  });

  it("[PEND1] [PROJ19] players handed the party diff itself (the same array) are grouped as if each had a copy", () => {
    const party = [reveal("0,0"), reveal("1,0", "hills")];
    const alice = [reveal("0,0"), reveal("2,0", "swamp")];
    const shared = groupPending(party, [
      { userId: "bob", changes: party },
      { userId: "carol", changes: party },
      { userId: "alice", changes: alice },
    ]);
    const copied = groupPending(party, [
      { userId: "bob", changes: [...party] },
      { userId: "carol", changes: [...party] },
      { userId: "alice", changes: alice },
    ]);
    expect(shared).toEqual(copied);
    // Alice lacks 1,0: only 0,0 is everyone's; Bob and Carol keep 1,0 as their own.
    expect(shared.everyone.changes.map((c) => c.hex)).toEqual(["0,0"]);
    expect(shared.players.map((p) => [p.userId, p.changes.map((c) => c.hex)])).toEqual([
      ["alice", ["2,0"]],
      ["bob", ["1,0"]],
      ["carol", ["1,0"]],
    ]);
    const all = groupPending(party, [{ userId: "bob", changes: party }]);
    expect(all.everyone.changes).toHaveLength(2);
    expect(all.players).toEqual([{ userId: "bob", changes: [], more: 0 }]);
  });

  it("[PEND2] pendingFor gives exactly each player's own diff, also when one of them keeps a hex the others lose", () => {
    // Revealed to everyone and privately to Alice, then hidden from everyone: the party loses it, Alice keeps it.
    const hide: PendingChange = { hex: "5,5", kind: "hide", before: { terrain: "hills" } };
    const list = groupPending([hide], [
      { userId: "alice", changes: [] },
      { userId: "bob", changes: [hide] },
    ]);
    expect(list.everyone.changes).toEqual([]);
    expect(pendingFor(list, "alice")).toEqual([]);
    expect(pendingFor(list, "bob").map((c) => [c.hex, c.kind])).toEqual([["5,5", "hide"]]);
    expect(playersAffectedBy(list, "5,5")).toEqual({ everyone: false, userIds: ["bob"] });
    // A hex revealed to a single player never reads as "everyone", even when they are the only player.
    const solo = groupPending([], [{ userId: "alice", changes: [reveal("1,0")] }]);
    expect(solo.everyone.changes).toEqual([]);
    // With no players yet, the list still shows what everyone will get.
    expect(groupPending([reveal("0,0")], []).everyone.changes).toHaveLength(1);
  });

  it("[PEND3] long texts travel as 'present', with the level and the names of the fields that change", () => {
    const entry = toPendingEntry({
      hex: "0,0",
      kind: "update",
      before: { terrain: "forest", notes: "old text" },
      after: { terrain: "forest", label: "Elderwood", notes: "a much longer new text" },
    });
    expect(entry).toEqual({
      hex: "0,0",
      kind: "update",
      fields: ["label", "notes"],
      before: { level: "visited", terrain: "forest", notes: true },
      after: { level: "visited", terrain: "forest", label: "Elderwood", notes: true },
    });
  });

  it("[PEND3] a level change reads as one (Alice: seen → explored), with the fields it opens", () => {
    const entry = toPendingEntry({
      hex: "1,1",
      kind: "update",
      before: { rumour: "a tower", terrain: "hills" },
      after: { rumour: "a tower", terrain: "hills", label: "Tower", notes: "", explored: "a cellar" },
    });
    expect(entry.before?.level).toBe("seen");
    expect(entry.after?.level).toBe("explored");
    expect(entry.fields).toEqual(["label", "notes", "explored"]);
    expect(entry.after).toEqual({ level: "explored", terrain: "hills", label: "Tower", rumour: true, explored: true });
  });

  it("[PEND4] a group carries at most MAX_PENDING_CHANGES_PER_GROUP changes and counts the rest", () => {
    const many = Array.from({ length: MAX_PENDING_CHANGES_PER_GROUP + 5 }, (_, i) => reveal(`${i},0`));
    const list = groupPending(many, []);
    expect(list.everyone.changes).toHaveLength(MAX_PENDING_CHANGES_PER_GROUP);
    expect(list.everyone.more).toBe(5);
    expect(pendingHexes(list).size).toBe(MAX_PENDING_CHANGES_PER_GROUP);
    expect(PendingListSchema.safeParse(list).success).toBe(true);
  });
});
