import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import { checkKnownClocks, checkEnvelope, checkUpdateV1, documentUpdateOf, WireType } from "./messageChecks.ts";
import { backoffDelayMs, STORE_BACKOFF } from "./RetryingStore.ts";

/** A document using every kind of content yjs encodes. */
function richDoc(): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (u: Uint8Array) => updates.push(u));
  doc.getMap("terrain").set("0,0", "forest");
  doc.getMap("terrain").set("0,0", "hills"); // overwrite: delete set
  doc.getMap("meta").set("schemaVersion", 1);
  doc.getMap("meta").set("grid", { size: 32, orientation: "pointy", nested: [1, 2.5, null, true, { a: "b" }], big: 2n ** 40n });
  const text = new Y.Text();
  doc.getMap("notes").set("1,1", text);
  text.insert(0, "Hello world");
  text.format(0, 5, { bold: true });
  text.insertEmbed(3, { image: "x.png" });
  text.delete(2, 3);
  const arr = new Y.Array<unknown>();
  doc.getMap("meta").set("list", arr);
  arr.insert(0, [1, "two", new Uint8Array([3, 4]), new Y.Map()]);
  const xml = new Y.XmlElement("p");
  doc.getXmlFragment("x").insert(0, [xml, new Y.XmlText("t")]);
  doc.getMap("sub").set("d", new Y.Doc());
  doc.getMap("reveals").set("0,0|*", true);
  doc.getMap("reveals").delete("0,0|*");
  return { doc, updates };
}

/** A Hocuspocus frame: document name, message type, then the given varints and (length-prefixed) bytes. */
function frame(type: number, parts: Array<number | Uint8Array>): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, "campaign:c:dm");
  encoding.writeVarUint(e, type);
  for (const p of parts) {
    if (typeof p === "number") encoding.writeVarUint(e, p);
    else encoding.writeVarUint8Array(e, p);
  }
  return encoding.toUint8Array(e);
}

/** A V1 update with no structs and one delete range: what a forged "ghost delete" looks like. */
function deleteOnly(client: number, clock: number, len: number): Uint8Array {
  const e = encoding.createEncoder();
  for (const n of [0, 1, client, 1, clock, len]) encoding.writeVarUint(e, n);
  return encoding.toUint8Array(e);
}

