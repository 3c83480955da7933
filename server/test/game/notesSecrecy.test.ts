import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import * as Y from "yjs";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import {
  ALL_PLAYERS,
  ANNOTATION_MAPS,
  dmDocName,
  notesDocName,
  partyDocName,
  playerDocName,
  putMarker,
  reveal,
  setAnnotationNote,
  setDmNotes,
  setLabel,
  setNotes,
  setTerrain,
  tableDocName,
} from "@hexcrawl/shared";
import type { App } from "../../src/app.ts";
import { eventually, type HttpUser } from "../support/http.ts";
import { connectClient, connectOnSocket, type TestClient } from "../support/providers.ts";
import { command } from "../support/commands.ts";
import { storeKinds, useTestApp } from "../support/app.ts";
import { setUpTable, type Table } from "./fixture.ts";

/**
 * The secrecy proof (SEC4) extended to the documents the players write (NOTES10, NOTES11): a member's private notes
 * reach nobody else — no other player, no DM — in any frame, document or row; the table document never holds
 * anything of the DM document.
 */

const { kinds, skipped } = await storeKinds();
if (skipped) it.skip(`[NOTES0] real Postgres notes secrecy run skipped: ${skipped}`, () => undefined);

const canaries: string[] = [];
function canary(where: string): string {
  const c = `CANARY-${where}-${randomBytes(8).toString("hex")}`;
  canaries.push(c);
  return c;
}
const found = (haystack: Buffer | Uint8Array | string, prefix = "CANARY-"): string[] => {
  const text = typeof haystack === "string" ? haystack : Buffer.from(haystack).toString("latin1");
  return canaries.filter((c) => c.startsWith(prefix) && text.includes(c));
};

/** A `ws` that records every frame it receives (what that member's browser gets). */
function recordingSocket(cookie: string, origin: string, frames: Buffer[]) {
  return class RecordingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie, origin } });
      this.on("message", (data: Buffer) => frames.push(Buffer.from(data)));
      this.on("error", () => undefined);
    }
  };
}

const docOf = (frame: Buffer): string | null => {
  try {
    return decoding.readVarString(decoding.createDecoder(new Uint8Array(frame)));
  } catch {
    return null;
  }
};

/** A raw socket asks for `name` (auth, sync step 1) and records the answer: refused, or any content. */
async function probe(app: App, cookie: string, name: string): Promise<{ denied: boolean; content: boolean }> {
  const frames: Buffer[] = [];
  const ws = new WebSocket(app.url.replace("http", "ws") + "/collab", { headers: { cookie, origin: app.url } });
  ws.on("message", (d: Buffer) => frames.push(Buffer.from(d)));
  await new Promise<void>((resolve, reject) => {
    ws.on("open", () => resolve());
    ws.on("error", reject);
  });
  const auth = encoding.createEncoder();
  encoding.writeVarString(auth, name);
  encoding.writeVarUint(auth, 2);
  encoding.writeVarUint(auth, 0);
  encoding.writeVarString(auth, "cookie");
  ws.send(encoding.toUint8Array(auth));
  const step1 = encoding.createEncoder();
  encoding.writeVarString(step1, name);
  encoding.writeVarUint(step1, 0);
  encoding.writeVarUint(step1, 0);
  encoding.writeVarUint8Array(step1, Y.encodeStateVector(new Y.Doc()));
  ws.send(encoding.toUint8Array(step1));
  await new Promise((r) => setTimeout(r, 400));
  ws.close();
  const out = { denied: false, content: false };
  for (const f of frames) {
    if (docOf(f) !== name) continue;
    const d = decoding.createDecoder(new Uint8Array(f));
    decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    if (type === 2 && decoding.readVarUint(d) === 1) out.denied = true;
    if (type === 0 || type === 4 || type === 1) out.content = true;
  }
  return out;
}

