import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  assertMigrationsSequential,
  DM_MIGRATIONS,
  ensureDmDoc,
  isDocNewerThanClient,
  migrateDmDoc,
  SCHEMA_VERSION,
  type Migration,
} from "./migrations.ts";
import { dmMaps, readDmMeta } from "./model.ts";

function migration(name: string): Migration {
  const m = DM_MIGRATIONS.find((x) => x.name === name);
  if (!m) throw new Error(`no migration ${name}`);
  return m;
}

describe("migration list", () => {
  it("[MIG1] versions are sequential from 1 and SCHEMA_VERSION is the last one", () => {
    DM_MIGRATIONS.forEach((m, i) => expect(m.version).toBe(i + 1));
    expect(SCHEMA_VERSION).toBe(DM_MIGRATIONS.length);
    expect(new Set(DM_MIGRATIONS.map((m) => m.name)).size).toBe(DM_MIGRATIONS.length);
    expect(() => assertMigrationsSequential([{ version: 2, name: "x", up() {} }])).toThrow();
  });
});

describe("each migration", () => {
  it("[MIG2] v1 initial sets meta defaults without overwriting", () => {
    const doc = new Y.Doc();
    dmMaps(doc).meta.set("orientation", "flat");
    migration("initial").up(doc);
    expect(readDmMeta(doc)).toMatchObject({ orientation: "flat", broadcastMode: "staged", hexSize: 32 });
  });

  it("[MIG3] v2 reveal-values-true removes non-true and malformed reveal entries", () => {
    const doc = new Y.Doc();
    const { reveals } = dmMaps(doc);
    reveals.set("0,0|*", true);
    reveals.set("1,0|alice", false);
    reveals.set("2,0|bob", "yes");
    reveals.set("garbage", true);
    reveals.set("3,0|carol", true);
    migration("reveal-values-true").up(doc);
    expect([...reveals.keys()].sort()).toEqual(["0,0|*", "3,0|carol"]);
  });
});

describe("migrateDmDoc", () => {
  it("[MIG4] migrates an unversioned doc to SCHEMA_VERSION running every step in order", () => {
    const doc = new Y.Doc();
    dmMaps(doc).reveals.set("0,0|a", false);
    const r = migrateDmDoc(doc);
    expect(r).toEqual({ from: 0, to: SCHEMA_VERSION, applied: DM_MIGRATIONS.map((m) => m.name), newer: false });
    expect(readDmMeta(doc).schemaVersion).toBe(SCHEMA_VERSION);
    expect(dmMaps(doc).reveals.size).toBe(0);
  });

  it("[MIG8] reveal-levels: a legacy reveal (true) becomes `visited`, on a document stored before levels, without loss", () => {
    // A document as today's main stores it: schema 2, reveals as true, notes as plain strings.
    const old = new Y.Doc();
    dmMaps(old).meta.set("schemaVersion", 2);
    dmMaps(old).terrain.set("0,0", "forest");
    dmMaps(old).notes.set("0,0", "legacy notes");
    dmMaps(old).reveals.set("0,0|*", true);
    dmMaps(old).reveals.set("1,0|alice", true);
    const stored = Y.encodeStateAsUpdate(old);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored);
    expect(migrateDmDoc(doc).applied).toEqual(["reveal-levels"]);
    expect(dmMaps(doc).reveals.toJSON()).toEqual({ "0,0|*": "visited", "1,0|alice": "visited" });
    expect(dmMaps(doc).notes.get("0,0")).toBe("legacy notes");
    // Two replicas migrating the same old document converge.
    const other = new Y.Doc();
    Y.applyUpdate(other, stored);
    migrateDmDoc(other);
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
    expect(dmMaps(doc).reveals.toJSON()).toEqual(dmMaps(other).reveals.toJSON());
  });

  it("[MIG4] runs only the steps after the stored version, in one transaction with the origin", () => {
    const doc = new Y.Doc();
    dmMaps(doc).meta.set("schemaVersion", 1);
    dmMaps(doc).reveals.set("0,0|a", false);
    const origins: unknown[] = [];
    doc.on("update", (_u: Uint8Array, o: unknown) => origins.push(o));
    const r = migrateDmDoc(doc, { origin: "migrate" });
    expect(r.applied).toEqual(["reveal-values-true", "reveal-levels"]);
    expect(origins).toEqual(["migrate"]);
  });

  it("[MIG5] is idempotent: a second run applies nothing and emits no update", () => {
    const doc = new Y.Doc();
    migrateDmDoc(doc);
    let updates = 0;
    doc.on("update", () => updates++);
    expect(migrateDmDoc(doc).applied).toEqual([]);
    expect(updates).toBe(0);
  });

  it("[MIG5] two replicas migrating concurrently converge", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    dmMaps(a).reveals.set("0,0|x", false);
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    migrateDmDoc(a);
    migrateDmDoc(b);
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(a.getMap("meta").toJSON()).toEqual(b.getMap("meta").toJSON());
    expect(readDmMeta(a).schemaVersion).toBe(SCHEMA_VERSION);
    expect(dmMaps(a).reveals.size).toBe(0);
  });

  it("[MIG6] a document newer than the client is left untouched and reported", () => {
    const doc = new Y.Doc();
    dmMaps(doc).meta.set("schemaVersion", SCHEMA_VERSION + 1);
    expect(isDocNewerThanClient(doc)).toBe(true);
    let updates = 0;
    doc.on("update", () => updates++);
    expect(migrateDmDoc(doc).newer).toBe(true);
    expect(updates).toBe(0);
    const current = new Y.Doc();
    migrateDmDoc(current);
    expect(isDocNewerThanClient(current)).toBe(false);
  });

  it("[MIG4] the mechanism runs a custom list in order", () => {
    const doc = new Y.Doc();
    const ran: string[] = [];
    const list: Migration[] = [
      { version: 1, name: "one", up: () => ran.push("one") },
      { version: 2, name: "two", up: () => ran.push("two") },
      { version: 3, name: "three", up: () => ran.push("three") },
    ];
    dmMaps(doc).meta.set("schemaVersion", 1);
    expect(migrateDmDoc(doc, { migrations: list }).to).toBe(3);
    expect(ran).toEqual(["two", "three"]);
  });

  it("[MIG7] ensureDmDoc creates a complete current document in one update", () => {
    const doc = new Y.Doc();
    let updates = 0;
    doc.on("update", () => updates++);
    ensureDmDoc(doc, { name: "Westmarch" });
    expect(updates).toBe(1);
    expect(readDmMeta(doc)).toEqual({
      name: "Westmarch",
      schemaVersion: SCHEMA_VERSION,
      broadcastMode: "staged",
      orientation: "pointy",
      hexSize: 32,
    });
    expect(ensureDmDoc(doc, { name: "x" }).applied).toEqual([]);
    expect(updates).toBe(1);
  });
});
