import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.ts";
import { createTestStore, startTestApp, type TestStore } from "../support/app.ts";
import { HttpUser, eventually, uniqueEmail } from "../support/http.ts";
import { connectClient, type TestClient } from "../support/providers.ts";
import * as Y from "yjs";
import { delay, missingKeys, missingServices, ownerWithCampaign, persistenceOf, readStoredBytes, readStoredDoc } from "./support.ts";

const missing = await missingServices({ postgres: true });

const EDITS_PER_DM = 150;

describe.skipIf(missing)("two instances storing one document at once (no Redis)", () => {
  let store: TestStore;
  let a: App;
  let b: App;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    store = await createTestStore("postgres");
    // Without Redis the instances never see each other's edits: each stores a divergent state of one document.
    // Every client update compacted at once (journalCompactRows 1): without Redis the row is the only way the
    // instances see each other's edits, and lazy compaction (DUR14) would write it only at unload.
    a = await startTestApp(store, { instanceName: "union-a", journalCompactRows: 1 });
    b = await startTestApp(store, { instanceName: "union-b", journalCompactRows: 1 });
  });

  afterAll(async () => {
    for (const c of clients) c.destroy();
    await a?.close();
    await b?.close();
    await store?.cleanup();
  });

  it("[DUR6] the stored row is the union of both instances' edits, same keys and different keys", async () => {
    const { owner, campaignId, dmDoc } = await ownerWithCampaign(a);
    const coDm = await new HttpUser(a.url, uniqueEmail("codm")).signUp("CoDM");
    await coDm.accept(await owner.invite(campaignId, "dm"));
    const onA = connectClient(a.url, dmDoc, owner.cookie);
    const onB = connectClient(b.url, dmDoc, coDm.cookie);
    clients.push(onA, onB);
    expect(await onA.ready).toBe(true);
    expect(await onB.ready).toBe(true);

    const expectedTerrain = new Map<string, string>();
    const expectedLabel = new Map<string, string>();
    // Interleaved bursts on both instances: every store (debounce 50 ms, max 200 ms) races the other's.
    for (let i = 0; i < EDITS_PER_DM; i++) {
      onA.doc.getMap("terrain").set(`${i},1`, `a${i}`);
      expectedTerrain.set(`${i},1`, `a${i}`);
      onB.doc.getMap("label").set(`${i},1`, `b${i}`);
      expectedLabel.set(`${i},1`, `b${i}`);
      if (i % 10 === 0) await delay(15);
    }
    await eventually(() => {
      expect(onA.provider.hasUnsyncedChanges).toBe(false);
      expect(onB.provider.hasUnsyncedChanges).toBe(false);
    }, 10_000);
    // Without Redis the only way one instance's edits reach the other's memory is a store that finds them in the row
    // (stale version) and merges: the merge is applied to the in-memory document (STORE5, DUR6).

    const url = store.options.databaseUrl ?? "";
    await eventually(async () => {
      const doc = await readStoredDoc(url, dmDoc);
      expect(missingKeys(doc, "terrain", expectedTerrain)).toEqual([]);
      expect(missingKeys(doc, "label", expectedLabel)).toEqual([]);
    }, 15_000, 100);

    // Both write the same key (a conflict): the stored row holds one Yjs winner, and both instances keep storing
    // without either erasing the other's other keys.
    onA.doc.getMap("notes").set("0,0", "from A");
    onB.doc.getMap("notes").set("0,0", "from B");
    onA.doc.getMap("notes").set("9,9", "only A");
    onB.doc.getMap("notes").set("8,8", "only B");
    await eventually(async () => {
      const doc = await readStoredDoc(url, dmDoc);
      expect(["from A", "from B"]).toContain(doc?.getMap("notes").get("0,0"));
      expect(doc?.getMap("notes").get("9,9")).toBe("only A");
      expect(doc?.getMap("notes").get("8,8")).toBe("only B");
      expect(missingKeys(doc, "terrain", expectedTerrain)).toEqual([]);
      expect(missingKeys(doc, "label", expectedLabel)).toEqual([]);
    }, 15_000, 100);

    // Acknowledged edits may still be only in the journal (DUR9): wait until both instances stored their rows, so the
    // row itself — not the row plus the journal — holds everything. Only a store that finds the other instance's row
    // write merges it into memory.
    await eventually(async () => {
      const bytes = await readStoredBytes(url, dmDoc);
      const row = new Y.Doc();
      if (bytes) Y.applyUpdate(row, bytes);
      expect(missingKeys(row, "terrain", expectedTerrain)).toEqual([]);
      expect(missingKeys(row, "label", expectedLabel)).toEqual([]);
      expect(row.getMap("notes").get("8,8")).toBe("only B");
      expect(row.getMap("notes").get("9,9")).toBe("only A");
      for (const app of [a, b]) expect(persistenceOf(app).unstoredDocuments(app.ctx.hocuspocus.documents)).toEqual([]);
    }, 15_000, 100);
    // The instances converge through their stores: one edit on A, stored; then one on B, stored. The later of the two
    // finds the other's row write and merges it into its in-memory document (and its clients); the earlier, if it
    // took the fast path, already held the other's last row write from its own previous merge.
    const serverDoc = (app: App) => {
      const doc = app.ctx.hocuspocus.documents.get(dmDoc);
      if (!doc) throw new Error(`${dmDoc} is not loaded`);
      return doc;
    };
    onA.doc.getMap("notes").set("7,7", "A again");
    await eventually(async () => expect((await readStoredDoc(url, dmDoc))?.getMap("notes").get("7,7")).toBe("A again"), 15_000, 100);
    onB.doc.getMap("notes").set("6,6", "B again");
    await eventually(async () => expect((await readStoredDoc(url, dmDoc))?.getMap("notes").get("6,6")).toBe("B again"), 15_000, 100);
    await eventually(() => {
      // A's last store came after every label store of B; B's last store came after every store of A.
      expect(missingKeys(serverDoc(a), "label", expectedLabel)).toEqual([]);
      expect(serverDoc(a).getMap("notes").get("8,8")).toBe("only B");
      expect(missingKeys(serverDoc(b), "terrain", expectedTerrain)).toEqual([]);
      expect(serverDoc(b).getMap("notes").get("9,9")).toBe("only A");
      expect(serverDoc(b).getMap("notes").get("7,7")).toBe("A again");
      // The conflicting key has one winner, the same in both memories.
      expect(serverDoc(a).getMap("notes").get("0,0")).toBe(serverDoc(b).getMap("notes").get("0,0"));
      // ... and B's client received A's edits through its server's merge.
      expect(missingKeys(onB.doc, "terrain", expectedTerrain)).toEqual([]);
    }, 15_000, 100);
  });
});
