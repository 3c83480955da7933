import { gunzipSync, gzipSync } from "node:zlib";
import * as Y from "yjs";
import { ALL_PLAYERS, ensureDmDoc, hexesInRange, keyOf, reveal, setDmNotes, setLabel, setNotes, setTerrain, TERRAIN_IDS } from "@hexcrawl/shared";
import { mulberry32 } from "@hexcrawl/shared/prng";
import { emptyCampaignFile, exportCampaign, importCampaign, parseCampaignFile, type CampaignFile } from "@hexcrawl/shared/exchange/campaignFile";
import { toCampaignFile } from "@hexcrawl/shared/exchange/sourceMap";
import { decodeWxxText, encodeWxxText, parseWxxXml, writeWxxXml } from "@hexcrawl/shared/exchange/wxx";

/**
 * One measurement of the exchange scenario (BENCH12), run in a fresh child process so its peak RSS is its own:
 * `node --import tsx bench/scenarios/exchangeWork.ts <mode> <hexes>` prints `{ms, maxRssMiB}`. The map is the same
 * in every mode (seeded): terrain everywhere, a name on 30 % of hexes, notes on 20 %, DM notes on 10 %, 30 % revealed
 * to everyone. Inputs are prepared before the clock starts; the stored form (`encodeStateAsUpdate`) ends each mode.
 */

type Mode = "noop" | "crdt" | "import" | "export" | "wxx";

function mapFile(hexes: number): CampaignFile {
  const rand = mulberry32(42);
  const file = emptyCampaignFile("bench import");
  let radius = 0;
  while (3 * radius * (radius + 1) + 1 < hexes) radius++;
  for (const h of hexesInRange({ q: 0, r: 0 }, radius).slice(0, hexes)) {
    const k = keyOf(h);
    const rec: CampaignFile["hexes"][string] = { terrain: TERRAIN_IDS[Math.floor(rand() * TERRAIN_IDS.length)] as string };
    if (rand() < 0.3) rec.label = `Place ${k}`;
    if (rand() < 0.2) rec.notes = `Notes of ${k}: a ruined tower and a well.`;
    if (rand() < 0.1) rec.dmNotes = `Secret of ${k}: the well is a door.`;
    file.hexes[k] = rec;
    if (rand() < 0.3) file.reveals[k] = { [ALL_PLAYERS]: "visited" };
  }
  return file;
}

function run(mode: Mode, hexes: number): { ms: number; bytes: number } {
  const file = mapFile(hexes);
  if (mode === "noop") return { ms: 0, bytes: 0 };
  if (mode === "crdt") {
    // The same map built the way DMs build it: one writer call (one transaction) per field.
    const t0 = performance.now();
    const doc = new Y.Doc();
    ensureDmDoc(doc, { name: file.name });
    for (const [hex, h] of Object.entries(file.hexes)) {
      if (h.terrain) setTerrain(doc, hex, h.terrain);
      if (h.label) setLabel(doc, hex, h.label);
      if (h.notes) setNotes(doc, hex, h.notes);
      if (h.dmNotes) setDmNotes(doc, hex, h.dmNotes);
    }
    for (const [hex, targets] of Object.entries(file.reveals)) for (const [target, level] of Object.entries(targets)) reveal(doc, hex, target, undefined, level);
    const bytes = Y.encodeStateAsUpdate(doc).length;
    return { ms: performance.now() - t0, bytes };
  }
  if (mode === "import") {
    const text = JSON.stringify(file);
    const t0 = performance.now();
    const parsed = parseCampaignFile(JSON.parse(text));
    const doc = new Y.Doc();
    ensureDmDoc(doc, { name: parsed.name });
    importCampaign(doc, parsed);
    const bytes = Y.encodeStateAsUpdate(doc).length;
    return { ms: performance.now() - t0, bytes };
  }
  if (mode === "export") {
    const doc = new Y.Doc();
    ensureDmDoc(doc, { name: file.name });
    importCampaign(doc, file);
    const t0 = performance.now();
    const text = JSON.stringify(exportCampaign(doc));
    return { ms: performance.now() - t0, bytes: text.length };
  }
  const gz = gzipSync(encodeWxxText(writeWxxXml(file)));
  const t0 = performance.now();
  const map = parseWxxXml(decodeWxxText(gunzipSync(gz)), "bench");
  const doc = new Y.Doc();
  ensureDmDoc(doc, { name: map.name });
  importCampaign(doc, toCampaignFile(map, undefined));
  const bytes = Y.encodeStateAsUpdate(doc).length;
  return { ms: performance.now() - t0, bytes };
}

const [mode, hexArg] = process.argv.slice(2);
const result = run((mode ?? "noop") as Mode, Number(hexArg ?? "10000"));
process.stdout.write(JSON.stringify({ ...result, maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
