import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { ALL_PLAYERS, dmDocName, reveal, setLabel, setTerrain } from "@hexcrawl/shared";
import { apiRoutes } from "@hexcrawl/shared/httpApi";
import { exportCampaign, type CampaignFile } from "@hexcrawl/shared/exchange/campaignFile";
import { generateCampaign, TEXT_MAPPER_SAMPLE, worldographerSample, WXX_2025_XML, WXX_CLASSIC_XML } from "@hexcrawl/shared/exchange/fixtures";
import { offsetToAxial } from "@hexcrawl/shared/exchange/sourceMap";
import { encodeWxxText } from "@hexcrawl/shared/exchange/wxx";
import { eventually, HttpUser } from "./support/http.ts";
import { connectClient, type TestClient } from "./support/providers.ts";
import { useTestApp } from "./support/app.ts";
import { command } from "./support/commands.ts";
import { setUpTable, viewOf, type Table } from "./game/fixture.ts";

function withoutTime(f: CampaignFile): Omit<CampaignFile, "exportedAt"> {
  const { exportedAt: _t, ...rest } = f;
  return rest;
}

function wxxBase64(xml: string): string {
  return gzipSync(encodeWxxText(xml)).toString("base64");
}

describe("[XCHG] export and import through the server", () => {
  let t: Table;
  const clients: TestClient[] = [];

  const suite = useTestApp("pglite");
  beforeAll(async () => {
    t = await setUpTable(suite.app, 2);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    t?.closeClients();
  });

  const exportOf = async (user: HttpUser, id: string) => user.call(apiRoutes.exportCampaign, { params: { id } });
  const campaignCount = async (user: HttpUser) => (await user.call(apiRoutes.listCampaigns, {})).campaigns.length;

  it("[XCHG4] a campaign edited by a DM exports, imports as a new campaign, and exports again the same; a DM opening it sees it", async () => {
    const dm = await t.dm();
    Y.applyUpdate(dm.doc, Y.encodeStateAsUpdate(generateCampaign(11, 6, true)));
    reveal(dm.doc, "0,0", t.players[0]?.id ?? "", undefined, "explored");
    const expected = withoutTime(exportCampaign(dm.doc));
    const exported = await eventually(async () => {
      const f = await exportOf(t.owner, t.campaignId);
      expect(withoutTime(f)).toEqual(expected);
      return f;
    }, 10_000);
    expect(Object.keys(exported.hexes).length).toBeGreaterThan(50);

    const before = await campaignCount(t.owner);
    const { campaign, summary } = await t.owner.call(apiRoutes.importCampaign, { body: { source: { format: "hexcrawl", file: exported } } });
    expect(campaign).not.toBeNull();
    expect(summary.counts.hexes).toBe(Object.keys(exported.hexes).length);
    expect(summary.playerIds).toContain(t.players[0]?.id);
    expect(await campaignCount(t.owner)).toBe(before + 1);
    const id = campaign?.id ?? "";
    expect(withoutTime(await exportOf(t.owner, id))).toEqual(withoutTime(exported));

    // A DM's client opening the new campaign gets exactly the imported document.
    const c = connectClient(suite.app.url, dmDocName(id), t.owner.cookie, { campaignParam: id });
    clients.push(c);
    expect(await c.ready).toBe(true);
    await eventually(() => expect(withoutTime(exportCampaign(c.doc))).toEqual(withoutTime(exported)));
    // Only the importer is a member of the new campaign.
    expect((await t.owner.call(apiRoutes.listMembers, { params: { id } })).members.map((m) => m.userId)).toEqual([t.owner.id]);
  });

  it("[XCHG10] Worldographer files (2025 and classic schema, UTF-16 either byte order) and Text Mapper text import with the DM's terrain mapping", async () => {
    const preview = await t.owner.call(apiRoutes.importCampaign, { body: { source: { format: "wxx", base64: wxxBase64(WXX_2025_XML) }, name: "Valley", preview: true } });
    expect(preview.campaign).toBeNull();
    expect(preview.summary.detail).toMatch(/2025/);
    expect(preview.summary.terrains.find((u) => u.source === "Underdark Fungus")?.mappedTo).toBeNull();

    const made = await t.owner.call(apiRoutes.importCampaign, {
      body: { source: { format: "wxx", base64: wxxBase64(WXX_2025_XML) }, name: "Valley", terrainMapping: { "Underdark Fungus": "swamp" } },
    });
    const file = await exportOf(t.owner, made.campaign?.id ?? "");
    expect(file.name).toBe("Valley");
    expect(file.settings.orientation).toBe("flat");
    const at = (col: number, row: number) => file.hexes[offsetToAxial(col, row, "odd-q")];
    expect(at(0, 0)).toEqual({ terrain: "forest", label: "Old Wood", dmNotes: "Bandits hide here <really>" });
    expect(at(1, 1)).toEqual({ terrain: "plains", label: "Greyhaven & Port", landmark: true });
    expect(at(2, 2)).toEqual({ terrain: "swamp" });
    expect(at(2, 0)).toEqual({ dmNotes: "Watchtower\nGarrison of ten.\nCaptain Ilse" });
    // Nothing is revealed by an import.
    expect(file.reveals).toEqual({});

    // Classic schema, written little endian without a byte-order mark.
    const be = encodeWxxText(WXX_CLASSIC_XML).subarray(2);
    const le = Buffer.alloc(be.length);
    for (let i = 0; i < be.length; i += 2) [le[i], le[i + 1]] = [be[i + 1] ?? 0, be[i] ?? 0];
    const classic = await t.owner.call(apiRoutes.importCampaign, { body: { source: { format: "wxx", base64: gzipSync(le).toString("base64") } } });
    const cf = await exportOf(t.owner, classic.campaign?.id ?? "");
    expect(cf.settings.orientation).toBe("pointy");
    expect(cf.hexes[offsetToAxial(0, 1, "odd-r")]).toEqual({ terrain: "forest", label: "Fog Hills" });

    // A file Worldographer itself saved: its terrain index 0 is a forest.
    const real = worldographerSample("2017-1.77-1.0-import.wxx");
    const saved = await t.owner.call(apiRoutes.importCampaign, { body: { source: { format: "wxx", base64: real.toString("base64") } } });
    expect(saved.summary.warnings).toContain("1 feature(s) without a name (icons only) are not imported");
    expect(saved.summary.detail).toBe("Worldographer classic (version 1.77)");
    const sf = await exportOf(t.owner, saved.campaign?.id ?? "");
    expect(sf.hexes).toEqual({ [offsetToAxial(0, 0, "odd-q")]: { terrain: "forest" } });

    const tm = await t.owner.call(apiRoutes.importCampaign, { body: { source: { format: "textmapper", text: TEXT_MAPPER_SAMPLE }, name: "Text valley" } });
    const tf = await exportOf(t.owner, tm.campaign?.id ?? "");
    expect(tf.hexes["0,0"]).toEqual({ terrain: "forest", label: "Old Wood" });
    expect(Object.keys(tf.hexes)).toHaveLength(6);
  });

  it("[XCHG12] hostile and bad files get a clear 4xx, bounded time and memory, and change nothing", async () => {
    const before = await campaignCount(t.owner);
    const exportBefore = withoutTime(await exportOf(t.owner, t.campaignId));
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }).toString("base64");
    const laughs = `<?xml version="1.0"?><!DOCTYPE map [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${"b".repeat(i + 1)} "${"&a;".repeat(10)}">`).join("")}]><map version="1.73"><tiles>&bbbbbbbbb;</tiles></map>`;
    const deep = `<map version="1.73"><tiles>${"<a>".repeat(200_000)}`;
    const cases: Array<{ what: string; body: unknown; status: number; message: RegExp }> = [
      { what: "not gzip", body: { source: { format: "wxx", base64: Buffer.from("hello, not a map").toString("base64") } }, status: 400, message: /not gzip/ },
      { what: "damaged gzip", body: { source: { format: "wxx", base64: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(64, 0xff)]).toString("base64") } }, status: 400, message: /damaged/ },
      { what: "zip bomb", body: { source: { format: "wxx", base64: bomb } }, status: 413, message: /unpacks to more than/ },
      { what: "wrong XML", body: { source: { format: "wxx", base64: wxxBase64("<html><body>hi</body></html>") } }, status: 400, message: /root element is <html>/ },
      { what: "entity expansion", body: { source: { format: "wxx", base64: wxxBase64(laughs) } }, status: 400, message: /document type/ },
      { what: "deep nesting", body: { source: { format: "wxx", base64: wxxBase64(deep) } }, status: 400, message: /nested deeper/ },
      { what: "cut short", body: { source: { format: "wxx", base64: wxxBase64(WXX_2025_XML.slice(0, 2000)) } }, status: 400, message: /cut short|Unterminated/ },
      { what: "too many hexes", body: { source: { format: "textmapper", text: Array.from({ length: 100_001 }, (_, i) => `${String((i % 300) + 1).padStart(3, "0")}${String(Math.floor(i / 300) + 1).padStart(3, "0")} forest`).join("\n") } }, status: 400, message: /more than 100000 hexes/ },
      { what: "not Text Mapper", body: { source: { format: "textmapper", text: "hello" } }, status: 400, message: /No hex lines/ },
      { what: "not our JSON", body: { source: { format: "hexcrawl", file: { some: "thing" } } }, status: 400, message: /Not a Hex Crawl campaign file/ },
      { what: "a newer file", body: { source: { format: "hexcrawl", file: { format: "hexcrawl-campaign", version: 99 } } }, status: 400, message: /version 99/ },
      { what: "unknown terrain id in the mapping", body: { source: { format: "textmapper", text: "0101 x" }, terrainMapping: { x: "lava" } }, status: 400, message: /terrainMapping/ },
    ];
    for (const c of cases) {
      for (const path of [apiRoutes.importCampaign.path, `/api/campaigns/${t.campaignId}/import`]) {
        const rssBefore = process.memoryUsage().rss;
        const t0 = performance.now();
        const r = await t.owner.request("POST", path, c.body);
        const ms = performance.now() - t0;
        expect(r.status, `${c.what} on ${path}: ${JSON.stringify(r.json).slice(0, 300)}`).toBe(c.status);
        expect((r.json as { error: { message: string } }).error.message, c.what).toMatch(c.message);
        expect(ms, `${c.what} took ${ms} ms`).toBeLessThan(5000);
        expect(process.memoryUsage().rss - rssBefore, `${c.what} memory`).toBeLessThan(256 * 1024 * 1024);
      }
    }
    // A body over the import cap is refused before it is read.
    const huge = await t.owner.request("POST", apiRoutes.importCampaign.path, JSON.stringify({ source: { format: "textmapper", text: "x".repeat(17 * 1024 * 1024) } }));
    expect(huge.status).toBe(413);
    expect(await campaignCount(t.owner)).toBe(before);
    expect(withoutTime(await exportOf(t.owner, t.campaignId))).toEqual(exportBefore);
  });

  it("[XCHG6] merging into an existing campaign previews every change, writes nothing on preview, and keeps what the file does not mention", async () => {
    const dm = await t.dm();
    setTerrain(dm.doc, "40,40", "hills");
    setLabel(dm.doc, "41,40", "Kept");
    await eventually(async () => expect((await exportOf(t.owner, t.campaignId)).hexes["41,40"]).toEqual({ label: "Kept" }));
    const file = await exportOf(t.owner, t.campaignId);
    const incoming: CampaignFile = { ...file, hexes: { "40,40": { terrain: "forest" }, "42,40": { label: "New" } }, reveals: { "42,40": { [ALL_PLAYERS]: "seen" } } };
    const preview = await t.owner.call(apiRoutes.mergeIntoCampaign, { params: { id: t.campaignId }, body: { source: { format: "hexcrawl", file: incoming }, preview: true } });
    expect(preview.applied).toBe(false);
    expect(preview.merge).toMatchObject({ changed: 1, added: 2 });
    expect(preview.merge.changes[0]).toEqual({ hex: "40,40", field: "terrain", before: "hills", after: "forest" });
    expect((await exportOf(t.owner, t.campaignId)).hexes["40,40"]).toEqual({ terrain: "hills" });

    const applied = await t.owner.call(apiRoutes.mergeIntoCampaign, { params: { id: t.campaignId }, body: { source: { format: "hexcrawl", file: incoming } } });
    expect(applied.applied).toBe(true);
    const after = await exportOf(t.owner, t.campaignId);
    expect(after.hexes["40,40"]).toEqual({ terrain: "forest" });
    expect(after.hexes["41,40"]).toEqual({ label: "Kept" });
    expect(after.hexes["42,40"]).toEqual({ label: "New" });
    // The DM's open client receives the merge live.
    await eventually(() => expect(dm.doc.getMap("terrain").get("40,40")).toBe("forest"));
  });

  it("[XCHG5] a player's map export is what their client shows, and a player cannot export the campaign or another player's map", async () => {
    const [alice, bob] = t.players as [HttpUser, HttpUser];
    const dm = await t.dm();
    setLabel(dm.doc, "50,50", "Public");
    reveal(dm.doc, "50,50", ALL_PLAYERS, undefined, "visited");
    setLabel(dm.doc, "51,50", "Alice only");
    reveal(dm.doc, "51,50", alice.id, undefined, "explored");
    await command(dm, { type: "publish" });
    const client = await t.player(alice);
    await eventually(() => expect(viewOf(client)["51,50"]).toBeDefined());
    const mine = await alice.call(apiRoutes.exportPlayerMap, { params: { id: t.campaignId }, query: {} });
    const shown = viewOf(client) as Record<string, Record<string, string>>;
    expect(Object.keys(mine.hexes).sort()).toEqual(Object.keys(shown).sort());
    for (const [hex, v] of Object.entries(mine.hexes)) {
      const { level: _level, ...fields } = v;
      expect(fields, hex).toEqual(shown[hex]);
    }
    expect(mine.hexes["51,50"]?.level).toBe("explored");
    expect(mine.hexes["50,50"]?.level).toBe("visited");
    const bobs = await bob.call(apiRoutes.exportPlayerMap, { params: { id: t.campaignId }, query: {} });
    expect(bobs.hexes["51,50"]).toBeUndefined();
    expect(JSON.stringify(bobs)).not.toContain("Alice only");
    // A DM may export any player's map; a player neither the campaign nor someone else's map.
    expect((await t.owner.call(apiRoutes.exportPlayerMap, { params: { id: t.campaignId }, query: { userId: alice.id } })).hexes["51,50"]).toBeDefined();
    expect((await bob.request("GET", `/api/campaigns/${t.campaignId}/export`)).status).toBe(403);
    expect((await bob.request("GET", `/api/campaigns/${t.campaignId}/export/player?userId=${alice.id}`)).status).toBe(403);
  });
});
