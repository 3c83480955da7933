import type { App } from "../../src/app.ts";
import type { TestClient } from "../support/providers.ts";

/**
 * The hostile-client suite's helpers (rules HOST1…, SPEC.md "Access, limits and abuse paths"). Every test here was
 * written against a weakness found in review (issue 10, W1–W10) and fails on the code before the fix.
 */

/** What a client saw closing: socket close codes, and per-document close reasons (Hocuspocus Close messages). */
export interface CloseLog {
  socketCodes: number[];
  documentReasons: string[];
}

/** Record the closes a client sees from now on. */
export function watchCloses(client: TestClient): CloseLog {
  const log: CloseLog = { socketCodes: [], documentReasons: [] };
  client.socket.on("close", ({ event }: { event: { code: number } }) => log.socketCodes.push(event.code));
  client.provider.on("close", ({ event }: { event: { code: number; reason: string } }) => {
    // The provider forwards its socket's closes too; a Close message for this document comes with code 1000.
    if (event.code === 1000 && event.reason) log.documentReasons.push(event.reason);
  });
  return log;
}

/** How many server-side connections `userId` holds on document `name` of this instance. */
export function serverConnections(app: App, name: string, userId: string): number {
  const doc = app.ctx.hocuspocus.documents.get(name);
  if (!doc) return 0;
  return doc.getConnections().filter((c) => {
    const ctx: unknown = c.context;
    return typeof ctx === "object" && ctx !== null && "user" in ctx && (ctx.user as { id?: unknown }).id === userId;
  }).length;
}
