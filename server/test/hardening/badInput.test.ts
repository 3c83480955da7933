import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { CloseCode } from "@hexcrawl/shared/protocol";
import { BridgeCloseCode } from "../../src/collab/wsBridge.ts";
import type { App } from "../../src/app.ts";
import { checkKnownClocks, checkUpdateV1 } from "../../src/collab/messageChecks.ts";
import { AWARENESS_BURST } from "../../src/collab/UpdateGuard.ts";
import { createTestStore, startTestApp, storeKinds, type TestStore } from "../support/app.ts";
import { eventually, type HttpUser } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";
import { ownerWithCampaign, persistenceOf } from "../faults/support.ts";
import { applyStored, PostgresDocumentStore } from "../../src/db/DocumentStore.ts";
import { FrameWriter, awarenessPayload, frames, openRawSocket, seeded, type RawSocket } from "./rawSocket.ts";

const { kinds, skipped } = await storeKinds();
if (skipped) it.skip(`[HARD0] real Postgres variant skipped: ${skipped}`, () => undefined);
/** Real Postgres when reachable (its row is what must stay unchanged), else PGlite. */
const kind = kinds.includes("postgres") ? "postgres" : "pglite";

const MUTATIONS = 40;

describe(`bad input on the collaboration socket (${kind})`, () => {
  let store: TestStore;
  let app: App;
  let owner: HttpUser;
  let dmDoc: string;
  let anchor: TestClient;
  const clients: TestClient[] = [];

  const serverDoc = () => {
    const d = app.ctx.hocuspocus.documents.get(dmDoc);
    if (!d) throw new Error("DM document not loaded");
    return d;
  };
  /** Canonical content of the DM document's maps (sorted keys: insertion order differs between replicas). */
  const contentOf = (doc: Y.Doc) =>
    JSON.stringify(
      ["meta", "terrain", "label", "notes", "dmNotes", "reveals"].map((m) =>
        Object.entries(doc.getMap(m).toJSON()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      ),
    );
  /** Content, state vector and pending structs: any applied struct (even an invisible one) changes it. */
  const fingerprint = (doc: Y.Doc) =>
    JSON.stringify({
      sv: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort(([a], [b]) => a - b),
      content: contentOf(doc),
      pending: doc.store.pendingStructs !== null || doc.store.pendingDs !== null,
    });
  /** What is stored of the DM document: its row and its journal (client edits may be in the journal only, DUR14). */
  const storedState = async () => {
    const stored = await new PostgresDocumentStore(app.ctx.db.pool).fetch(dmDoc);
    const doc = new Y.Doc();
    if (stored) applyStored(doc, stored);
    const raw = stored
      ? JSON.stringify({ row: stored.state ? Buffer.from(stored.state).toString("base64") : null, journal: stored.journal.map((e) => `${e.key.writer}/${e.key.seq}`) })
      : null;
    return { doc, raw };
  };
  /** A valid update on top of the server's state: sets (overwrites) keys, so it carries structs and a delete set. */
  const validUpdate = (tag: string) => {
    const scratch = new Y.Doc();
    Y.applyUpdate(scratch, Y.encodeStateAsUpdate(serverDoc()));
    const sv = Y.encodeStateVector(scratch);
    scratch.getMap("terrain").set("0,0", `overwritten-${tag}`);
    scratch.getMap("label").set(`${tag},9`, `label-${tag}`);
    return Y.encodeStateAsUpdate(scratch, sv);
  };

  /** Open a raw socket authenticated on the DM document. */
  const dmSocket = async (): Promise<RawSocket> => {
    const s = await openRawSocket(app.url, owner.cookie);
    expect(await s.authenticate(dmDoc)).toBe(true);
    return s;
  };

  /** The checks after every case: process up, a legitimate client connects and syncs the server's content. */
  const stillServing = async () => {
    const health = await fetch(app.url + "/api/healthz");
    expect(health.status).toBe(200);
    const c = connectClient(app.url, dmDoc, owner.cookie);
    clients.push(c);
    expect(await c.ready).toBe(true);
    await eventually(() => expect(contentOf(c.doc)).toBe(contentOf(serverDoc())));
    c.destroy();
  };

  /** Send `frame(s)` on an authenticated DM socket; expect `code`, nothing applied, nothing stored. */
  /** Wait until the row holds what the server holds (an earlier accepted edit may still be in its store debounce). */
  const settled = async () =>
    eventually(async () => {
      expect(contentOf((await storedState()).doc)).toBe(contentOf(serverDoc()));
      expect(persistenceOf(app).unstoredDocuments(app.ctx.hocuspocus.documents)).toEqual([]);
    });

  const expectRejected = async (send: (s: RawSocket) => void, code: number) => {
    await settled();
    const before = fingerprint(serverDoc());
    const rowBefore = (await storedState()).raw;
    const s = await dmSocket();
    send(s);
    expect((await s.closed).code).toBe(code);
    expect(fingerprint(serverDoc())).toBe(before);
    await stillServing();
    expect(fingerprint(serverDoc())).toBe(before);
    expect((await storedState()).raw).toBe(rowBefore);
  };

  beforeAll(async () => {
    store = await createTestStore(kind);
    app = await startTestApp(store, {
      // Many sockets from 127.0.0.1 in a few seconds: lift the per-address limits (they have their own tests).
      limits: { upgradesPerWindow: 100_000, connectionsPerAddress: 100_000, authFailuresPerAddress: 100_000 },
    });
    ({ owner, dmDoc } = await ownerWithCampaign(app));
    anchor = connectClient(app.url, dmDoc, owner.cookie);
    clients.push(anchor);
    expect(await anchor.ready).toBe(true);
    for (let i = 0; i < 20; i++) anchor.doc.getMap("terrain").set(`${i},0`, `t${i}`);
    anchor.doc.getMap("notes").set("0,0", "the anchor's note");
    await eventually(async () => {
      const stored = await storedState();
      expect(stored.raw).not.toBeNull();
      expect(fingerprint(stored.doc)).toBe(fingerprint(serverDoc()));
    });
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await app?.close();
    await store?.cleanup();
  });

  it("[HARD1] garbage bytes close the socket with 4400", async () => {
    const rand = seeded(1);
    await expectRejected((s) => s.send(Uint8Array.from({ length: 16 }, () => 0xff)), CloseCode.BAD_REQUEST);
    // A valid envelope (document name, Sync) followed by random bytes.
    for (let i = 0; i < 5; i++) {
      const junk = Array.from({ length: 48 }, () => Math.floor(rand() * 256));
      await expectRejected((s) => s.send(new FrameWriter().varString(dmDoc).varUint(0).varUint(2).varUint(200).raw(junk).done()), CloseCode.BAD_REQUEST);
    }
  });

  it("[HARD1] garbage before authentication closes the socket with 4400 (never queued)", async () => {
    const s = await openRawSocket(app.url, owner.cookie);
    s.send(Uint8Array.from([0x05, 0x61, 0x62, 0x63, 0x64, 0x65, 0x63]));
    expect((await s.closed).code).toBe(CloseCode.BAD_REQUEST);
    await stillServing();
  });

  it("[HARD2] a truncated update is rejected whole — including a cut in its delete set, which yjs would apply partially", async () => {
    for (const cut of [1, 2, 5]) {
      const update = validUpdate(`trunc${cut}`);
      const truncated = update.subarray(0, update.length - cut);
      expect(checkUpdateV1(truncated)).not.toBeNull();
      await expectRejected((s) => s.send(frames.update(dmDoc, truncated)), CloseCode.BAD_REQUEST);
    }
    // The frame's length field claims more than the frame holds.
    const update = validUpdate("short");
    await expectRejected(
      (s) => s.send(new FrameWriter().varString(dmDoc).varUint(0).varUint(2).varUint(update.length + 50).raw(update).done()),
      CloseCode.BAD_REQUEST,
    );
  });

  it("[HARD2] seeded mutations of a valid update: all or nothing — rejected unchanged, or applied exactly as a fresh doc would", async () => {
    const rand = seeded(42);
    let rejected = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      const update = validUpdate(`mut${i}`).slice();
      const flips = 1 + Math.floor(rand() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(rand() * update.length);
        update[at] = rand() < 0.5 ? (update[at] ?? 0) ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
      }
      // Refused by the decoder, or a delete of clocks nobody has yet (HARD8: a flipped clock in the delete set).
      if ((checkUpdateV1(update) ?? checkKnownClocks(serverDoc(), update)) !== null) {
        rejected += 1;
        await expectRejected((s) => s.send(frames.update(dmDoc, update)), CloseCode.BAD_REQUEST);
        continue;
      }
      // Well-formed after mutation: it is a legitimate edit by an authorized DM. It must apply whole.
      const reference = new Y.Doc();
      Y.applyUpdate(reference, Y.encodeStateAsUpdate(serverDoc()));
      let referenceThrew = false;
      try {
        Y.applyUpdate(reference, update);
      } catch {
        referenceThrew = true;
      }
      const s = await dmSocket();
      s.send(frames.update(dmDoc, update));
      if (!referenceThrew) await eventually(() => expect(fingerprint(serverDoc())).toBe(fingerprint(reference)));
      s.close();
      await stillServing();
    }
    console.info(`[HARD2] ${MUTATIONS} mutated updates: ${rejected} rejected (decoder or HARD8), ${MUTATIONS - rejected} well-formed`);
  });

  it("[HARD2] a V2-encoded update on the V1 channel is rejected", async () => {
    const scratch = new Y.Doc();
    scratch.getMap("terrain").set("7,7", "v2");
    scratch.getMap("notes").set("7,7", "sent as V2");
    const v2 = Y.encodeStateAsUpdateV2(scratch);
    await expectRejected((s) => s.send(frames.update(dmDoc, v2)), CloseCode.BAD_REQUEST);
  });

  it("[HARD3] huge varints and yjs hang payloads are rejected without hanging the event loop", async () => {
    const huge = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]; // 2^53 - 1
    const payloads: Array<[string, Uint8Array]> = [
      // Frame length field beyond 2^53.
      ["length 2^60", new FrameWriter().varString(dmDoc).varUint(0).varUint(2).raw([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).done()],
      // Update claiming 2^53-1 client blocks, then nothing.
      ["2^53 client blocks", frames.update(dmDoc, Uint8Array.from([...huge]))],
      // One block of 2^53-1 structs, all missing.
      ["2^53 structs", frames.update(dmDoc, Uint8Array.from([1, ...huge, 0x01, 0x00]))],
      // A GC struct 2^50 long (would reserve the clock range), then an empty delete set.
      ["GC of length 2^50", frames.update(dmDoc, new FrameWriter().varUint(1).varUint(1).varUint(987654).varUint(0).varUint(0).varUint(2 ** 50).varUint(0).done())],
      // A Skip struct 2^52 long.
      ["Skip of length 2^52", frames.update(dmDoc, new FrameWriter().varUint(1).varUint(1).varUint(987655).varUint(0).varUint(10).varUint(2 ** 52).varUint(0).done())],
      // Delete set claiming 2^53 clients.
      ["delete set of 2^53 clients", frames.update(dmDoc, Uint8Array.from([0, ...huge]))],
      // State vector (sync step 1) with 2^53 entries.
      ["state vector of 2^53 entries", frames.step1(dmDoc, Uint8Array.from(huge))],
      // Run-length style V2 payload: every V2 reader count maxed (the known hang shape) — on the V1 channel.
      ["V2 RLE hang shape", frames.update(dmDoc, Uint8Array.from([0, ...Array.from({ length: 9 }, () => [8, ...huge.slice(0, 8)]).flat(), 1, ...huge, 0]))],
    ];
    for (const [label, frame] of payloads) {
      const started = performance.now();
      await expectRejected((s) => s.send(frame), CloseCode.BAD_REQUEST);
      expect(performance.now() - started, label).toBeLessThan(5_000);
    }
  });

  it("[HARD4] a frame over maxPayload closes with 1009", async () => {
    await expectRejected((s) => s.send(new Uint8Array(app.ctx.config.maxPayloadBytes + 1)), 1009);
  });

  it("[HARD4] an awareness flood closes with 4429; an oversized awareness state with 4413", async () => {
    await expectRejected((s) => {
      for (let i = 0; i < AWARENESS_BURST * 3; i++) s.send(frames.awareness(dmDoc, awarenessPayload(4242, i + 1, { cursor: { hex: "1,1" } })));
    }, CloseCode.RATE_LIMITED);
    await expectRejected((s) => s.send(frames.awareness(dmDoc, awarenessPayload(4243, 1, { pad: "x".repeat(20_000) }))), CloseCode.TOO_LARGE);
    await expectRejected((s) => s.send(frames.awareness(dmDoc, Uint8Array.from([0xff, 0xff, 0xff, 0x7f]))), CloseCode.BAD_REQUEST);
  });

  it("[HARD5] message types a client may not send close with 4400", async () => {
    for (const type of [6, 8, 9, 42, 300]) {
      await expectRejected((s) => s.send(frames.type(dmDoc, type, [0, 0])), CloseCode.BAD_REQUEST);
    }
    await expectRejected((s) => s.send(new FrameWriter().varString(dmDoc).varUint(0).varUint(7).varBytes(new Uint8Array(2)).done()), CloseCode.BAD_REQUEST);
  });

  it("[HARD6] auth messages for 200 documents on one socket close it (the open rate LIMIT1 first, 4429)", async () => {
    const s = await openRawSocket(app.url, owner.cookie);
    for (let i = 0; i < 200; i++) s.send(frames.auth(`campaign:nope${i}:dm`));
    // The bridge's open budget (30, then 1/s) closes it before Hocuspocus' maxPendingDocuments (100, its 4205).
    expect((await s.closed).code).toBe(BridgeCloseCode.TOO_MANY_OPENS);
    await stillServing();
  });

  it("[HARD6] a text frame closes with 1003", async () => {
    await expectRejected((s) => s.send("hello"), 1003);
  });

  it("[HARD8] a delete of another client's future changes (a ghost delete) closes with 4400; that client's next edit lands", async () => {
    const next = Y.getState(serverDoc().store, anchor.doc.clientID);
    const ghost = new FrameWriter().varUint(0).varUint(1).varUint(anchor.doc.clientID).varUint(1).varUint(next).varUint(100).done();
    await expectRejected((s) => s.send(frames.update(dmDoc, ghost)), CloseCode.BAD_REQUEST);
    expect(serverDoc().store.pendingDs).toBeNull();
    anchor.doc.getMap("terrain").set("60,60", "not erased");
    await eventually(() => expect(serverDoc().getMap("terrain").get("60,60")).toBe("not erased"));
  });

  it("[HARD8] a struct claiming another client's future clocks (a gap) closes with 4400; that client's next edits land", async () => {
    // A forger under the anchor's client id: it knows the anchor's state, writes 6 items, sends only the last.
    const forger = new Y.Doc();
    forger.clientID = anchor.doc.clientID;
    Y.applyUpdate(forger, Y.encodeStateAsUpdate(serverDoc()));
    const updates: Uint8Array[] = [];
    forger.on("update", (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 6; i++) forger.getMap("label").set(`70,${i}`, `forged ${i}`);
    await expectRejected((s) => s.send(frames.update(dmDoc, updates[5] ?? new Uint8Array())), CloseCode.BAD_REQUEST);
    for (let i = 0; i < 6; i++) anchor.doc.getMap("terrain").set(`61,${i}`, "mine");
    await eventually(() => expect(serverDoc().getMap("terrain").get("61,5")).toBe("mine"));
    expect(serverDoc().getMap("label").get("70,5")).toBeUndefined();
  });

  it("[HARD7] the anchor DM client was never disturbed and still edits", async () => {
    anchor.doc.getMap("terrain").set("50,50", "after the storm");
    await eventually(() => expect(serverDoc().getMap("terrain").get("50,50")).toBe("after the storm"));
    expect(anchor.provider.isSynced).toBe(true);
  });
});