describe.each(kinds)("[NOTES] secrecy of the players' own layer (%s)", (kind) => {
  let t: Table;
  const clients: TestClient[] = [];

  const suite = useTestApp(kind);
  beforeAll(async () => {
    t = await setUpTable(suite.app, 2);
  });
  afterAll(async () => {
    for (const c of clients.splice(0)) c.destroy();
    t?.closeClients();
  });

  it("[NOTES10] [NOTES11] a player's private notes reach no other member (DMs included); the table holds nothing of the DM document", async () => {
    const [alice, bob] = t.players as [HttpUser, HttpUser];
    const table = tableDocName(t.campaignId);
    const aliceNotes = notesDocName(t.campaignId, alice.id);
    const frames = new Map<string, Buffer[]>();

    /** A member's browser: their main document, then the others on the same recording socket. */
    const browser = async (who: HttpUser, main: string, more: string[]): Promise<Map<string, TestClient>> => {
      const rec: Buffer[] = [];
      frames.set(who.email, rec);
      const first = connectClient(suite.app.url, main, who.cookie, { socketClass: recordingSocket(who.cookie, suite.app.url, rec) });
      const out = new Map<string, TestClient>([[main, first]]);
      for (const name of more) out.set(name, connectOnSocket(first, name, { awareness: false }));
      for (const [name, c] of out) {
        clients.push(c);
        expect(await c.ready, `${who.email} opens ${name}`).toBe(true);
      }
      return out;
    };
    const dm = await browser(t.owner, dmDocName(t.campaignId), [table, notesDocName(t.campaignId, t.owner.id)]);
    const coDm = await browser(t.coDm, dmDocName(t.campaignId), [table, notesDocName(t.campaignId, t.coDm.id)]);
    const aliceB = await browser(alice, playerDocName(t.campaignId, alice.id), [partyDocName(t.campaignId), table, aliceNotes]);
    const bobB = await browser(bob, playerDocName(t.campaignId, bob.id), [partyDocName(t.campaignId), table, notesDocName(t.campaignId, bob.id)]);
    const get = (m: Map<string, TestClient>, name: string) => m.get(name) as TestClient;

    // The DM's secrets, a published public hex, and live edits while everyone annotates.
    const dmDoc = get(dm, dmDocName(t.campaignId)).doc;
    for (const hex of ["0,0", "1,0", "2,0"]) {
      setTerrain(dmDoc, hex, "forest");
      setDmNotes(dmDoc, hex, canary(`dm-dmnotes-${hex}`));
    }
    setLabel(dmDoc, "5,5", canary("dm-unrevealed-label"));
    setNotes(dmDoc, "5,5", canary("dm-unrevealed-notes"));
    setLabel(dmDoc, "0,0", "The Crossing");
    reveal(dmDoc, "0,0", ALL_PLAYERS);
    await command(get(dm, dmDocName(t.campaignId)), { type: "publish" });

    // Alice's private notes: markers anywhere, notes on known and unknown hexes.
    const aliceOwn = get(aliceB, aliceNotes).doc;
    putMarker(aliceOwn, "p1", { hex: "5,5", icon: "danger", text: canary("alice-notes-marker"), author: alice.id }, alice.id);
    setAnnotationNote(aliceOwn, "0,0", canary("alice-notes-note"));
    // The table: everyone writes, the DM too — but nothing of the DM document goes there.
    putMarker(get(aliceB, table).doc, "t1", { hex: "0,0", icon: "camp", text: "we camped here", author: alice.id }, alice.id);
    putMarker(get(bobB, table).doc, "t2", { hex: "1,0", icon: "question", text: "tracks?", author: bob.id }, bob.id);
    putMarker(get(dm, table).doc, "t3", { hex: "2,0", icon: "pin", text: "meet here next session", author: t.owner.id }, t.owner.id);
    setAnnotationNote(get(coDm, table).doc, "0,0", "the ferryman charges a silver");
    await eventually(() => {
      for (const m of [dm, coDm, aliceB, bobB]) expect(get(m, table).doc.getMap("markers").size).toBe(3);
      expect(suite.app.ctx.hocuspocus.documents.get(aliceNotes)?.getMap("markers").size).toBe(1);
    });
    await new Promise((r) => setTimeout(r, 300));

    // Nobody else may even open Alice's notes: a raw probe gets a refusal and no content.
    for (const who of [bob, t.owner, t.coDm]) {
      expect(await probe(suite.app, who.cookie, aliceNotes), `${who.email} probing Alice's notes`).toEqual({ denied: true, content: false });
    }

    // 1. Frames: Alice's notes reach Alice alone; the table's frames carry no DM-document canary, for anyone.
    for (const [who, rec] of frames) {
      expect(rec.length, who).toBeGreaterThan(0);
      const aliceNotesSeen = rec.flatMap((f) => found(f, "CANARY-alice-notes"));
      if (who === alice.email) expect(aliceNotesSeen.length, "not vacuous: Alice got her own notes").toBeGreaterThan(0);
      else expect(aliceNotesSeen, `Alice's private notes in frames to ${who}`).toEqual([]);
      expect(rec.filter((f) => docOf(f) === table).flatMap((f) => found(f)), `table frames to ${who}`).toEqual([]);
    }
    // Not vacuous: the DMs' sockets did carry DM canaries (on the DM document).
    expect((frames.get(t.coDm.email) ?? []).some((f) => found(f, "CANARY-dm-").length > 0)).toBe(true);

    // 2. Documents: every table replica and the server's table hold no canary and only the table's maps.
    const serverTable = suite.app.ctx.hocuspocus.documents.get(table) ?? new Y.Doc();
    for (const d of [serverTable, ...[dm, coDm, aliceB, bobB].map((m) => get(m, table).doc)]) {
      expect(found(Y.encodeStateAsUpdate(d))).toEqual([]);
      expect([...d.share.keys()].every((k) => (ANNOTATION_MAPS.table as readonly string[]).includes(k))).toBe(true);
    }
    for (const m of [dm, coDm, bobB]) for (const [name, c] of m) expect(found(Y.encodeStateAsUpdate(c.doc), "CANARY-alice-notes"), name).toEqual([]);

    // 3. Postgres rows, after every document was stored and unloaded.
    for (const c of clients.splice(0)) c.destroy();
    await eventually(() => expect(suite.app.ctx.hocuspocus.getDocumentsCount()).toBe(0), 15_000);
    const { rows } = await suite.app.ctx.db.pool.query<{ name: string; state: Buffer }>("select name, state from document where name like $1", [
      `campaign:${t.campaignId}:%`,
    ]);
    const names = rows.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining([table, aliceNotes]));
    for (const row of rows) {
      const aliceSeen = found(row.state, "CANARY-alice-notes");
      if (row.name === aliceNotes) expect(aliceSeen.length, "not vacuous: Alice's row holds her notes").toBe(2);
      else expect(aliceSeen, row.name).toEqual([]);
    }
    const tableRow = rows.find((r) => r.name === table);
    expect(found(tableRow?.state ?? Buffer.alloc(0))).toEqual([]);
  });
});
