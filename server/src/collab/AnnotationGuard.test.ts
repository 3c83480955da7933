import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import type { beforeHandleMessagePayload } from "@hocuspocus/server";
import { putMarker } from "@hexcrawl/shared/annotations";
import { CloseCode } from "@hexcrawl/shared/protocol";
import { AnnotationGuard, rejectionCode, SIZE_REMEASURE_MS } from "./AnnotationGuard.ts";

/** A client's update message as it arrives (document name, Sync, update). */
function frame(name: string, update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, name);
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

describe("AnnotationGuard in memory", () => {
  it("[NOTES6] a document at its byte cap refuses the next update (4413, reason names the cap); measured exactly at most once per 5 s", async () => {
    let now = 0;
    const guard = new AnnotationGuard(null, () => now, { notes: 2_000, table: 2_000 });
    const doc = new Y.Doc();
    const name = "campaign:c1:table";
    const context = { user: { id: "alice", name: "Alice", sessionId: "s" }, role: "player", doc: { kind: "table", campaignId: "c1" }, preview: false };
    const connection = {};
    const send = async (i: number): Promise<number | null> => {
      const client = new Y.Doc();
      Y.applyUpdate(client, Y.encodeStateAsUpdate(doc));
      const sv = Y.encodeStateVector(client);
      putMarker(client, `m${i}`, { hex: "1,1", icon: "pin", text: "x".repeat(200), author: "alice" }, "alice");
      const update = Y.encodeStateAsUpdate(client, sv);
      const payload = { update: frame(name, update), connection, document: doc, context } as unknown as beforeHandleMessagePayload;
      try {
        await guard.beforeHandleMessage(payload);
      } catch (err) {
        return rejectionCode(err);
      }
      Y.applyUpdate(doc, update);
      return null;
    };
    const results: Array<number | null> = [];
    for (let i = 0; i < 12; i++) {
      now += 10;
      results.push(await send(i));
    }
    const firstRefused = results.indexOf(CloseCode.TOO_LARGE);
    expect(firstRefused).toBeGreaterThan(3);
    expect(results.slice(0, firstRefused).every((r) => r === null)).toBe(true);
    expect(results.slice(firstRefused).every((r) => r === CloseCode.TOO_LARGE)).toBe(true);
    expect(Y.encodeStateAsUpdate(doc).byteLength).toBeLessThanOrEqual(2_000);
    // After the re-measure interval a deletion that made room is seen.
    doc.getMap("markers").clear();
    now += SIZE_REMEASURE_MS;
    expect(await send(99)).toBeNull();
  });
});
