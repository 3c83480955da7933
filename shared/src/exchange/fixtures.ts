import { readFileSync } from "node:fs";
import * as Y from "yjs";
import { mulberry32 } from "../prng.ts";
import { hexesInRange, keyOf } from "../hex.ts";
import { ensureDmDoc } from "../migrations.ts";
import { ALL_PLAYERS, dmMaps, KNOWLEDGE_LEVELS, reveal, setDmNotes, setDmSetting, setExplored, setLabel, setLandmark, setNotes, setRumour, setTerrain, TERRAIN_IDS } from "../model.ts";
import { adjustClock, moveParty, placeParty, roll, setLost, setParty, setTableEntry } from "../crawlActions.ts";
import { setTravelSetting } from "../travel.ts";

/**
 * Map files for the tests. Most are small files written here from facts about the formats; `worldographerSample`
 * reads files Worldographer itself saved (fixtures/worldographer/README.md: source and licence), which our own
 * writer's habits cannot stand in for (it numbers Blank 0; Worldographer does not).
 *
 * - Worldographer 2025 (`release="2025" version="2.06" schema="1.06"`) and classic (`version="1.73"`, no release):
 *   the root attributes, `<terrainmap>` as "Name<TAB>index" pairs (here with 0 = Blank), one `<tilerow>` per column
 *   holding one "index<TAB>elevation<TAB>icy<TAB>gmOnly<TAB>resources…" line per row (the "Z" resources
 *   sentinel), labels / features / notes located in the 300-unit ideal hex space — as documented by the
 *   maloquacious/wxx project (docs/WORLDOGRAPHER_INVENTORY.md, xmlio schema structs) and the Worldographer file
 *   format page.
 * - Text Mapper: `XXYY types "label"` lines, attribute and path lines, as in Text Mapper's documentation.
 */

/** Player ids the generated campaigns reveal hexes to. */
export const PLAYERS = ["alice_1", "bob-2", "carol3"];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

/** A random campaign (seeded): every hex field, landmarks, reveals at every level for `*` and players, and a crawl. */
export function generateCampaign(seed: number, radius = 5, crawl = false): Y.Doc {
  const rand = mulberry32(seed);
  const doc = new Y.Doc();
  ensureDmDoc(doc, { name: `Map ${seed}` });
  if (rand() < 0.5) setDmSetting(doc, "orientation", "flat");
  if (rand() < 0.3) setDmSetting(doc, "broadcastMode", "immediate");
  setDmSetting(doc, "hexSize", 8 + Math.floor(rand() * 100));
  const hexes = hexesInRange({ q: Math.floor(rand() * 20) - 10, r: Math.floor(rand() * 20) - 10 }, radius).map(keyOf);
  const words = ["Old", "wood", "ruin", "ÿ", "🐉", 'quote "x"', "line\nbreak", "<tag>&amp;"];
  const textOf = () => Array.from({ length: 1 + Math.floor(rand() * 4) }, () => pick(rand, words)).join(" ");
  for (const hex of hexes) {
    if (rand() < 0.8) setTerrain(doc, hex, rand() < 0.95 ? pick(rand, TERRAIN_IDS) : "custom-terrain");
    if (rand() < 0.4) setLabel(doc, hex, textOf());
    if (rand() < 0.3) setNotes(doc, hex, textOf());
    if (rand() < 0.3) setDmNotes(doc, hex, textOf());
    if (rand() < 0.2) setRumour(doc, hex, textOf());
    if (rand() < 0.2) setExplored(doc, hex, textOf());
    if (rand() < 0.1) setLandmark(doc, hex, true);
    if (rand() < 0.3) reveal(doc, hex, rand() < 0.5 ? ALL_PLAYERS : pick(rand, PLAYERS), undefined, pick(rand, KNOWLEDGE_LEVELS));
  }
  // A legacy plain-string label (read and exported like a Y.Text).
  dmMaps(doc).label.set(hexes[0] as string, "Legacy label");
  if (crawl || rand() < 0.8) {
    setParty(doc, "p1", { name: "Scouts", members: [pick(rand, PLAYERS)], visible: rand() < 0.5 });
    placeParty(doc, "p1", hexes[1] as string);
    for (let i = 0; i < 3; i++) moveParty(doc, "p1", pick(rand, hexes), { by: null, now: 1000 + i, stepId: `s${i}` });
    if (rand() < 0.5) setLost(doc, "p1", true);
    adjustClock(doc, 2, { by: "dm_1", now: 5000 });
    setTravelSetting(doc, "hexMiles", 12);
    setTravelSetting(doc, "pace:forest", 1.5);
    setTableEntry(doc, { terrain: "forest" }, "e1", { text: "Wolves", weight: 2 });
    setTableEntry(doc, "weather", "w1", { text: "Rain", weight: 1 });
    roll(doc, "encounter", { partyId: "p1", by: null, now: 6000, rand: () => 0.01 });
  }
  return doc;
}

