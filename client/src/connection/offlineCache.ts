import { z } from "zod";

/**
 * The last answers of a few GET endpoints, kept in localStorage so the app still opens when the
 * server cannot be reached (OFF5): who is signed in, a campaign's name and role, its members.
 * Only used after a NETWORK failure — any answer from the server (including 401) replaces it.
 * Nothing secret is stored: the session cookie stays HttpOnly; the map itself lives in IndexedDB.
 */

const PREFIX = "hexcrawl:cache:";

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

/** Store a value under `key` (silently skipped when storage is unavailable or full). */
export function cachePut(key: string, value: unknown): void {
  try {
    storage()?.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Quota or privacy mode: the cache is a convenience, never a requirement.
  }
}

/** Read and validate a cached value; null when absent or no longer matching the schema. */
export function cacheGet<T>(key: string, schema: z.ZodType<T>): T | null {
  const raw = storage()?.getItem(PREFIX + key);
  if (raw == null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Forget everything cached (sign-out). */
export function cacheClear(): void {
  const s = storage();
  if (!s) return;
  for (let i = s.length - 1; i >= 0; i--) {
    const k = s.key(i);
    if (k?.startsWith(PREFIX)) s.removeItem(k);
  }
}

/** Cache keys. */
export const CacheKey = {
  user: "user",
  campaign: (id: string) => `campaign:${id}`,
  members: (id: string) => `members:${id}`,
} as const;
