import { describe, expect, it } from "vitest";
import {
  ALL_PLAYERS,
  hide,
  adjustClock,
  crawlEqual,
  indexReveals,
  levelOfView,
  moveParty,
  placeParty,
  projectCrawl,
  setLost,
  setParty,
  overlayViews,
  project,
  projectPrivate,
  readPlayerView,
  reveal,
  setDmNotes,
  KNOWLEDGE_LEVELS,
  setDmSetting,
  setExplored,
  setLabel,
  setLandmark,
  setNotes,
  setRumour,
  setTerrain,
  type PlayerView,
} from "@hexcrawl/shared";
import { mulberry32 } from "@hexcrawl/shared/prng";
import * as Y from "yjs";
import { IMMEDIATE_INTERVAL_MS } from "./ImmediateMode.ts";
import { memoryTable } from "./memory/memoryRoom.ts";
import { Publisher } from "./Publisher.ts";

/**
 * The seeded property test of the room in memory (PROP2 in SPEC.md): the same room the server runs, driven by
 * random DM edits, reveals, hides, mode switches, publishes of all or some hexes, drops, edits arriving over
 * Redis and players joining and leaving — thousands of steps in a second, where the real-server test (PROP1)
 * affords seventy.
 */

const SEEDS = [1, 7, 42, 1234, 99_991, 2024, 31337, 8, 555, 77];
const STEPS = 400;

