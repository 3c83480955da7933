import type pg from "pg";

/**
 * Run `fn` in a transaction on one pooled connection: commit on success, roll back and rethrow on error.
 * A connection whose rollback fails is destroyed rather than returned to the pool.
 * On PGlite (one pooled connection) this also holds every other query back until it ends: keep it short.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("begin");
    const result = await fn(client);
    await client.query("commit");
    return result;
  } catch (err) {
    await client.query("rollback").catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
