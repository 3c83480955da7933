import pg from "pg";

/** Cumulative write counters of one Postgres database (pg_stat_database). */
export interface PgCounters {
  /** Committed transactions, read-only ones included. */
  commits: number;
  /** Rows inserted + updated + deleted. */
  rows: number;
}

/**
 * Reads pg_stat_database for the database at `url` over one connection of its own. Postgres flushes a backend's
 * statistics when it goes idle (at most once a second), so a window's figure is exact up to ~1 s at its edges; this
 * reader's own two read-only commits per window are in `commits` (negligible against the servers').
 */
export class PgStatsReader {
  private readonly client: pg.Client;

  private constructor(client: pg.Client) {
    this.client = client;
  }

  static async open(url: string): Promise<PgStatsReader> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new PgStatsReader(client);
  }

  async sample(): Promise<PgCounters> {
    // A fresh snapshot: within a transaction Postgres would otherwise repeat the first one it took.
    await this.client.query("select pg_stat_clear_snapshot()");
    const r = await this.client.query<{ commits: string; rows: string }>(
      "select xact_commit as commits, tup_inserted + tup_updated + tup_deleted as rows from pg_stat_database where datname = current_database()",
    );
    const row = r.rows[0];
    if (!row) throw new Error("pg_stat_database has no row for this database");
    return { commits: Number(row.commits), rows: Number(row.rows) };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
