import { open, readFile, rename, unlink } from "node:fs/promises";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { z } from "zod";

/** File name of the lock inside a data directory. */
export const DATA_DIR_LOCK_FILE = "hexcrawl.lock";

/** Thrown when another live process (or this one) already holds the data directory. */
export class DataDirLockedError extends Error {
  readonly code = "DATA_DIR_LOCKED";
  readonly dataDir: string;
  readonly holderPid: number;
  constructor(dataDir: string, holderPid: number, detail: string) {
    super(
      `Data directory ${dataDir} is in use by process ${holderPid} (${detail}). ` +
        `Only one Hex Crawl process may use an embedded database directory; stop the other process, ` +
        `point DATA_DIR elsewhere, or set DATABASE_URL to share a real Postgres between instances.`,
    );
    this.dataDir = dataDir;
    this.holderPid = holderPid;
    this.name = "DataDirLockedError";
  }
}

const LockContent = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  /** Linux boot id: a lock written before a reboot is stale even if its pid is alive again. */
  bootId: z.string().nullable(),
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22): detects pid reuse. */
  startTicks: z.string().nullable(),
  createdAt: z.string(),
});
type LockContent = z.infer<typeof LockContent>;

/** Locks held by this process, so a lock file naming our own pid but not in this set is a stale one (container restarts reuse pids). */
const heldByThisProcess = new Set<string>();

/** A held data-directory lock. `release()` is idempotent. */
export interface DataDirLock {
  readonly file: string;
  release(): Promise<void>;
}

function readBootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null;
  }
}

function readStartTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: fields after it start past the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19] ?? null; // field 22 overall = index 19 after "state" (field 3)
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Why the holder recorded in `content` still holds the lock, or null when the lock is stale. */
function liveHolder(file: string, content: LockContent): string | null {
  if (content.hostname !== os.hostname()) {
    // Cannot check a pid on another host (shared volume): assume alive rather than risk two writers.
    return `on host ${content.hostname}; delete ${file} if that process is gone`;
  }
  const bootId = readBootId();
  if (bootId && content.bootId && bootId !== content.bootId) return null;
  if (content.pid === process.pid) {
    return heldByThisProcess.has(file) ? "this process already opened it" : null;
  }
  if (!pidAlive(content.pid)) return null;
  const ticks = readStartTicks(content.pid);
  if (ticks && content.startTicks && ticks !== content.startTicks) return null; // pid reused by another program
  return "alive";
}

async function tryCreate(file: string, content: LockContent): Promise<boolean> {
  try {
    const handle = await open(file, "wx", 0o600);
    try {
      await handle.writeFile(JSON.stringify(content) + "\n");
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

async function readLock(file: string): Promise<LockContent | "missing" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw err;
  }
  try {
    const parsed = LockContent.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : "unreadable";
  } catch {
    return "unreadable";
  }
}

/**
 * Take the exclusive lock on a data directory (created with O_EXCL, our pid inside).
 * A lock whose process is dead (or from before a reboot, or whose pid was reused) is taken over.
 * A lock file that cannot be parsed is treated as held: it may be mid-write by a starting process.
 * @throws DataDirLockedError when a live process holds it — including this very process.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(path.resolve(dataDir), DATA_DIR_LOCK_FILE);
  const content: LockContent = {
    pid: process.pid,
    hostname: os.hostname(),
    bootId: readBootId(),
    startTicks: readStartTicks(process.pid),
    createdAt: new Date().toISOString(),
  };
  // Bounded: each round either creates the lock, fails with a live holder, or removes one stale file.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(file, content)) {
      heldByThisProcess.add(file);
      let released = false;
      return {
        file,
        async release() {
          if (released) return;
          released = true;
          heldByThisProcess.delete(file);
          // Only remove the file if it is still ours (never someone else's lock).
          const now = await readLock(file);
          if (typeof now === "object" && now.pid === content.pid && now.createdAt === content.createdAt) {
            await unlink(file).catch(() => undefined);
          }
        },
      };
    }
    const existing = await readLock(file);
    if (existing === "missing") continue; // released between our create and read: retry
    if (existing === "unreadable") {
      throw new DataDirLockedError(dataDir, 0, `lock file ${file} is unreadable; delete it if no process uses the directory`);
    }
    const holder = liveHolder(file, existing);
    if (holder) throw new DataDirLockedError(dataDir, existing.pid, holder);
    // Stale. Move it aside atomically (only one racer's rename succeeds), then check that what we moved is
    // the stale lock we judged — a racer may have replaced it with a fresh lock in between.
    const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await rename(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    const moved = await readLock(aside);
    if (typeof moved === "object" && (moved.pid !== existing.pid || moved.createdAt !== existing.createdAt)) {
      // We moved a live racer's fresh lock: put it back (O_EXCL-free rename is fine, the slot is ours) and give up.
      await rename(aside, file).catch(() => undefined);
      throw new DataDirLockedError(dataDir, moved.pid, "another process took the lock at the same moment");
    }
    await unlink(aside).catch(() => undefined);
  }
  throw new Error(`Could not take the lock ${file} after several attempts`);
}