/** Worldographer 2025: a 4×3 map, flat-topped columns. */
export const WXX_2025_XML = `<?xml version='1.1' encoding='utf-16'?>
<map type="WORLD" release="2025" version="2.06" schema="1.06" lastViewLevel="WORLD" continentFactor="0" kingdomFactor="0" provinceFactor="0" hexWidth="46.18" hexHeight="40.0" hexOrientation="COLUMNS" mapProjection="FLAT" showNotes="false" showGMOnly="true" showGMOnlyGlow="false" showFeatureLabels="true" showGrid="true" showGridNumbers="true" showShadows="true"  triangleSize="12">
<gridandnumbering color0="0x00000040" width0="1.0" numberFont="Arial" numberColor="0x000000ff" numberSize="20" numberStyle="PLAIN" numberFirstCol="0" numberFirstRow="0" numberOrder="COL_ROW" numberPosition="BOTTOM" numberPrePad="DOUBLE_ZERO" numberSeparator="." />
<blurTerrainBG blur="false" topBleed="0.33" bottomBleed="0.65" randomness="0.1" blurStart="0.4" blurEnd="0.95"/>
<terrainmap>Blank\t0\tForest Deciduous\t1\tMountains\t2\tWater Sea\t3\tFlat Grassland\t4\tUnderdark Fungus\t5</terrainmap>
<maplayer name="Labels" isVisible="true" opacity="1.0"/>
<tiles viewLevel="WORLD" tilesWide="4" tilesHigh="3">
<tilerow>
1\t1\t0\t0\t0\tZ
1\t1\t0\t0\t0\tZ
3\t-3\t0\t0\t0\tZ
</tilerow>
<tilerow>
2\t2000\t0\t0\t0\tZ
4\t1\t0\t0\t0\tZ
3\t-3\t0\t0\t0\tZ
</tilerow>
<tilerow>
0\t0\t0\t0\t0\tZ
4\t1\t0\t0\t1\t0\t0\t0\t0\t0\t0
5\t1\t0\t0\t0\tZ\t0.5,0.5,0.5,1.0
</tilerow>
<tilerow>
4\t1\t0\t0\t0\tZ
4\t1\t0\t0\t0\tZ
4\t1\t0\t0\t0\tZ
</tilerow>
</tiles>
<mapkey positionx="0.0" positiony="0.0" viewlevel="null" height="-1" backgroundcolor="0.98,0.92,0.84,1.0" titleText="Map Key"></mapkey>
<features>
<feature type="Settlement City" rotate="0.0" uuid="f1" mapLayer="Features" isFlipHorizontal="false" isFlipVertical="false" scale="-1.0" scaleHt="-1.0" tags="" color="null" ringcolor="null" isGMOnly="false" isPlaceFreely="false" labelPosition="6:00" labelDistance="0" isWorld="true" isContinent="true" isKingdom="true" isProvince="true" isFillHexBottom="false" isHideTerrainIcon="false"><location viewLevel="WORLD" x="375.0" y="450.0" /><label  mapLayer="Labels" style="City" fontFace="Arial" color="0.0,0.0,0.0,1.0" outlineColor="1.0,1.0,1.0,1.0" outlineSize="0.0" rotate="0.0" isBold="false" isItalic="false" isWorld="true" isContinent="true" isKingdom="true" isProvince="true" isGMOnly="false" tags=""><location viewLevel="WORLD" x="375.0" y="520.0" scale="12.5" />Greyhaven &amp; Port</label>
</feature>
<feature type="Dungeon Lair" rotate="0.0" uuid="f2" mapLayer="Features" isGMOnly="true"><location viewLevel="WORLD" x="150.0" y="450.0" /><label mapLayer="Labels" isGMOnly="true"><location viewLevel="WORLD" x="150.0" y="450.0" scale="12.5" />Dragon's lair</label>
</feature>
</features>
<extraTerrain>
</extraTerrain>
<labels>
<label  mapLayer="Labels" style="Forest" fontFace="Arial" color="0.0,0.0,0.0,1.0" isGMOnly="false" tags=""><location viewLevel="WORLD" x="160.0" y="140.0" scale="12.5" />Old Wood</label>
<label  mapLayer="Labels" isGMOnly="true"><location viewLevel="WORLD" x="150.0" y="160.0" scale="12.5" /><![CDATA[Bandits hide here <really>]]></label>
<label  mapLayer="Labels" isGMOnly="false"><location viewLevel="CONTINENT" x="150.0" y="160.0" scale="12.5" />Other level</label>
</labels>
<shapes>
<shape type="Path" isCurve="false" isGMOnly="false" mapLayer="Above Terrain"><p type="m" x="150.0" y="150.0"/><p x="375.0" y="300.0"/></shape>
</shapes>
<notes>
<note key="WORLD,600.0,150.0" originalViewLevel="WORLD" filename="" parent="" color="0.0,0.0,0.0,1.0" isWorld="true" isContinent="false" isKingdom="false" isProvince="false" title="Watchtower"><notetext><![CDATA[<html><body><p>Garrison of <b>ten</b>.</p><p>Captain Ilse</p></body></html>]]></notetext><location viewLevel="WORLD" x="600.0" y="150.0" /></note>
</notes>
<informations>
<information uuid="i1" type="Information" title="Intro"><![CDATA[<h1>Intro</h1>]]></information>
</informations>
<configuration>
  <terrain-config>
  </terrain-config>
</configuration>
</map>
`;

