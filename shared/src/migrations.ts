import type * as Y from "yjs";
import { DM_META_DEFAULTS, dmMaps, initDmDoc, KnowledgeLevel, MetaKey, parseRevealKey, readDmMeta } from "./model.ts";

/**
 * Versioned DM document schema (MIG1–MIG7 in SPEC.md).
 *
 * Migrations run on replicas of a CRDT: two DMs offline may both migrate the same document, and the
 * results merge. So every `up` must be idempotent and convergent: only "set if absent" and "delete
 * what is invalid", never "move value from A to B then delete A" unless a concurrent rerun is harmless.
 */

/** One step of the DM document schema. `up` runs inside the migration transaction. */
export interface Migration {
  /** The schema version the document has after this step. Sequential from 1. */
  version: number;
  /** Short stable name, for logs. */
  name: string;
  up(doc: Y.Doc): void;
}

/** Every DM document migration, oldest first. Append only: never edit a released step. */
export const DM_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    // A document without a schemaVersion predates versioning (or was just created): give it the
    // meta settings every reader expects.
    up(doc) {
      const { meta } = dmMaps(doc);
      for (const [k, v] of Object.entries(DM_META_DEFAULTS)) if (!meta.has(k)) meta.set(k, v);
    },
  },
  {
    version: 2,
    name: "reveal-values-true",
    // A reveal is the presence of `"q,r|target": true`. Entries with another value (early drafts stored
    // `false` for "hidden") or a malformed key would confuse readers that only look at presence.
    up(doc) {
      const { reveals } = dmMaps(doc);
      const bad: string[] = [];
      reveals.forEach((v, k) => {
        if (v !== true || parseRevealKey(k) === null) bad.push(k);
      });
      for (const k of bad) reveals.delete(k);
    },
  },
  {
    version: 3,
    name: "reveal-levels",
    // Knowledge levels: a reveal's value is its level. A legacy `true` meant "revealed", which is `visited` (the
    // fields players got before levels: terrain, name, notes). Convergent: every replica writes the same value.
    up(doc) {
      const { reveals } = dmMaps(doc);
      const legacy: string[] = [];
      reveals.forEach((v, k) => {
        if (v === true) legacy.push(k);
      });
      for (const k of legacy) reveals.set(k, KnowledgeLevel.visited);
    },
  },
];

/** Check a migration list is sequential from 1; throws otherwise (a programming error). */
export function assertMigrationsSequential(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
}
assertMigrationsSequential(DM_MIGRATIONS);

/** The DM document schema version this code writes and understands. */
export const SCHEMA_VERSION: number = DM_MIGRATIONS.length;

/** The schema version stored in a document (0 when absent or invalid: pre-versioning). */
export function docSchemaVersion(doc: Y.Doc): number {
  return readDmMeta(doc).schemaVersion;
}

/**
 * True when the document was written by a newer schema than this code knows. Such a client must not
 * edit the document (it could write shapes the newer schema forbids): go read-only and say "reload".
 */
export function isDocNewerThanClient(doc: Y.Doc, clientVersion: number = SCHEMA_VERSION): boolean {
  return docSchemaVersion(doc) > clientVersion;
}

/** What migrateDmDoc did. */
export interface MigrationResult {
  from: number;
  to: number;
  /** Names of the steps that ran, in order. */
  applied: string[];
  /** True when the document is newer than this code: nothing was changed. */
  newer: boolean;
}

/**
 * Bring a DM document up to the latest schema in one transaction. Idempotent: a second call changes
 * nothing and emits no update. A document newer than this code is left untouched.
 */
export function migrateDmDoc(
  doc: Y.Doc,
  opts: { origin?: unknown; migrations?: readonly Migration[] } = {},
): MigrationResult {
  const list = opts.migrations ?? DM_MIGRATIONS;
  const target = list.length;
  const from = docSchemaVersion(doc);
  if (from > target) return { from, to: from, applied: [], newer: true };
  const pending = list.filter((m) => m.version > from);
  if (pending.length === 0) return { from, to: from, applied: [], newer: false };
  doc.transact(() => {
    for (const m of pending) m.up(doc);
    dmMaps(doc).meta.set(MetaKey.schemaVersion, target);
  }, opts.origin);
  return { from, to: target, applied: pending.map((m) => m.name), newer: false };
}

/**
 * Create-or-open: set the meta defaults and name if absent, then migrate, in one transaction.
 * The server calls this when it creates a campaign's DM document.
 */
export function ensureDmDoc(doc: Y.Doc, opts: { name: string }, origin?: unknown): MigrationResult {
  let result: MigrationResult | undefined;
  doc.transact(() => {
    initDmDoc(doc, opts, origin);
    result = migrateDmDoc(doc, { origin });
  }, origin);
  // transact runs its callback synchronously, so result is always set here.
  return result as MigrationResult;
}
