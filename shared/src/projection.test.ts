import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  ALL_PLAYERS,
  dmMaps,
  hide,
  KNOWLEDGE_LEVELS,
  playerMaps,
  reveal,
  setDmNotes,
  setExplored,
  setLabel,
  setLandmark,
  setNotes,
  setRumour,
  setTerrain,
  type KnowledgeLevel,
} from "./model.ts";
import {
  applyView,
  diffViews,
  hexViewEqual,
  indexReveals,
  levelOfView,
  liveRevealIndex,
  overlayViews,
  project,
  projectHexes,
  projectPrivate,
  readHexView,
  readPlayerView,
  revealedHexes,
  revertHex,
  scopedHexes,
  viewsEqual,
  type HexView,
  type PlayerView,
} from "./projection.ts";

const ORIGIN = { kind: "projection-test" };

function view(entries: [string, HexView][]): PlayerView {
  return new Map(entries);
}

/** A DM doc with: 0,0 public; 1,0 only for alice; 2,0 only for bob; 3,0 unrevealed; all with secrets. */
function sampleDm(): Y.Doc {
  const dm = new Y.Doc();
  for (const [hex, name] of [
    ["0,0", "Town"],
    ["1,0", "Alice camp"],
    ["2,0", "Bob cave"],
    ["3,0", "Lair"],
  ] as const) {
    setTerrain(dm, hex, "forest");
    setLabel(dm, hex, name);
    setNotes(dm, hex, `notes of ${name}`);
    setDmNotes(dm, hex, `SECRET ${name}`);
  }
  reveal(dm, "0,0", ALL_PLAYERS);
  reveal(dm, "1,0", "alice");
  reveal(dm, "2,0", "bob");
  return dm;
}

function serialised(v: PlayerView): string {
  return JSON.stringify([...v.entries()]);
}

describe("project", () => {
  it("[PROJ1] a player sees hexes revealed to everyone and to them, with terrain/label/notes only", () => {
    const dm = sampleDm();
    const a = project(dm, "alice");
    expect([...a.keys()].sort()).toEqual(["0,0", "1,0"]);
    expect(a.get("0,0")).toEqual({ terrain: "forest", label: "Town", notes: "notes of Town" });
  });

  it("[PROJ2] dmNotes never appear in a projection", () => {
    const dm = sampleDm();
    for (const p of ["alice", "bob", "carol"]) expect(serialised(project(dm, p))).not.toContain("SECRET");
  });

  it("[PROJ3] an unrevealed hex never reaches a player", () => {
    const dm = sampleDm();
    for (const p of ["alice", "bob", "carol"]) expect(project(dm, p).has("3,0")).toBe(false);
  });

  it("[PROJ3] a reveal key with a value other than true or a malformed key reveals nothing", () => {
    const dm = sampleDm();
    dmMaps(dm).reveals.set("3,0|alice", false);
    dmMaps(dm).reveals.set("3,0|*x", true);
    dmMaps(dm).reveals.set("03,0|*", true);
    expect(project(dm, "alice").has("3,0")).toBe(false);
    expect(revealedHexes(dm, "alice").has("3,0")).toBe(false);
    // Legacy `true` (before levels) is `visited`.
    dmMaps(dm).reveals.set("3,0|carol", true);
    expect(revealedHexes(dm, "carol").get("3,0")).toBe("visited");
  });

  it("[PROJ5] a private reveal of player B is never in player A's view", () => {
    const dm = sampleDm();
    expect(project(dm, "alice").has("2,0")).toBe(false);
    expect(project(dm, "bob").has("1,0")).toBe(false);
    expect(serialised(project(dm, "alice"))).not.toContain("Bob cave");
    expect([...project(dm, "carol").keys()]).toEqual(["0,0"]);
  });

  it("[PROJ5] revealedHexes lists only hexes revealed to everyone or to that player", () => {
    const dm = sampleDm();
    expect([...revealedHexes(dm, "alice").keys()].sort()).toEqual(["0,0", "1,0"]);
    expect([...revealedHexes(dm, "carol").keys()]).toEqual(["0,0"]);
  });

  it("[PROJ6] Y.Text notes are projected as plain strings", () => {
    const dm = sampleDm();
    const t = new Y.Text();
    dmMaps(dm).notes.set("0,0", t);
    t.insert(0, "shared text");
    const secret = new Y.Text();
    dmMaps(dm).dmNotes.set("0,0", secret);
    secret.insert(0, "SECRET text");
    const v = project(dm, "carol").get("0,0");
    expect(v?.notes).toBe("shared text");
    expect(serialised(project(dm, "carol"))).not.toContain("SECRET");
  });

  it("[PROJ4] [PROJ16] a revealed hex always has a view: its level's marker field, empty when the DM wrote nothing; other empty values are absent", () => {
    const dm = new Y.Doc();
    reveal(dm, "5,5", ALL_PLAYERS);
    setDmNotes(dm, "5,5", "SECRET only");
    dmMaps(dm).label.set("6,6", "");
    dmMaps(dm).terrain.set("6,6", "hills");
    reveal(dm, "6,6", ALL_PLAYERS);
    expect(project(dm, "p").get("5,5")).toEqual({ notes: "" });
    expect(project(dm, "p").get("6,6")).toEqual({ terrain: "hills", notes: "" });
    expect(serialised(project(dm, "p"))).not.toContain("SECRET");
  });

  it("[PROJ7] projectHexes equals project restricted to the subset", () => {
    const dm = sampleDm();
    const sub = projectHexes(dm, "alice", ["1,0", "2,0", "3,0", "bad", "1,0"]);
    expect([...sub.keys()]).toEqual(["1,0"]);
    expect(sub.get("1,0")).toEqual(project(dm, "alice").get("1,0"));
  });
});

