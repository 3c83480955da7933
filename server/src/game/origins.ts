import type { LocalTransactionOrigin } from "@hocuspocus/server";
import { isConnectionOrigin } from "../collab/transactionOrigin.ts";

/** What the game server was doing when it wrote a document (logged, and lets observers skip our own writes). */
export const GameWrite = {
  publish: "publish",
  drop: "drop",
  session: "session",
  init: "init",
} as const;
export type GameWrite = (typeof GameWrite)[keyof typeof GameWrite];

/**
 * A structured Hocuspocus transaction origin for every server write: `source: "local"` (so Hocuspocus
 * stores and broadcasts it, and the Redis extension forwards it) with `context.game` naming the write.
 */
export function gameOrigin(write: GameWrite): LocalTransactionOrigin {
  return { source: "local", context: { game: write } };
}

/** A client connection's update (a DM's own edit, arriving on this instance): the collab layer's test. */
export { isConnectionOrigin };

/** True when a transaction origin is one of the game server's own writes (never re-derived). */
export function isGameOrigin(origin: unknown): boolean {
  if (typeof origin !== "object" || origin === null || !("source" in origin) || origin.source !== "local") return false;
  const context = "context" in origin ? origin.context : undefined;
  return typeof context === "object" && context !== null && "game" in context;
}

/** The user whose connection made a change (origin `connection`), or null (server, Redis, offline merge of unknown). */
export function actorOf(origin: unknown): string | null {
  if (!isConnectionOrigin(origin) || typeof origin !== "object" || origin === null || !("connection" in origin)) return null;
  const connection = origin.connection;
  if (typeof connection !== "object" || connection === null || !("context" in connection)) return null;
  const ctx = connection.context as { user?: { id?: unknown } } | undefined;
  return typeof ctx?.user?.id === "string" ? ctx.user.id : null;
}
