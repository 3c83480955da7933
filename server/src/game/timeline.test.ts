import { describe, expect, it } from "vitest";
import { ALL_PLAYERS, hide, KnowledgeLevel, reveal, setDmNotes, setLabel, setNotes, setRumour, setTerrain } from "@hexcrawl/shared/model";
import { overlayViews, readPlayerView, type HexView } from "@hexcrawl/shared/projection";
import { foldTimeline, playerTimeline, PUBLISH_VIEWS_EVENT, PublishViewsPayloadSchema, recapOf, type TimelineEntry } from "@hexcrawl/shared/timeline";
import { memoryTable } from "./memory/memoryRoom.ts";

/** The entries of one player's timeline, as the HTTP route would answer them. */
function timelineOf(t: ReturnType<typeof memoryTable>, player: string, sessionOf: (i: number) => string | null = () => null, max?: number): TimelineEntry[] {
  const records = t.events
    .ofType(PUBLISH_VIEWS_EVENT)
    .map((e, i) => ({ id: i, at: e.at.toISOString(), sessionId: sessionOf(i), payload: PublishViewsPayloadSchema.parse(e.payload) }));
  return playerTimeline(records, player, max).entries;
}

describe("replay (timeline) in memory", () => {
  it("[REPLAY1] [REPLAY4] after N publishes, the timeline folded to publish k equals the player's view recorded then; no secret is recorded", async () => {
    const t = memoryTable(2);
    const seen: Array<Map<string, Map<string, HexView>>> = [];
    const snapshot = () => {
      const party = readPlayerView(t.party);
      seen.push(new Map(["p0", "p1"].map((id) => [id, overlayViews(party, readPlayerView(t.player(id)))])));
    };
    const steps: Array<() => void> = [
      () => t.edit((d) => {
        setTerrain(d, "0,0", "forest");
        setRumour(d, "0,0", "A witch lives here");
        setDmNotes(d, "0,0", "SECRET-CANARY");
        reveal(d, "0,0", ALL_PLAYERS, undefined, KnowledgeLevel.rumoured);
      }),
      () => t.edit((d) => reveal(d, "0,0", ALL_PLAYERS, undefined, KnowledgeLevel.seen)),
      () => t.edit((d) => {
        setLabel(d, "0,0", "Witchwood");
        setNotes(d, "0,0", "Old oaks");
        setTerrain(d, "1,0", "hills");
        reveal(d, "0,0", "p0", undefined, KnowledgeLevel.visited);
        reveal(d, "1,0", "p1", undefined, KnowledgeLevel.visited);
      }),
      () => t.edit((d) => hide(d, "1,0")),
      () => t.edit((d) => reveal(d, "0,0", ALL_PLAYERS, undefined, KnowledgeLevel.explored)),
    ];
    for (const step of steps) {
      step();
      await t.room.publish(undefined, "dm1");
      snapshot();
    }
    await t.log.drain();
    for (const player of ["p0", "p1"]) {
      const entries = timelineOf(t, player);
      expect(entries.length).toBeGreaterThanOrEqual(4);
      // Each publish that changed this player's view is one entry; fold up to it = the view then.
      let k = -1;
      for (let step = 0; step < seen.length; step++) {
        const want = seen[step]?.get(player) ?? new Map();
        while (k + 1 < entries.length && !mapsEqual(foldTimeline(entries, k), want)) k += 1;
        expect(mapsEqual(foldTimeline(entries, k), want), `${player} after publish ${step + 1}`).toBe(true);
      }
      expect(JSON.stringify(entries)).not.toContain("SECRET-CANARY");
    }
    // p1 never had p0's private visit: no notes in p1's timeline until everyone explored the hex (the last publish).
    const p1 = timelineOf(t, "p1");
    expect(JSON.stringify(p1.slice(0, -1))).not.toContain("Old oaks");
    expect(JSON.stringify(p1.at(-1))).toContain("Old oaks");
  });

  it("[REPLAY3] one event per publish whatever the number of players; a cut timeline still folds to the right map", async () => {
    const t = memoryTable(5);
    for (let i = 0; i < 6; i++) {
      t.edit((d) => {
        setTerrain(d, `${i},0`, "plains");
        reveal(d, `${i},0`, ALL_PLAYERS);
        setTerrain(d, `${i},1`, "forest");
        reveal(d, `${i},1`, "p2");
      });
      await t.room.publish(undefined, "dm1");
    }
    await t.log.drain();
    expect(t.events.ofType(PUBLISH_VIEWS_EVENT)).toHaveLength(6);
    const full = timelineOf(t, "p2");
    const cut = timelineOf(t, "p2", () => null, 2);
    expect(cut).toHaveLength(2);
    expect(mapsEqual(foldTimeline(cut, 1), foldTimeline(full, full.length - 1))).toBe(true);
    expect(foldTimeline(full, full.length - 1).size).toBe(12);
    expect(foldTimeline(timelineOf(t, "p0"), 5).size).toBe(6);
  });

  it("[REPLAY6] players who got the same own changes share one recorded list; each still reads only their own; old rows still fold", async () => {
    const t = memoryTable(4);
    t.edit((d) => {
      for (let i = 0; i < 5; i++) {
        setTerrain(d, `${i},0`, "hills");
        for (const p of ["p0", "p1", "p2"]) reveal(d, `${i},0`, p);
      }
      setTerrain(d, "0,5", "swamp");
      setLabel(d, "0,5", "Only p3's");
      reveal(d, "0,5", "p3");
    });
    await t.room.publish(undefined, "dm1");
    await t.log.drain();
    const [event] = t.events.ofType(PUBLISH_VIEWS_EVENT);
    const payload = PublishViewsPayloadSchema.parse(event?.payload);
    // One shared list for p0–p2 (5 changes once, not 15), p3's own entry apart.
    expect(payload.own).toHaveLength(2);
    expect(payload.own.find((o) => "players" in o)).toMatchObject({ players: ["p0", "p1", "p2"] });
    expect(payload.own.reduce((n, o) => n + o.changes.length, 0)).toBe(6);
    for (const p of ["p0", "p1", "p2"]) expect(foldTimeline(timelineOf(t, p), 0).size).toBe(5);
    const p3 = foldTimeline(timelineOf(t, "p3"), 0);
    expect([...p3.keys()]).toEqual(["0,5"]);
    expect(JSON.stringify(timelineOf(t, "p0"))).not.toContain("Only p3's");
    // A row written before the shared form (one entry per player) reads the same.
    const legacy = PublishViewsPayloadSchema.parse({
      party: [],
      own: [{ player: "p9", changes: [{ hex: "3,3", view: { terrain: "forest" } }] }],
      clock: null,
      trails: [],
    });
    const old = playerTimeline([{ id: 1, at: "2026-01-01T00:00:00.000Z", sessionId: null, payload: legacy }], "p9").entries;
    expect(foldTimeline(old, 0).get("3,3")).toEqual({ terrain: "forest" });
    // Both forms at once in one entry is refused.
    expect(PublishViewsPayloadSchema.safeParse({ ...legacy, own: [{ player: "p9", players: ["p9"], changes: [] }] }).success).toBe(false);
  });

  it("[RECAP1] a session's recap counts new hexes, raised levels and names learned", async () => {
    const t = memoryTable(1);
    t.edit((d) => {
      setTerrain(d, "0,0", "plains");
      reveal(d, "0,0", ALL_PLAYERS);
    });
    await t.room.publish(undefined, "dm1");
    t.edit((d) => {
      setTerrain(d, "1,0", "forest");
      setLabel(d, "1,0", "Witchwood");
      reveal(d, "1,0", ALL_PLAYERS, undefined, KnowledgeLevel.seen);
      setRumour(d, "2,0", "dragons");
      reveal(d, "2,0", ALL_PLAYERS, undefined, KnowledgeLevel.rumoured);
      reveal(d, "0,0", ALL_PLAYERS, undefined, KnowledgeLevel.explored);
    });
    await t.room.publish(undefined, "dm1");
    t.edit((d) => reveal(d, "1,0", ALL_PLAYERS, undefined, KnowledgeLevel.visited));
    await t.room.publish(undefined, "dm1");
    await t.log.drain();
    const entries = timelineOf(t, "p0", (i) => (i === 0 ? "s1" : "s2"));
    const recap = recapOf(entries, "s2");
    expect(recap).toMatchObject({ sessionId: "s2", publishes: 2, newHexes: 2, raised: 2, names: ["Witchwood"] });
    expect(recap?.levels).toEqual({ rumoured: 1, visited: 1, explored: 1 });
    expect(recapOf(entries, "nope")).toBeNull();
  });
});

function mapsEqual(a: ReadonlyMap<string, HexView>, b: ReadonlyMap<string, HexView>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (JSON.stringify(sorted(v)) !== JSON.stringify(sorted(b.get(k)))) return false;
  return true;
}
function sorted(v: HexView | undefined): unknown {
  return v ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort()) : null;
}