describe("diffViews", () => {
  it("[PROJ8] lists reveal / update / hide sorted by hex, nothing for equal hexes", () => {
    const published = view([
      ["0,0", { terrain: "forest" }],
      ["1,0", { terrain: "hills" }],
      ["0,1", { label: "x" }],
    ]);
    const target = view([
      ["0,0", { terrain: "forest" }],
      ["1,0", { terrain: "hills", label: "Hill" }],
      ["-1,0", { terrain: "water" }],
    ]);
    expect(diffViews(published, target)).toEqual([
      { hex: "-1,0", kind: "reveal", after: { terrain: "water" } },
      { hex: "1,0", kind: "update", before: { terrain: "hills" }, after: { terrain: "hills", label: "Hill" } },
      { hex: "0,1", kind: "hide", before: { label: "x" } },
    ]);
    expect(diffViews(target, target)).toEqual([]);
  });

  it("[PROJ8] hexViewEqual ignores undefined fields", () => {
    expect(hexViewEqual({ terrain: "a", label: undefined }, { terrain: "a" })).toBe(true);
    expect(hexViewEqual({ terrain: "a" }, undefined)).toBe(false);
  });
});

describe("applyView", () => {
  it("[PROJ9] after applyView(pd, project(dm, p)), readPlayerView(pd) equals project(dm, p)", () => {
    const dm = sampleDm();
    const pd = new Y.Doc();
    applyView(pd, project(dm, "alice"), { origin: ORIGIN });
    expect(viewsEqual(readPlayerView(pd), project(dm, "alice"))).toBe(true);
    setLabel(dm, "0,0", "City");
    setNotes(dm, "1,0", undefined);
    hide(dm, "1,0");
    reveal(dm, "3,0", "alice");
    applyView(pd, project(dm, "alice"), { origin: ORIGIN });
    expect(viewsEqual(readPlayerView(pd), project(dm, "alice"))).toBe(true);
    expect(playerMaps(pd).notes.has("1,0")).toBe(false);
  });

  it("[PROJ10] writes only what differs, in one transaction with the origin, and nothing when equal", () => {
    const dm = sampleDm();
    const pd = new Y.Doc();
    applyView(pd, project(dm, "alice"), { origin: ORIGIN });
    const origins: unknown[] = [];
    pd.on("update", (_u: Uint8Array, o: unknown) => origins.push(o));
    expect(applyView(pd, project(dm, "alice"), { origin: ORIGIN })).toEqual([]);
    expect(origins).toEqual([]);
    setLabel(dm, "0,0", "City");
    setTerrain(dm, "1,0", "hills");
    const before = Y.encodeStateVector(pd);
    expect(applyView(pd, project(dm, "alice"), { origin: ORIGIN })).toEqual(["0,0", "1,0"]);
    expect(origins).toEqual([ORIGIN]);
    // Minimal: exactly two map entries were written.
    const diff = Y.decodeUpdate(Y.encodeStateAsUpdate(pd, before));
    expect(diff.structs.length).toBe(2);
  });

  it("[PROJ11] with hexes, only those hexes change", () => {
    const dm = sampleDm();
    const pd = new Y.Doc();
    applyView(pd, project(dm, "alice"), { origin: ORIGIN });
    setLabel(dm, "0,0", "City");
    hide(dm, "1,0");
    expect(applyView(pd, project(dm, "alice"), { hexes: ["0,0"], origin: ORIGIN })).toEqual(["0,0"]);
    const v = readPlayerView(pd);
    expect(v.get("0,0")?.label).toBe("City");
    expect(v.has("1,0")).toBe(true);
    expect(applyView(pd, project(dm, "alice"), { hexes: ["1,0"], origin: ORIGIN })).toEqual(["1,0"]);
    expect(readPlayerView(pd).has("1,0")).toBe(false);
  });

  it("[PROJ10] never rebuilds: hexes outside the change keep their Yjs items", () => {
    const dm = sampleDm();
    const pd = new Y.Doc();
    applyView(pd, project(dm, "carol"), { origin: ORIGIN });
    const sv = Y.encodeStateVector(pd);
    applyView(pd, project(dm, "carol"), { origin: ORIGIN });
    expect(Y.encodeStateVector(pd)).toEqual(sv);
  });
});