function obj(view: PlayerView): Record<string, unknown> {
  return Object.fromEntries([...view.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

describe("[PROP2] the campaign room in memory, seeded", () => {
  it.each(SEEDS)("[PROP2] seed %i: with levels, landmarks and text edits, publishes keep party and player documents equal to the projection; the pending list equals one computed from scratch", async (seed) => {
    const rand = mulberry32(seed);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const t = memoryTable(3, `c${seed}`);
    const everyone = ["p0", "p1", "p2", "p3"];
    let members = ["p0", "p1", "p2"];
    const hexes = Array.from({ length: 25 }, (_, i) => `${(i % 5) - 2},${Math.floor(i / 5) - 2}`);
    let mode: "staged" | "immediate" = "staged";
    /**
     * Since the last full publish, an edit arrived over Redis (immediate mode leaves it to the instance that
     * received it) or the members changed (a joining player's earlier private reveals wait for a full publish).
     */
    let unsettled = false;
    const log: string[] = [];
    const coverage = { published: 0, pendingChecks: 0, private: 0 };

    const checkPublished = (why: string) => {
      const index = indexReveals(t.dm);
      const party = readPlayerView(t.party);
      expect(obj(party), `${why}: party`).toEqual(obj(project(t.dm, ALL_PLAYERS)));
      expect(crawlEqual(t.party, projectCrawl(t.dm, ALL_PLAYERS)), `${why}: party crawl`).toBe(true);
      for (const p of members) expect(crawlEqual(t.player(p), projectCrawl(t.dm, p)), `${why}: crawl of ${p}`).toBe(true);
      for (const p of members) {
        const own = readPlayerView(t.player(p));
        expect(obj(own), `${why}: own document of ${p}`).toEqual(obj(projectPrivate(t.dm, p, index)));
        expect(obj(overlayViews(party, own)), `${why}: view of ${p}`).toEqual(obj(project(t.dm, p)));
        if (own.size > 0) coverage.private += 1;
        for (const v of overlayViews(party, own).values()) levelsSeen.add(levelOfView(v) ?? "none");
      }
      coverage.published += 1;
    };
    const checkPending = async (why: string) => {
      const incremental = await t.room.pending();
      const fresh = new Publisher().pending({
        dm: t.dm,
        party: t.party,
        players: members.map((userId) => ({ userId, doc: t.player(userId) })),
      });
      expect(incremental, why).toEqual(fresh);
      coverage.pendingChecks += 1;
    };
    const secretFree = () => {
      for (const d of [t.party, ...everyone.map((p) => t.player(p))]) {
        expect(Buffer.from(Y.encodeStateAsUpdate(d)).toString("latin1")).not.toContain("SECRET");
      }
    };
    /** Levels seen in published views (not vacuous: every level occurs). */
    const levelsSeen = new Set<string>();

    for (let step = 0; step < STEPS; step++) {
      const r = rand();
      const hex = pick(hexes);
      const remote = rand() < 0.15;
      const apply = (fn: (d: Y.Doc) => void) => (remote ? t.remoteEdit(fn) : t.edit(fn));
      if (remote && r < 0.5) unsettled = true;
      if (r < 0.25) {
        const field = Math.floor(rand() * 7);
        const value = `${["t", "l", "n", "s", "r", "x", "m"][field]}-${seed}-${step}`;
        apply((d) => {
          if (field === 0) setTerrain(d, hex, pick(["forest", "hills", "plains", "swamp"]));
          else if (field === 1) setLabel(d, hex, rand() < 0.1 ? undefined : value);
          // Text edits are diffs of the current text (typing), sometimes clearing it.
          else if (field === 2) setNotes(d, hex, rand() < 0.1 ? "" : `${String(d.getMap("notes").get(hex) ?? "")} ${value}`.trim());
          else if (field === 3) setDmNotes(d, hex, `SECRET-${value}`);
          else if (field === 4) setRumour(d, hex, rand() < 0.1 ? undefined : value);
          else if (field === 5) setExplored(d, hex, rand() < 0.1 ? undefined : value);
          else setLandmark(d, hex, rand() < 0.5);
        });
        log.push(`${step}: edit ${["terrain", "label", "notes", "dmNotes", "rumour", "explored", "landmark"][field]} ${hex}${remote ? " (redis)" : ""}`);
      } else if (r < 0.4) {
        const target = rand() < 0.5 ? ALL_PLAYERS : pick(everyone);
        const level = pick(KNOWLEDGE_LEVELS);
        apply((d) => reveal(d, hex, target, undefined, level));
        log.push(`${step}: reveal ${hex} to ${target} (${level})${remote ? " (redis)" : ""}`);
      } else if (r < 0.47) {
        const target = rand() < 0.5 ? undefined : pick([ALL_PLAYERS, ...everyone]);
        apply((d) => hide(d, hex, target));
        log.push(`${step}: hide ${hex} from ${target ?? "all"}`);
      } else if (r < 0.47 + 0.03) {
        // The crawl: a party of two moves (sight rule), gets lost or found, the clock moves.
        const what = rand();
        apply((d) => {
          if (!d.getMap("parties").has("pa")) {
            setParty(d, "pa", { name: "Party A", members: ["p0", "p3"], visible: rand() < 0.5 });
            placeParty(d, "pa", hex);
          } else if (what < 0.6) moveParty(d, "pa", hex, { by: "dm", now: step });
          else if (what < 0.8) setLost(d, "pa", rand() < 0.5);
          else adjustClock(d, 1, { by: "dm", now: step });
        });
        log.push(`${step}: crawl ${hex}${remote ? " (redis)" : ""}`);
      } else if (r < 0.53) {
        mode = mode === "staged" ? "immediate" : "staged";
        t.edit((d) => setDmSetting(d, "broadcastMode", mode));
        log.push(`${step}: mode ${mode}`);
      } else if (r < 0.54) {
        // A player joins or leaves the campaign (p3 comes and goes).
        members = members.includes("p3") ? members.filter((p) => p !== "p3") : [...members, "p3"];
        t.members.set(t.campaignId, members.map((userId) => ({ userId, name: userId })));
        if (members.includes("p3")) t.room.playerConnected("p3");
        unsettled = true;
        await t.clock.advance(5_000);
        log.push(`${step}: members ${members.join(",")}`);
      } else if (r < 0.62) {
        await t.room.drop(hex, "dm1");
        log.push(`${step}: drop ${hex}`);
      } else if (r < 0.7) {
        await checkPending(`seed ${seed} step ${step}\n${log.join("\n")}`);
      } else if (r < 0.85) {
        const subset = rand() < 0.3 ? hexes.filter(() => rand() < 0.4) : undefined;
        // Commands read the member list fresh; let time pass so a membership change is seen.
        await t.clock.advance(3_000);
        await t.room.publish(subset, "dm1");
        log.push(`${step}: publish ${subset ? subset.join(" ") : "all"}`);
        if (!subset) {
          unsettled = false;
          checkPublished(`seed ${seed} step ${step}\n${log.join("\n")}`);
        }
      } else {
        await t.clock.advance(rand() < 0.5 ? 10 : IMMEDIATE_INTERVAL_MS * 3);
      }
      if (mode === "immediate" && !unsettled && rand() < 0.3) {
        // Immediate mode settles: everything edited here is out after the throttle interval.
        await t.clock.advance(IMMEDIATE_INTERVAL_MS * 3);
        checkPublished(`seed ${seed} step ${step} (immediate)\n${log.join("\n")}`);
      }
      secretFree();
    }
    await t.clock.advance(3_000);
    await t.room.publish(undefined, "dm1");
    checkPublished(`seed ${seed} final`);
    await checkPending(`seed ${seed} final pending`);
    expect(t.errors).toEqual([]);
    // Not vacuous: the run published, compared pending lists, and saw private parts.
    expect(coverage.published).toBeGreaterThan(3);
    expect(coverage.pendingChecks).toBeGreaterThan(3);
    expect(coverage.private).toBeGreaterThan(0);
    expect([...levelsSeen].sort()).toEqual([...KNOWLEDGE_LEVELS].sort());
  }, 60_000);
});
