import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";

/** Directory of the numbered SQL migrations (`NNN_name.sql`). */
export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/**
 * Key of the transaction-scoped advisory lock every migration step takes first, so instances starting at
 * the same time apply each migration exactly once and in order. (An arbitrary constant: "hexc" in ASCII.)
 */
export const MIGRATION_LOCK_KEY = 0x68657863;

const FILE_RE = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

/** A migration file found on disk. */
export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
}

/**
 * The migrations in `dir`, sorted by version.
 * @throws on a file name that is not `NNN_name.sql` (a typo must not be skipped silently) or a duplicate version.
 */
export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql"));
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m?.[1] || !m[2]) throw new Error(`Migration file name must be NNN_name.sql: ${file}`);
    migrations.push({ version: Number(m[1]), name: m[2], file, sql: await readFile(path.join(dir, file), "utf8") });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]?.version === migrations[i - 1]?.version) {
      throw new Error(`Two migrations share version ${migrations[i]?.version}`);
    }
  }
  return migrations;
}

/**
 * Apply every migration not yet recorded in `schema_migrations`, in version order, each in its own
 * transaction that first takes `pg_advisory_xact_lock(MIGRATION_LOCK_KEY)` — so concurrent callers (several
 * instances starting together) serialize, and each migration is applied once. A failing migration rolls back
 * entirely (its DDL included) and throws; the ones before it stay applied.
 * @returns the versions applied by this call (empty when the schema was up to date).
 */
export async function migrate(pool: pg.Pool, dir: string = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = await loadMigrations(dir);
  const applied: number[] = [];
  for (const migration of migrations) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query("begin");
      // A migration may legitimately run longer than the pool's statement timeout.
      await client.query("set local statement_timeout = 0");
      await client.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
      // Under the lock: two instances creating this table at once would otherwise collide in pg_type.
      await client.query(
        "create table if not exists schema_migrations (version int primary key, name text not null, applied_at timestamptz not null default now())",
      );
      const done = await client.query("select 1 from schema_migrations where version = $1", [migration.version]);
      if (done.rowCount === 0) {
        await client.query(migration.sql);
        await client.query("insert into schema_migrations (version, name) values ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        applied.push(migration.version);
      }
      await client.query("commit");
    } catch (err) {
      await client.query("rollback").catch(() => {
        broken = true;
      });
      throw new Error(`Migration ${migration.file} failed: ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      // A connection that could not even roll back is destroyed, not returned to the pool.
      client.release(broken);
    }
  }
  return applied;
}