describe("party and private views", () => {
  /** sampleDm plus: 4,0 revealed to everyone AND privately to alice; 5,0 private to alice with Y.Text notes; 6,0 private, empty. */
  function splitDm(): Y.Doc {
    const dm = sampleDm();
    setTerrain(dm, "4,0", "hills");
    setLabel(dm, "4,0", "Both ways");
    reveal(dm, "4,0", ALL_PLAYERS);
    reveal(dm, "4,0", "alice");
    setTerrain(dm, "5,0", "swamp");
    const t = new Y.Text();
    dmMaps(dm).notes.set("5,0", t);
    t.insert(0, "text notes");
    reveal(dm, "5,0", "alice");
    setDmNotes(dm, "6,0", "SECRET empty");
    reveal(dm, "6,0", "alice");
    // Reveal keys that reveal nothing.
    dmMaps(dm).reveals.set("3,0|alice", false);
    dmMaps(dm).reveals.set("3,0|*x", true);
    return dm;
  }

  const sorted = (v: PlayerView) => [...v.entries()].sort(([a], [b]) => a.localeCompare(b));

  it("[PROJ15] projectPrivate holds exactly a player's own reveals that are not also revealed to everyone", () => {
    const dm = splitDm();
    const index = indexReveals(dm);
    expect([...projectPrivate(dm, "alice", index).keys()].sort()).toEqual(["1,0", "5,0", "6,0"]);
    expect(projectPrivate(dm, "alice", index).get("5,0")).toEqual({ terrain: "swamp", notes: "text notes" });
    expect(projectPrivate(dm, "alice", index).get("6,0")).toEqual({ notes: "" });
    expect([...projectPrivate(dm, "bob", index).keys()]).toEqual(["2,0"]);
    expect(projectPrivate(dm, "carol", index).size).toBe(0);
    for (const p of ["alice", "bob", "carol"]) {
      const own = projectPrivate(dm, p, index);
      // Never a copy of what the party document carries, never a secret.
      for (const hex of own.keys()) expect(index.all.has(hex), `${p} ${hex}`).toBe(false);
      expect(serialised(own)).not.toContain("SECRET");
      for (const [hex, v] of own) expect(v).toEqual(project(dm, p).get(hex));
    }
  });

  it("[PROJ15] overlayViews(project(dm, \"*\"), projectPrivate(dm, p)) deep-equals project(dm, p)", () => {
    const dm = splitDm();
    const index = indexReveals(dm);
    const party = project(dm, ALL_PLAYERS);
    expect([...party.keys()].sort()).toEqual(["0,0", "4,0"]);
    for (const p of ["alice", "bob", "carol", "nobody"]) {
      const shown = overlayViews(party, projectPrivate(dm, p, index));
      expect(sorted(shown), p).toEqual(sorted(project(dm, p)));
      expect(viewsEqual(shown, project(dm, p)), p).toBe(true);
    }
    // It keeps holding as the DM edits: a `*` reveal removed while the private one stays moves the hex.
    hide(dm, "4,0", ALL_PLAYERS);
    reveal(dm, "1,0", ALL_PLAYERS);
    const after = indexReveals(dm);
    expect([...projectPrivate(dm, "alice", after).keys()].sort()).toEqual(["4,0", "5,0", "6,0"]);
    for (const p of ["alice", "bob", "carol"]) {
      expect(sorted(overlayViews(project(dm, ALL_PLAYERS), projectPrivate(dm, p, after))), p).toEqual(sorted(project(dm, p)));
    }
  });

  it("[PROJ20] the live reveal index follows local, remote and in-observer changes, and sees an open transaction's", () => {
    const dm = splitDm();
    const flat = (i: ReturnType<typeof indexReveals>) => ({
      all: [...i.all].sort(),
      byPlayer: [...i.byPlayer].map(([p, own]) => [p, [...own].sort()]).sort(),
    });
    const live = liveRevealIndex(dm);
    expect(flat(live)).toEqual(flat(indexReveals(dm)));
    // Local edits: a level raised, a `*` reveal removed, a player's last own reveal removed (no empty entry left),
    // a malformed key and value (they reveal nothing), legacy `true`.
    reveal(dm, "0,0", ALL_PLAYERS, ORIGIN, "explored");
    hide(dm, "4,0", ALL_PLAYERS);
    hide(dm, "2,0", "bob");
    dm.transact(() => {
      dmMaps(dm).reveals.set("nonsense", "visited");
      dmMaps(dm).reveals.set("3,0|carol", "shouting");
      dmMaps(dm).reveals.set("7,0|carol", true);
    });
    expect(liveRevealIndex(dm)).toBe(live); // the same index, patched
    expect(flat(live)).toEqual(flat(indexReveals(dm)));
    expect(live.byPlayer.has("bob")).toBe(false);
    expect(live.byPlayer.get("carol")).toEqual(new Map([["7,0", "visited"]]));
    // A remote update (another DM's replica).
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(dm));
    reveal(other, "9,0", "bob", ORIGIN, "seen");
    hide(other, "0,0", ALL_PLAYERS);
    Y.applyUpdate(dm, Y.encodeStateAsUpdate(other, Y.encodeStateVector(dm)), ORIGIN);
    expect(flat(liveRevealIndex(dm))).toEqual(flat(indexReveals(dm)));
    // Read from an observer of another map changed in the same transaction as a reveal: already noted.
    let seenInObserver: unknown = null;
    const onTerrain = () => {
      seenInObserver = flat(liveRevealIndex(dm));
    };
    dmMaps(dm).terrain.observe(onTerrain);
    dm.transact(() => {
      setTerrain(dm, "8,0", "hills");
      reveal(dm, "8,0", ALL_PLAYERS, ORIGIN, "seen");
    });
    dmMaps(dm).terrain.unobserve(onTerrain);
    expect(seenInObserver).toEqual(flat(indexReveals(dm)));
    // Inside an open transaction: what the transaction has changed so far.
    dm.transact(() => {
      reveal(dm, "8,0", "alice", ORIGIN, "explored");
      expect(liveRevealIndex(dm).byPlayer.get("alice")?.get("8,0")).toBe("explored");
    });
    expect(flat(liveRevealIndex(dm))).toEqual(flat(indexReveals(dm)));
    other.destroy();
  });

  it("[PROJ15] projectPrivate with hexes is restricted to those hexes", () => {
    const dm = splitDm();
    const index = indexReveals(dm);
    const sub = projectPrivate(dm, "alice", index, ["0,0", "4,0", "5,0", "2,0", "bad"]);
    expect([...sub.keys()]).toEqual(["5,0"]);
    expect(projectPrivate(dm, "alice", index, []).size).toBe(0);
  });

  it("[PROJ15] overlayViews: a hex of the player's own document wins over the party's; inputs are not changed", () => {
    const party = view([
      ["0,0", { terrain: "forest", label: "Town" }],
      ["1,0", { terrain: "hills" }],
    ]);
    const own = view([
      ["0,0", { terrain: "plains", label: "Camp" }],
      ["2,0", { notes: "mine" }],
    ]);
    const shown = overlayViews(party, own);
    expect(sorted(shown)).toEqual([
      ["0,0", { terrain: "plains", label: "Camp" }],
      ["1,0", { terrain: "hills" }],
      ["2,0", { notes: "mine" }],
    ]);
    expect(party.get("0,0")).toEqual({ terrain: "forest", label: "Town" });
    expect(own.size).toBe(2);
    // A fresh map either way (callers may add to it).
    expect(overlayViews(party, new Map())).not.toBe(party);
    expect(sorted(overlayViews(new Map(), own))).toEqual(sorted(own));
  });

  it("[PROJ15] readHexView reads one hex of a player or party document like readPlayerView", () => {
    const dm = splitDm();
    const pd = new Y.Doc();
    applyView(pd, project(dm, "alice"), { origin: ORIGIN });
    const whole = readPlayerView(pd);
    for (const hex of ["0,0", "1,0", "4,0", "5,0", "6,0", "2,0", "3,0"]) expect(readHexView(pd, hex), hex).toEqual(whole.get(hex));
  });
});

