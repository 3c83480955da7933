import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/Database.ts";

/** W9: the embedded database is readable by other local users (DATA1, DATA2). */
describe("[HOST10] the embedded database is private (W9)", () => {
  const made: string[] = [];
  afterAll(async () => {
    for (const d of made) await rm(d, { recursive: true, force: true });
  });

  const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

  it("[HOST10] [DATA1] an existing DATA_DIR with mode 0755 is tightened to 0700, and its files to 0600", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-w9-"));
    made.push(dir);
    await chmod(dir, 0o755);
    await mkdir(path.join(dir, "pglite"), { mode: 0o755 });
    await writeFile(path.join(dir, "leftover.txt"), "secret", { mode: 0o644 });
    const db = await openDatabase({ dataDir: dir });
    try {
      expect(await modeOf(dir)).toBe(0o700);
      expect(await modeOf(path.join(dir, "leftover.txt"))).toBe(0o600);
      expect(await modeOf(path.join(dir, "pglite"))).toBe(0o700);
      expect(await modeOf(path.join(dir, "pglite", "PG_VERSION"))).toBe(0o600);
    } finally {
      await db.close();
    }
  });

  it("[HOST10] [DATA2] a DATA_DIR too long for a socket path gets a private short socket, never a TCP port", async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), "hexcrawl-w9-"));
    made.push(base);
    const dir = path.join(base, "a-very-long-directory-name-".repeat(4));
    const db = await openDatabase({ dataDir: dir });
    try {
      const host = String((db.pool as unknown as { options: { host?: string } }).options.host);
      expect(host.startsWith("/")).toBe(true);
      expect(host).not.toBe("127.0.0.1");
      expect(await modeOf(host)).toBe(0o700);
      expect((await db.pool.query("select 1 as x")).rows[0]?.x).toBe(1);
    } finally {
      await db.close();
    }
  });
});
