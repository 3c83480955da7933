import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  ALL_PLAYERS,
  indexReveals,
  overlayViews,
  parseServerMessage,
  pendingFor,
  pendingHexes,
  project,
  projectPrivate,
  readPlayerView,
  readSession,
  reveal,
  ResultSchemaByCommand,
  moveParty,
  overlayCrawl,
  placeParty,
  readCrawlView,
  roll,
  setLost,
  setParty,
  setTableEntry,
  setDmNotes,
  setDmSetting,
  setExplored,
  setLabel,
  setNotes,
  setRumour,
  setTerrain,
  type Command,
  type PendingList,
  type Push,
} from "@hexcrawl/shared";
import { COMMAND_HANDLERS, runCommand } from "./commands.ts";
import { IMMEDIATE_INTERVAL_MS } from "./ImmediateMode.ts";
import { PENDING_PUSH_DELAY_MS, PENDING_PUSH_MAX_DELAY_MS } from "./PendingPush.ts";
import { memoryTable, type MemoryTable } from "./memory/memoryRoom.ts";
import type { MemoryConnection } from "./memory/MemoryPorts.ts";

/** The game rules on memory ports: same room as the server, no Hocuspocus, no Postgres, a test-driven clock. */

function obj(view: ReturnType<typeof readPlayerView>): Record<string, unknown> {
  return Object.fromEntries([...view.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** The invariant after a full publish (GAME7): party = project(*), own = projectPrivate, both = project(p). */
function expectPublished(t: MemoryTable, players: string[]): void {
  const index = indexReveals(t.dm);
  expect(obj(readPlayerView(t.party))).toEqual(obj(project(t.dm, ALL_PLAYERS)));
  for (const p of players) {
    expect(obj(readPlayerView(t.player(p))), `own document of ${p}`).toEqual(obj(projectPrivate(t.dm, p, index)));
    expect(obj(overlayViews(readPlayerView(t.party), readPlayerView(t.player(p)))), `view of ${p}`).toEqual(obj(project(t.dm, p)));
  }
}

function pushesOf(c: MemoryConnection): Push[] {
  return c.received.map((r) => parseServerMessage(r)).filter((m): m is Push => m !== null && "type" in m);
}

function pendingPushes(c: MemoryConnection): PendingList[] {
  return pushesOf(c).flatMap((p) => (p.type === "pending" ? [p.pending] : []));
}

describe("campaign room in memory", () => {
  it("[GAME1] [GAME7] staged: nothing reaches players before publish; publish writes the party document once and private reveals to their owner", async () => {
    const t = memoryTable(2);
    t.edit((d) => {
      setTerrain(d, "0,0", "forest");
      setLabel(d, "0,0", "Elderwood");
      setDmNotes(d, "0,0", "owlbear den");
      setTerrain(d, "1,0", "hills");
      reveal(d, "0,0", ALL_PLAYERS);
      reveal(d, "1,0", "p0");
    });
    const pending = await t.room.pending();
    expect(pending.everyone.changes.map((c) => [c.hex, c.kind])).toEqual([["0,0", "reveal"]]);
    expect(pendingFor(pending, "p0").map((c) => c.hex)).toEqual(["0,0", "1,0"]);
    expect(pendingFor(pending, "p1").map((c) => c.hex)).toEqual(["0,0"]);
    expect(readPlayerView(t.party).size).toBe(0);

    const result = await t.room.publish(undefined, "dm1");
    expect(result).toMatchObject({ hexes: 2, players: 2 });
    expectPublished(t, ["p0", "p1"]);
    expect(obj(readPlayerView(t.player("p0")))).toEqual({ "1,0": { terrain: "hills", notes: "" } });
    expect(JSON.stringify(t.party.toJSON())).not.toContain("owlbear");
    expect(pendingHexes(await t.room.pending()).size).toBe(0);
  });

  it("[GAME2] drop reverts one hex in the DM document; publish of listed hexes leaves the rest pending", async () => {
    const t = memoryTable(1);
    t.edit((d) => {
      setTerrain(d, "0,0", "plains");
      reveal(d, "0,0", ALL_PLAYERS);
    });
    await t.room.publish(undefined, "dm1");
    t.edit((d) => {
      setTerrain(d, "0,0", "lava");
      setTerrain(d, "3,3", "mountains");
      reveal(d, "3,3", ALL_PLAYERS);
      setTerrain(d, "4,4", "water");
      reveal(d, "4,4", ALL_PLAYERS);
    });
    expect(await t.room.drop("0,0", "dm1")).toEqual({ hex: "0,0", changed: true });
    expect(t.dm.getMap("terrain").get("0,0")).toBe("plains");
    expect((await t.room.publish(["3,3"], "dm1")).hexes).toBe(1);
    expect(pendingFor(await t.room.pending(), "p0").map((c) => c.hex)).toEqual(["4,4"]);
  });

  it("[GAME4] immediate mode: an edit here goes out on the next tick, a burst at most once per interval, an edit over Redis not from here", async () => {
    const t = memoryTable(1);
    t.edit((d) => setDmSetting(d, "broadcastMode", "immediate"));
    // The switch publishes everything pending; then a quiet moment.
    await t.clock.advance(IMMEDIATE_INTERVAL_MS);
    t.edit((d) => {
      setTerrain(d, "0,0", "forest");
      reveal(d, "0,0", ALL_PLAYERS);
    });
    let partyUpdates = 0;
    t.party.on("update", () => (partyUpdates += 1));
    await t.clock.advance(0);
    expect(obj(readPlayerView(t.party))).toEqual({ "0,0": { terrain: "forest", notes: "" } });
    expect(partyUpdates).toBe(1);
    // Ten keystrokes 5 ms apart: at most one publish per IMMEDIATE_INTERVAL_MS.
    for (let i = 0; i < 10; i++) {
      t.edit((d) => setNotes(d, "0,0", "tracks".slice(0, (i % 6) + 1)));
      await t.clock.advance(5);
    }
    await t.clock.advance(IMMEDIATE_INTERVAL_MS);
    expect(partyUpdates).toBeLessThanOrEqual(1 + Math.ceil(50 / IMMEDIATE_INTERVAL_MS) + 1);
    expect(readPlayerView(t.party).get("0,0")?.notes).toBe(String(t.dm.getMap("notes").get("0,0")));
    // An edit that arrived over Redis is published by the instance that received it, not here (GAME8).
    t.remoteEdit((d) => setTerrain(d, "0,0", "swamp"));
    await t.clock.advance(IMMEDIATE_INTERVAL_MS * 2);
    expect(readPlayerView(t.party).get("0,0")?.terrain).toBe("forest");
  });

  it("[GAME9] a publish of hexes revealed to everyone writes the party document only", async () => {
    const t = memoryTable(3);
    const updates = new Map<string, number>();
    for (const p of ["p0", "p1", "p2"]) {
      await t.room.pending();
      t.player(p).on("update", () => updates.set(p, (updates.get(p) ?? 0) + 1));
    }
    // The first publish writes meta into every player document; after it, `*` reveals touch the party only.
    await t.room.publish(undefined, "dm1");
    updates.clear();
    t.edit((d) => {
      for (let i = 0; i < 10; i++) {
        setTerrain(d, `${i},1`, "forest");
        reveal(d, `${i},1`, ALL_PLAYERS);
      }
    });
    expect((await t.room.publish(undefined, "dm1")).hexes).toBe(10);
    expect(updates.size).toBe(0);
    expectPublished(t, ["p0", "p1", "p2"]);
  });

  it("[GAME10] an edit that lands while a publish waits for its documents is published, now or by the next publish", async () => {
    const t = memoryTable(1);
    let open: () => void = () => {};
    t.members.gate = new Promise<void>((resolve) => (open = resolve));
    // The member list is older than a command accepts: the publish must wait for a fresh read.
    await t.clock.advance(10_000);
    const publishing = t.room.publish(undefined, "dm1");
    t.remoteEdit((d) => {
      setTerrain(d, "5,5", "forest");
      reveal(d, "5,5", ALL_PLAYERS);
    });
    t.members.gate = null;
    open();
    await publishing;
    t.remoteEdit((d) => {
      setTerrain(d, "6,5", "hills");
      reveal(d, "6,5", ALL_PLAYERS);
    });
    await t.room.publish(undefined, "dm1");
    expectPublished(t, ["p0"]);
  });

  it("[PUSH1] the pending list is pushed to the DMs here a moment after edits — one push per burst, no member read per edit — and again after a publish", async () => {
    const t = memoryTable(2);
    const dmClient = t.dm.connect();
    t.room.dmConnected(dmClient);
    await t.clock.advance(PENDING_PUSH_DELAY_MS);
    expect(pendingPushes(dmClient)).toHaveLength(1);
    const readsBefore = t.members.reads;
    // A drag stroke: twenty reveals 10 ms apart, then quiet.
    for (let i = 0; i < 20; i++) {
      t.edit((d) => {
        setTerrain(d, `${i},0`, "plains");
        reveal(d, `${i},0`, ALL_PLAYERS);
      });
      await t.clock.advance(10);
    }
    await t.clock.advance(PENDING_PUSH_MAX_DELAY_MS);
    const lists = pendingPushes(dmClient);
    // The cap sends one list during the stroke and one after it: a push per burst, not per edit.
    expect(lists.length).toBeGreaterThanOrEqual(2);
    expect(lists.length).toBeLessThanOrEqual(4);
    expect(lists.at(-1)?.everyone.changes).toHaveLength(20);
    expect(t.members.reads - readsBefore).toBe(0);
    // Nothing changed: nothing is sent again.
    await t.clock.advance(1_000);
    const count = dmClient.received.length;
    await t.clock.advance(1_000);
    expect(dmClient.received.length).toBe(count);
    // After a publish the list empties, pushed without asking.
    await t.room.publish(undefined, "dm1");
    await t.clock.advance(PENDING_PUSH_MAX_DELAY_MS);
    expect(pendingHexes(pendingPushes(dmClient).at(-1) as PendingList).size).toBe(0);
  });

  it("[PUSH2] a DM who connects gets the pending list at once; a new player appears in it without a reload", async () => {
    const t = memoryTable(1);
    t.edit((d) => {
      setTerrain(d, "2,2", "swamp");
      reveal(d, "2,2", ALL_PLAYERS);
    });
    const first = t.dm.connect();
    t.room.dmConnected(first);
    await t.clock.advance(PENDING_PUSH_DELAY_MS);
    expect(pendingPushes(first).at(-1)?.everyone.changes.map((c) => c.hex)).toEqual(["2,2"]);
    const second = t.dm.connect();
    t.room.dmConnected(second);
    expect(pendingPushes(second)).toHaveLength(1);
    // A player joins and opens their document: the room reads the members once and pushes a list naming them.
    t.members.set(t.campaignId, [...(t.members.byCampaign.get(t.campaignId) ?? []), { userId: "newcomer", name: "New" }]);
    t.room.playerConnected("newcomer");
    await t.clock.advance(PENDING_PUSH_MAX_DELAY_MS);
    expect(pendingPushes(first).at(-1)?.players.map((p) => p.userId)).toEqual(["newcomer", "p0"]);
  });

  it("[GAME12] levels: rumour → seen → visited → explored, to everyone and to the scout alone, staged and immediate; lowering takes fields back", async () => {
    const t = memoryTable([
      { userId: "scout", name: "Scout" },
      { userId: "bard", name: "Bard" },
    ]);
    const view = (p: string) => overlayViews(readPlayerView(t.party), readPlayerView(t.player(p))).get("0,3");
    t.edit((d) => {
      setTerrain(d, "0,3", "mountains");
      setLabel(d, "0,3", "The Tower");
      setNotes(d, "0,3", "A tower of black stone");
      setRumour(d, "0,3", "you hear of a tower to the north");
      setExplored(d, "0,3", "a hidden cellar");
      setDmNotes(d, "0,3", "the lich sleeps below");
      reveal(d, "0,3", ALL_PLAYERS, undefined, "rumoured");
    });
    await t.room.publish(undefined, "dm1");
    expect(view("bard")).toEqual({ rumour: "you hear of a tower to the north" });
    // From the ridge, everyone sees it; the pending list says so for each player.
    t.edit((d) => reveal(d, "0,3", ALL_PLAYERS, undefined, "seen"));
    const seen = await t.room.pending();
    expect(seen.everyone.changes.map((c) => [c.hex, c.before?.level, c.after?.level])).toEqual([["0,3", "rumoured", "seen"]]);
    await t.room.publish(undefined, "dm1");
    expect(view("bard")).toEqual({ rumour: "you hear of a tower to the north", terrain: "mountains" });
    // The scout alone reaches it and finds the cellar — in immediate mode.
    t.edit((d) => setDmSetting(d, "broadcastMode", "immediate"));
    await t.clock.advance(IMMEDIATE_INTERVAL_MS);
    t.edit((d) => reveal(d, "0,3", "scout", undefined, "explored"));
    await t.clock.advance(IMMEDIATE_INTERVAL_MS);
    expect(view("scout")).toEqual({
      rumour: "you hear of a tower to the north",
      terrain: "mountains",
      label: "The Tower",
      notes: "A tower of black stone",
      explored: "a hidden cellar",
    });
    expect(view("bard")).toEqual({ rumour: "you hear of a tower to the north", terrain: "mountains" });
    // Staged again: lowering the scout to visited is pending for the scout alone ("explored → visited"), then
    // the cellar leaves their view.
    t.edit((d) => setDmSetting(d, "broadcastMode", "staged"));
    t.edit((d) => reveal(d, "0,3", "scout", undefined, "visited"));
    const lowered = await t.room.pending();
    expect(lowered.everyone.changes).toEqual([]);
    expect(pendingFor(lowered, "scout").map((c) => [c.before?.level, c.after?.level, c.fields])).toEqual([["explored", "visited", ["explored"]]]);
    await t.room.publish(undefined, "dm1");
    expect(view("scout")).toEqual({ rumour: "you hear of a tower to the north", terrain: "mountains", label: "The Tower", notes: "A tower of black stone" });
    for (const doc of [t.party, t.player("scout"), t.player("bard")]) expect(JSON.stringify(doc.toJSON())).not.toContain("lich");
  });

  it("[TRAVEL11] the crawl is published like the map: staged until publish, at once in immediate mode; a lost party's true position never reaches a player", async () => {
    const t = memoryTable([
      { userId: "ann", name: "Ann" },
      { userId: "cy", name: "Cy" },
    ]);
    t.edit((d) => {
      setTerrain(d, "0,0", "plains");
      setTerrain(d, "1,0", "plains");
      setParty(d, "north", { name: "The Company", members: ["ann"], visible: false });
      placeParty(d, "north", "0,0");
      setTableEntry(d, { terrain: "plains" }, "t1", { text: "TABLE-SECRET wolves", weight: 1 });
    });
    t.edit((d) => moveParty(d, "north", "1,0", { by: "dm1", now: 1 }));
    // Staged: the move, its reveals and the clock wait.
    const pending = await t.room.pending();
    expect(pending.crawl).toEqual({ everyone: true, players: ["ann"] });
    expect(pendingFor(pending, "ann").map((c) => c.hex).sort()).toContain("1,0");
    expect(readCrawlView(t.player("ann")).parties.size).toBe(0);
    await t.room.publish(undefined, "dm1");
    const ann = overlayCrawl(readCrawlView(t.party), readCrawlView(t.player("ann")));
    expect(ann.parties.get("north")).toEqual({ name: "The Company", hex: "1,0", mine: true });
    expect([...ann.trail.values()].map((s) => s.hex)).toEqual(["1,0"]);
    expect(ann.clock).toMatchObject({ day: 1, watch: 3 });
    expect(readCrawlView(t.player("cy")).parties.size).toBe(0);
    expect((await t.room.pending()).crawl).toBeUndefined();
    // Immediate, and lost: the true marker moves far away; players keep the shown one.
    t.edit((d) => setDmSetting(d, "broadcastMode", "immediate"));
    await t.clock.advance(IMMEDIATE_INTERVAL_MS);
    t.edit((d) => {
      setLost(d, "north", true);
      placeParty(d, "north", "-40,37");
      roll(d, "encounter", { partyId: "north", by: "dm1", now: 2, rand: () => 0 });
    });
    await t.clock.advance(IMMEDIATE_INTERVAL_MS);
    expect(readCrawlView(t.player("ann")).parties.get("north")?.hex).toBe("1,0");
    for (const doc of [t.party, t.player("ann"), t.player("cy")]) {
      const bytes = Buffer.from(Y.encodeStateAsUpdate(doc)).toString("latin1");
      expect(bytes).not.toContain("-40,37");
      expect(bytes).not.toContain("TABLE-SECRET");
    }
    await t.log.drain();
    expect(t.events.ofType("move")).toHaveLength(1);
    expect(t.events.ofType("roll")).toHaveLength(1);
    expect(t.events.ofType("party_lost")).toHaveLength(1);
  });

  it("[LIFE1] a session command persists, mirrors into the party and player documents, and is logged", async () => {
    const t = memoryTable(2);
    expect(await t.room.session("start", "dm1")).toEqual({ status: "active" });
    for (const doc of [t.party, t.player("p0"), t.player("p1")]) expect(readSession(doc).status).toBe("active");
    await expect(t.room.session("resume", "dm1")).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    await t.log.drain();
    expect(t.events.ofType("session_start")).toHaveLength(1);
  });

  it("[LIFE2] preparing: players see it; 'ready' goes back to waiting, 'start' from preparing starts the session", async () => {
    const t = memoryTable(1);
    expect(await t.room.session("prepare", "dm1")).toEqual({ status: "preparing" });
    for (const doc of [t.party, t.player("p0")]) expect(readSession(doc).status).toBe("preparing");
    expect(await t.room.session("ready", "dm1")).toEqual({ status: "waiting" });
    expect(readSession(t.player("p0")).status).toBe("waiting");
    await t.room.session("prepare", "dm1");
    expect(await t.room.session("start", "dm1")).toEqual({ status: "active" });
    await expect(t.room.session("ready", "dm1")).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    await t.log.drain();
    expect(t.events.ofType("session_prepare")).toHaveLength(2);
    expect(t.events.ofType("session_ready")).toHaveLength(1);
  });

  it("[CMD3] every command type has one handler, and every answer matches the protocol's result schema", async () => {
    expect(Object.keys(COMMAND_HANDLERS).sort()).toEqual(Object.keys(ResultSchemaByCommand).sort());
    const t = memoryTable(2);
    t.edit((d) => {
      setTerrain(d, "0,0", "forest");
      setNotes(d, "0,0", "A long note ".repeat(200));
      reveal(d, "0,0", ALL_PLAYERS);
      reveal(d, "0,1", "p1");
    });
    const commands: Command[] = [
      { type: "pending" },
      { type: "publish", hexes: ["0,0"] },
      { type: "drop", hex: "0,1" },
      { type: "publish" },
      { type: "session", action: "start" },
      { type: "session", action: "resume" },
    ];
    const internal: unknown[] = [];
    for (const cmd of commands) {
      const answer = await runCommand(t.room, "id1", cmd, { userId: "dm1" }, {
        verifyAnswers: true,
        isUnavailable: () => false,
        onInternalError: (err) => internal.push(err),
      });
      if (answer.ok) expect(ResultSchemaByCommand[cmd.type].safeParse(answer.result).success).toBe(true);
      else expect(answer.code, `${cmd.type}: ${answer.message}`).toBe("INVALID_TRANSITION");
    }
    expect(internal).toEqual([]);
  });

  it("[LOG1] reveals, hides, publishes and mode changes made here are logged once, with their actor", async () => {
    const t = memoryTable(1);
    t.edit((d) => {
      setTerrain(d, "0,0", "forest");
      reveal(d, "0,0", ALL_PLAYERS);
    }, "dmA");
    t.remoteEdit((d) => reveal(d, "1,1", ALL_PLAYERS));
    await t.room.publish(undefined, "dmA");
    t.edit((d) => setDmSetting(d, "broadcastMode", "immediate"), "dmB");
    await t.clock.advance(0);
    await t.log.drain();
    expect(t.events.ofType("reveal").map((e) => [e.actorId, e.payload])).toEqual([["dmA", { reveals: [{ hex: "0,0", target: "*", level: "visited" }] }]]);
    expect(t.events.ofType("publish").map((e) => e.actorId)).toEqual(["dmA"]);
    expect(t.events.ofType("mode").map((e) => [e.actorId, e.payload])).toEqual([["dmB", { mode: "immediate" }]]);
  });

  it("[LOG2] an event written during an outage is retried and stored with its original time", async () => {
    const t = memoryTable(1);
    t.events.failing = new Error("connection refused");
    const at = t.clock.now();
    t.log.log({ campaignId: t.campaignId, type: "note", actorId: null, payload: {} });
    await t.clock.advance(2_000);
    expect(t.events.events).toHaveLength(0);
    t.events.failing = null;
    await t.clock.advance(10_000);
    expect(t.events.events.map((e) => [e.type, e.at.getTime()])).toEqual([["note", at]]);
    expect(t.errors.length).toBeGreaterThan(0);
  });
});