describe("message checks (pure)", () => {
  it("[HARD8] a struct that skips clocks the server does not have is refused (it would claim them); contiguous and forwarded pending ones pass", () => {
    const server = new Y.Doc();
    const alice = new Y.Doc();
    const updates: Uint8Array[] = [];
    alice.on("update", (u: Uint8Array) => updates.push(u));
    for (const v of ["a", "b", "c"]) alice.getMap("terrain").set(`${v},0`, v);
    const [u1, u2, u3] = updates as [Uint8Array, Uint8Array, Uint8Array];
    Y.applyUpdate(server, u1);
    expect(checkKnownClocks(server, u2)).toBeNull();
    expect(checkKnownClocks(server, Y.mergeUpdates([u2, u3]))).toBeNull();
    // u3 alone starts past what the server has of Alice: it would take over the clocks of u2.
    expect(checkKnownClocks(server, u3)?.reason).toBe("update skips changes the server does not have");
    // A resend of what the server has passes (nothing new lands).
    expect(checkKnownClocks(server, u1)).toBeNull();
    // The server itself holds u3 pending (it arrived out of order): a client forwarding it passes.
    Y.applyUpdate(server, u3);
    expect(server.store.pendingStructs).not.toBeNull();
    expect(checkKnownClocks(server, u3)).toBeNull();
  });

  it("[HARD8] a delete of changes nobody has seen is refused; deletes of known changes, of the update's own, or of what the server holds pending pass", () => {
    const server = new Y.Doc();
    const alice = new Y.Doc();
    alice.getMap("terrain").set("0,0", "forest");
    alice.getMap("terrain").set("1,0", "hills");
    Y.applyUpdate(server, Y.encodeStateAsUpdate(alice));
    const aliceClock = Y.getState(alice.store, alice.clientID);
    // Alice's next edits (clock 2 onwards) do not exist yet: a delete of them would erase them on arrival.
    expect(checkKnownClocks(server, deleteOnly(alice.clientID, aliceClock, 5))?.reason).toBe("update deletes changes the server does not have");
    expect(checkKnownClocks(server, deleteOnly(alice.clientID, aliceClock - 1, 2))).not.toBeNull();
    expect(checkKnownClocks(server, deleteOnly(987_654, 0, 1))).not.toBeNull();
    // Deleting what exists, or overwriting (a real client's update) passes.
    expect(checkKnownClocks(server, deleteOnly(alice.clientID, 0, aliceClock))).toBeNull();
    const bob = new Y.Doc();
    Y.applyUpdate(bob, Y.encodeStateAsUpdate(server));
    const bobUpdates: Uint8Array[] = [];
    bob.on("update", (u: Uint8Array) => bobUpdates.push(u));
    bob.getMap("terrain").set("0,0", "swamp");
    // An update that makes and deletes its own items in one go (offline edits merged) passes.
    bob.getMap("terrain").set("2,0", "temp");
    bob.getMap("terrain").delete("2,0");
    const merged = Y.mergeUpdates(bobUpdates);
    expect(checkKnownClocks(server, merged)).toBeNull();
    expect(checkKnownClocks(server, Y.encodeStateAsUpdate(bob, Y.encodeStateVector(server)))).toBeNull();
    // The server itself holds the delete pending (it arrived out of order): a client forwarding it passes.
    const ghost = deleteOnly(alice.clientID, aliceClock, 5);
    Y.applyUpdate(server, ghost);
    expect(server.store.pendingDs).not.toBeNull();
    expect(checkKnownClocks(server, ghost)).toBeNull();
    expect(checkKnownClocks(server, deleteOnly(alice.clientID, aliceClock, 6))).not.toBeNull();
  });

  it("[DUR9] documentUpdateOf finds the update of a sync step 2 or update message, nothing else", () => {
    const { updates } = richDoc();
    const update = updates[0] as Uint8Array;
    expect(documentUpdateOf(frame(WireType.Sync, [2, update]))).toEqual(update);
    expect(documentUpdateOf(frame(WireType.Sync, [1, update]))).toEqual(update);
    expect(documentUpdateOf(frame(WireType.SyncReply, [1, update]))).toEqual(update);
    // Sync step 1 carries a state vector; an empty update carries nothing to journal.
    expect(documentUpdateOf(frame(WireType.Sync, [0, Y.encodeStateVector(new Y.Doc())]))).toBeNull();
    expect(documentUpdateOf(frame(WireType.Sync, [1, Y.encodeStateAsUpdate(new Y.Doc())]))).toBeNull();
    expect(documentUpdateOf(frame(WireType.Awareness, [new Uint8Array([0])]))).toBeNull();
    expect(documentUpdateOf(frame(WireType.Stateless, [new Uint8Array([1, 2])]))).toBeNull();
    expect(documentUpdateOf(new Uint8Array([200]))).toBeNull();
  });

  it("[HARD2] every real V1 update and a full state pass the structural check", () => {
    const { doc, updates } = richDoc();
    for (const u of updates) expect(checkUpdateV1(u)).toBeNull();
    expect(checkUpdateV1(Y.encodeStateAsUpdate(doc))).toBeNull();
    expect(checkUpdateV1(Y.mergeUpdates(updates))).toBeNull();
    expect(checkUpdateV1(Uint8Array.from([0, 0]))).toBeNull(); // the empty update
  });

  it("[HARD2] truncations, trailing bytes and V2 encodings are refused", () => {
    const { doc } = richDoc();
    const full = Y.encodeStateAsUpdate(doc);
    for (let cut = 1; cut < full.length; cut += Math.max(1, Math.floor(full.length / 50))) {
      expect(checkUpdateV1(full.subarray(0, full.length - cut)), `cut ${cut}`).not.toBeNull();
    }
    expect(checkUpdateV1(Uint8Array.from([...full, 0]))).not.toBeNull();
    expect(checkUpdateV1(Y.encodeStateAsUpdateV2(doc))).not.toBeNull();
  });

  it("[HARD1] the envelope needs a document name and a client message type", () => {
    const name = [4, 0x61, 0x62, 0x63, 0x64];
    expect(checkEnvelope(Uint8Array.from([...name, 0]))).toBeNull();
    expect(checkEnvelope(Uint8Array.from([...name, 6]))).not.toBeNull();
    expect(checkEnvelope(Uint8Array.from([0xff, 0xff]))).not.toBeNull();
    expect(checkEnvelope(Uint8Array.from([0, 0]))).not.toBeNull();
  });

  it("[DUR2] backoff doubles from 200 ms, is capped at 5 s, and jitters within half", () => {
    expect(backoffDelayMs(1, STORE_BACKOFF, () => 0)).toBe(200);
    expect(backoffDelayMs(2, STORE_BACKOFF, () => 0)).toBe(400);
    expect(backoffDelayMs(10, STORE_BACKOFF, () => 0)).toBe(5_000);
    expect(backoffDelayMs(10_000, STORE_BACKOFF, () => 0)).toBe(5_000);
    expect(backoffDelayMs(10, STORE_BACKOFF, () => 0.999)).toBeGreaterThanOrEqual(2_500);
  });
});