describe("revertHex", () => {
  /** Publish like the server: the party document gets project(*), each player's own document projectPrivate. */
  function publishAll(dm: Y.Doc, players: string[]): { party: Y.Doc; own: Map<string, Y.Doc> } {
    const party = new Y.Doc();
    applyView(party, project(dm, ALL_PLAYERS), { origin: ORIGIN });
    const index = indexReveals(dm);
    const own = new Map<string, Y.Doc>();
    for (const p of players) {
      const pd = new Y.Doc();
      applyView(pd, projectPrivate(dm, p, index), { origin: ORIGIN });
      own.set(p, pd);
    }
    return { party, own };
  }
  function publishedOf(docs: { party: Y.Doc; own: Map<string, Y.Doc> }, hex: string) {
    return { party: readHexView(docs.party, hex), own: new Map([...docs.own].map(([p, pd]) => [p, readHexView(pd, hex)])) };
  }
  /** After the revert, the projection of the hex is what was published: for the party and for every player. */
  function expectNoPending(dm: Y.Doc, docs: { party: Y.Doc; own: Map<string, Y.Doc> }, hex: string): void {
    const index = indexReveals(dm);
    expect(projectHexes(dm, ALL_PLAYERS, [hex]).get(hex), "party").toEqual(readHexView(docs.party, hex));
    for (const [p, pd] of docs.own) {
      expect(projectPrivate(dm, p, index, [hex]).get(hex), p).toEqual(readHexView(pd, hex));
      expect(projectHexes(dm, p, [hex]).get(hex), p).toEqual(readHexView(pd, hex) ?? readHexView(docs.party, hex));
    }
  }
  const PLAYERS = ["alice", "bob", "carol"];

  it("[PROJ12] dropping a field edit restores the published fields, Y.Text in place", () => {
    const dm = sampleDm();
    const t = dmMaps(dm).notes.get("0,0");
    expect(t).toBeInstanceOf(Y.Text);
    const docs = publishAll(dm, PLAYERS);
    setLabel(dm, "0,0", "Renamed");
    setNotes(dm, "0,0", "changed notes");
    setTerrain(dm, "0,0", undefined);
    expect(revertHex(dm, "0,0", publishedOf(docs, "0,0"), ORIGIN)).toBe(true);
    expectNoPending(dm, docs, "0,0");
    expect(dmMaps(dm).notes.get("0,0")).toBe(t);
    expect(String(dmMaps(dm).dmNotes.get("0,0"))).toBe("SECRET Town");
  });

  it("[PROJ12] dropping a new reveal un-reveals the hex and keeps the DM's fields", () => {
    const dm = sampleDm();
    const docs = publishAll(dm, PLAYERS);
    reveal(dm, "3,0", ALL_PLAYERS);
    revertHex(dm, "3,0", publishedOf(docs, "3,0"), ORIGIN);
    expectNoPending(dm, docs, "3,0");
    expect(String(dmMaps(dm).label.get("3,0"))).toBe("Lair");
    expect(dmMaps(dm).reveals.has("3,0|*")).toBe(false);
  });

  it("[PROJ12] dropping a hide restores the reveal as it was published: `*` from the party document", () => {
    const dm = sampleDm();
    const docs = publishAll(dm, PLAYERS);
    hide(dm, "0,0");
    revertHex(dm, "0,0", publishedOf(docs, "0,0"), ORIGIN);
    expectNoPending(dm, docs, "0,0");
    expect(dmMaps(dm).reveals.get("0,0|*")).toBe("visited");
  });

  it("[PROJ12] dropping a hide of a private hex restores only that player's key", () => {
    const dm = sampleDm();
    const docs = publishAll(dm, PLAYERS);
    hide(dm, "1,0");
    revertHex(dm, "1,0", publishedOf(docs, "1,0"), ORIGIN);
    expectNoPending(dm, docs, "1,0");
    expect([...dmMaps(dm).reveals.keys()].filter((k) => k.startsWith("1,0|"))).toEqual(["1,0|alice"]);
  });

  it("[PROJ12] dropping a widening to `*` goes back to the per-player key", () => {
    const dm = sampleDm();
    const docs = publishAll(dm, PLAYERS);
    reveal(dm, "2,0", ALL_PLAYERS);
    setLabel(dm, "2,0", "Bob cave (flooded)");
    revertHex(dm, "2,0", publishedOf(docs, "2,0"), ORIGIN);
    expectNoPending(dm, docs, "2,0");
    expect([...dmMaps(dm).reveals.keys()].filter((k) => k.startsWith("2,0|")).sort()).toEqual(["2,0|bob"]);
    expect(String(dmMaps(dm).label.get("2,0"))).toBe("Bob cave");
  });

  it("[PROJ12] dropping a level change restores the published levels, for everyone and for one player", () => {
    const dm = sampleDm();
    setRumour(dm, "0,0", "a town by the river");
    setExplored(dm, "0,0", "a cellar under the inn");
    reveal(dm, "0,0", ALL_PLAYERS, ORIGIN, "seen");
    reveal(dm, "0,0", "alice", ORIGIN, "explored");
    const docs = publishAll(dm, PLAYERS);
    reveal(dm, "0,0", ALL_PLAYERS, ORIGIN, "visited");
    hide(dm, "0,0", "alice");
    setLandmark(dm, "0,0", true);
    revertHex(dm, "0,0", publishedOf(docs, "0,0"), ORIGIN);
    expectNoPending(dm, docs, "0,0");
    expect(dmMaps(dm).reveals.get("0,0|*")).toBe("seen");
    expect(dmMaps(dm).reveals.get("0,0|alice")).toBe("explored");
    // The label was not seen from afar by those at `seen`: the landmark flag goes back off.
    expect(dmMaps(dm).landmark.has("0,0")).toBe(false);
  });

  it("[PROJ12] nothing pending: revertHex changes nothing", () => {
    const dm = sampleDm();
    const docs = publishAll(dm, PLAYERS);
    let updates = 0;
    dm.on("update", () => updates++);
    expect(revertHex(dm, "0,0", publishedOf(docs, "0,0"), ORIGIN)).toBe(false);
    expect(updates).toBe(0);
  });
});