/** Worldographer classic (Hexographer 2017, version 1.73): 2×2, pointy-topped rows. */
export const WXX_CLASSIC_XML = `<?xml version='1.0' encoding='utf-16'?>
<map type="WORLD" version="1.73" lastViewLevel="WORLD" continentFactor="-1" kingdomFactor="-1" provinceFactor="-1" worldToContinentHOffset="0.0" hexWidth="120.97791408032022" hexHeight="104.78814558711076" hexOrientation="ROWS" mapProjection="FLAT" showNotes="true" showGMOnly="false" showGMOnlyGlow="false" showFeatureLabels="true" showGrid="true" showGridNumbers="false" showShadows="true" triangleSize="12">
<gridandnumbering color0="0x00000040" width0="1.0" numberFont="Arial" />
<terrainmap>Blank\t0\tSwamp Marsh\t1\tHills Forest\t2</terrainmap>
<maplayer name="Labels" isVisible="true"/>
<tiles viewLevel="WORLD" tilesWide="2" tilesHigh="2">
<tilerow>
1\t1\t0\t0\t0\tZ
2\t1\t0\t0\t0\tZ
</tilerow>
<tilerow>
2\t1\t0\t0\t0\tZ
0\t1\t0\t0\t0\tZ
</tilerow>
</tiles>
<mapkey positionx="0.0" positiony="0.0" viewlevel="WORLD" height="-1" />
<features>
</features>
<labels>
<label mapLayer="Labels" isGMOnly="false"><location viewLevel="WORLD" x="310.0" y="370.0" scale="12.5" />Fog Hills</label>
</labels>
<shapes>
</shapes>
<notes>
</notes>
<informations>
</informations>
<configuration>
</configuration>
</map>
`;

/** Text Mapper: hexes, an attribute line, a path, an include, a comment. */
export const TEXT_MAPPER_SAMPLE = `# A small valley
0101 light-green forest "Old Wood"
0102 grey mountain
0201 green grass "Millford" 20
0202 water
0301 dark-green swamp
0302 purple crystal "The Glass"
forest attributes fill="green"
0101-0202 road
include https://example.org/default.txt
`;

/** Worldographer samples in fixtures/worldographer (saved by Worldographer; Apache-2.0, see the README there). */
export type WorldographerSample =
  | "2017-1.77-1.0-import.wxx"
  | "2017-1.77-1.0-rows-blank.wxx"
  | "2025-2.06-13x11-941577-layers.wxx"
  | "blank-2017-1.74-1.0.wxx";

/** The bytes of a Worldographer sample file, as a DM would upload them (gzip). Node only (tests). */
export function worldographerSample(file: WorldographerSample): Buffer {
  return readFileSync(new URL(`./fixtures/worldographer/${file}`, import.meta.url));
}