describe("knowledge levels", () => {
  /** One hex with every field written, revealed to `*` at `level`. */
  function hexAt(level: KnowledgeLevel, landmark = false): Y.Doc {
    const dm = new Y.Doc();
    setTerrain(dm, "1,1", "mountains");
    setLabel(dm, "1,1", "The Tower");
    setNotes(dm, "1,1", "A ruined tower");
    setRumour(dm, "1,1", "a tower to the north");
    setExplored(dm, "1,1", "a hidden cellar");
    setDmNotes(dm, "1,1", "SECRET lich");
    setLandmark(dm, "1,1", landmark);
    reveal(dm, "1,1", ALL_PLAYERS, ORIGIN, level);
    return dm;
  }

  it("[PROJ16] each level shows exactly its fields: rumour; + terrain; + name and notes; + what exploring finds", () => {
    expect(project(hexAt("rumoured"), "p").get("1,1")).toEqual({ rumour: "a tower to the north" });
    expect(project(hexAt("seen"), "p").get("1,1")).toEqual({ rumour: "a tower to the north", terrain: "mountains" });
    expect(project(hexAt("visited"), "p").get("1,1")).toEqual({
      rumour: "a tower to the north",
      terrain: "mountains",
      label: "The Tower",
      notes: "A ruined tower",
    });
    expect(project(hexAt("explored"), "p").get("1,1")).toEqual({
      rumour: "a tower to the north",
      terrain: "mountains",
      label: "The Tower",
      notes: "A ruined tower",
      explored: "a hidden cellar",
    });
    for (const level of KNOWLEDGE_LEVELS) expect(serialised(project(hexAt(level), "p"))).not.toContain("SECRET");
  });

  it("[PROJ16] a landmark's name is seen from afar; levelOfView reads the level back from the marker fields", () => {
    expect(project(hexAt("seen", true), "p").get("1,1")).toEqual({ rumour: "a tower to the north", terrain: "mountains", label: "The Tower" });
    for (const level of KNOWLEDGE_LEVELS) {
      expect(levelOfView(project(hexAt(level), "p").get("1,1"))).toBe(level);
      // Also when the DM wrote nothing for the hex: the marker is there, empty.
      const empty = new Y.Doc();
      reveal(empty, "0,0", "p", ORIGIN, level);
      expect(levelOfView(project(empty, "p").get("0,0")), level).toBe(level);
    }
    expect(levelOfView(undefined)).toBeNull();
  });

  it("[PROJ17] a player's level is the higher of `*` and their own; their own document holds the hex only when theirs is higher", () => {
    const dm = hexAt("seen");
    reveal(dm, "1,1", "scout", ORIGIN, "explored");
    reveal(dm, "1,1", "slow", ORIGIN, "rumoured");
    expect(levelOfView(project(dm, "scout").get("1,1"))).toBe("explored");
    expect(levelOfView(project(dm, "slow").get("1,1"))).toBe("seen");
    const index = indexReveals(dm);
    expect(projectPrivate(dm, "scout", index).has("1,1")).toBe(true);
    expect(projectPrivate(dm, "slow", index).has("1,1")).toBe(false);
    for (const p of ["scout", "slow", "other"]) {
      expect(sortedEntries(overlayViews(project(dm, ALL_PLAYERS), projectPrivate(dm, p, index))), p).toEqual(sortedEntries(project(dm, p)));
    }
  });
});

function sortedEntries(v: PlayerView): Array<[string, HexView]> {
  return [...v.entries()].sort(([a], [b]) => a.localeCompare(b));
}

describe("scoped writes (PROJ18)", () => {
  it("[PROJ18] a private publish scoped to every player's hexes touches and costs only the player's own; the result equals the unscoped write", () => {
    const dm = new Y.Doc();
    const players = Array.from({ length: 30 }, (_, i) => `p${i}`);
    players.forEach((p, i) => {
      for (let j = 0; j < 10; j++) {
        const hex = `${i},${j}`;
        setTerrain(dm, hex, "hills");
        setNotes(dm, hex, `note ${hex}`);
        reveal(dm, hex, p, j % 2 === 0 ? "explored" : "seen");
      }
    });
    const index = indexReveals(dm);
    const scope = new Set([...index.byPlayer.values()].flatMap((own) => [...own.keys()]));
    expect(scope.size).toBe(300);
    const alice = new Y.Doc();
    // A stale value in one of her hexes (it must be rewritten).
    playerMaps(alice).terrain.set("0,9", "stale");
    const scoped = projectPrivate(dm, "p0", index, scope);
    expect(viewsEqual(scoped, projectPrivate(dm, "p0", index))).toBe(true);
    const candidates = scopedHexes(alice, scoped, scope);
    // Her 10 hexes (0,9 among them), not the 300 of the scope.
    expect([...candidates].sort()).toEqual(Array.from({ length: 10 }, (_, j) => `0,${j}`).sort());
    const reference = new Y.Doc();
    playerMaps(reference).terrain.set("0,9", "stale");
    expect(applyView(alice, scoped, { hexes: scope, origin: ORIGIN })).toEqual(applyView(reference, scoped, { origin: ORIGIN }));
    expect(viewsEqual(readPlayerView(alice), readPlayerView(reference))).toBe(true);
    expect(viewsEqual(readPlayerView(alice), project(dm, "p0"))).toBe(true);
    // A scope smaller than what the document holds is used as it is.
    const small = new Set(["0,1"]);
    expect(scopedHexes(alice, scoped, small)).toBe(small);
  });

  it("[PROJ19] a view cache shared by many players gives each the projection they would get without it", () => {
    const dm = new Y.Doc();
    for (let j = 0; j < 12; j++) {
      const hex = `${j},0`;
      setTerrain(dm, hex, "forest");
      setLabel(dm, hex, `Place ${j}`);
      setNotes(dm, hex, `notes ${j}`);
      setRumour(dm, hex, `rumour ${j}`);
      setExplored(dm, hex, `cellar ${j}`);
      if (j % 3 === 0) setLandmark(dm, hex, true);
      reveal(dm, hex, ALL_PLAYERS, KNOWLEDGE_LEVELS[j % 4] as KnowledgeLevel);
      for (const p of ["a", "b", "c"]) reveal(dm, hex, p, KNOWLEDGE_LEVELS[(j + p.charCodeAt(0)) % 4] as KnowledgeLevel);
    }
    const index = indexReveals(dm);
    const cache = new Map();
    const party = projectHexes(dm, ALL_PLAYERS, index.all.keys(), cache);
    expect(viewsEqual(party, project(dm, ALL_PLAYERS))).toBe(true);
    for (const p of ["a", "b", "c"]) {
      const cached = projectPrivate(dm, p, index, undefined, cache);
      expect(viewsEqual(cached, projectPrivate(dm, p, index))).toBe(true);
      expect(viewsEqual(overlayViews(party, cached), project(dm, p))).toBe(true);
    }
    // Shared: the same view object for two players at the same level.
    expect([...cache.values()].reduce((n, byHex) => n + byHex.size, 0)).toBeLessThan(12 * 4);
  });
});
