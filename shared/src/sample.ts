import type * as Y from "yjs";
import { hexesInRange, keyOf, type Axial } from "./hex.ts";
import {
  ALL_PLAYERS,
  KnowledgeLevel,
  reveal,
  setDmNotes,
  setExplored,
  setLabel,
  setLandmark,
  setNotes,
  setRumour,
  setTerrain,
  type TerrainId,
} from "./model.ts";
import { mulberry32 } from "./prng.ts";

/**
 * The sample campaign (FIRST2): a hand-shaped little region a new DM can try every feature on in a minute — terrain
 * from a seeded height/moisture field, a river, towns and landmarks with names, notes, rumours, what exploring finds,
 * DM secrets, and a few hexes already known to everyone at each level. Deterministic: the same seed gives the same
 * map, so tests and screenshots are stable.
 */

/** Radius of the sample region (hexes around 0,0): 331 hexes. */
export const SAMPLE_RADIUS = 10;

interface Place {
  at: Axial;
  terrain?: TerrainId;
  name: string;
  notes?: string;
  rumour?: string;
  explored?: string;
  secret?: string;
  landmark?: boolean;
}

const PLACES: readonly Place[] = [
  {
    at: { q: 0, r: 0 },
    terrain: "settlement",
    name: "Greywater",
    notes: "A ferry town of three hundred souls. The Drowned Lantern serves eel pie.",
    explored: "The ferryman keeps a chart of the marsh paths under his bench.",
    secret: "The reeve pays the bog-witch to keep the marsh folk away.",
  },
  {
    at: { q: 4, r: -3 },
    terrain: "mountains",
    name: "The Teeth",
    notes: "Three black peaks; the middle one smokes at dawn.",
    rumour: "Shepherds say something big nests on the middle peak.",
    explored: "A cave mouth under the second peak, its floor scored by claws.",
    secret: "A young red dragon, Vyrmax, sleeps here. Lair DC 15 to sneak past.",
    landmark: true,
  },
  {
    at: { q: -5, r: 2 },
    terrain: "swamp",
    name: "Fen Hollow",
    notes: "Sucking mud, will-o'-wisps at night.",
    rumour: "Lights dance in the fen where the old abbey sank.",
    explored: "The abbey's bell tower still stands, half drowned. Its crypt is dry.",
    secret: "The abbot's lich guards the crypt (CR 8). The bell wakes him.",
  },
  {
    at: { q: -2, r: -5 },
    terrain: "forest",
    name: "Witchwood",
    notes: "Old oaks and a cold stream.",
    rumour: "Woodcutters whisper of a witch who trades in names.",
    explored: "A hut on chicken legs behind the falls.",
    secret: "The witch is the reeve's sister.",
  },
  {
    at: { q: 6, r: 2 },
    terrain: "settlement",
    name: "Ember Keep",
    notes: "A border fort; the garrison is short of men and patience.",
    secret: "The captain sells the fort's arrows to the hill clans.",
  },
  {
    at: { q: 2, r: 5 },
    terrain: "hills",
    name: "The Barrows",
    notes: "Grassy mounds in rows, older than the kingdom.",
    rumour: "Grave goods of the old kings lie under the barrows.",
    explored: "One mound has a stone door, its seal broken from inside.",
    landmark: true,
  },
  {
    at: { q: -7, r: 7 },
    terrain: "desert",
    name: "The Glass Flats",
    notes: "Sand fused to green glass; it cuts boots.",
    rumour: "A star fell here in the grandfathers' time.",
  },
];

/** Terrain of a hex from a seeded height/moisture field, with a river along q + 2r = 3. */
function terrainAt(h: Axial, rnd: () => number, bumps: ReadonlyArray<{ at: Axial; height: number; wet: number }>): TerrainId {
  if (h.q + 2 * h.r === 3 || h.q + 2 * h.r === 4) return "water";
  let height = 0;
  let wet = 0;
  for (const b of bumps) {
    const d = Math.hypot(h.q - b.at.q + (h.r - b.at.r) / 2, (h.r - b.at.r) * 0.866);
    const w = Math.exp(-(d * d) / 9);
    height += b.height * w;
    wet += b.wet * w;
  }
  height += (rnd() - 0.5) * 0.3;
  if (height > 1.1) return "mountains";
  if (height > 0.6) return "hills";
  if (h.r < -8) return "tundra";
  if (wet > 0.7) return "swamp";
  if (wet > 0.25) return h.q < -6 ? "jungle" : "forest";
  if (wet < -0.5) return "desert";
  return "plains";
}

/** Write the sample map into a DM document in one transaction. Existing content is kept where the sample is silent. */
export function writeSampleMap(doc: Y.Doc, seed = 7, origin?: unknown): { hexes: number; places: number } {
  const rnd = mulberry32(seed);
  const bumps = [
    { at: { q: 4, r: -3 }, height: 1.6, wet: -0.2 },
    { at: { q: 7, r: -6 }, height: 1.3, wet: -0.1 },
    { at: { q: 2, r: 5 }, height: 0.8, wet: 0 },
    { at: { q: -5, r: 2 }, height: -0.4, wet: 1.2 },
    { at: { q: -2, r: -5 }, height: 0, wet: 0.8 },
    { at: { q: -8, r: 4 }, height: 0, wet: 0.7 },
    { at: { q: -7, r: 8 }, height: 0, wet: -1.3 },
  ];
  const hexes = hexesInRange({ q: 0, r: 0 }, SAMPLE_RADIUS);
  doc.transact(() => {
    for (const h of hexes) setTerrain(doc, keyOf(h), terrainAt(h, rnd, bumps), origin);
    for (const p of PLACES) {
      const k = keyOf(p.at);
      if (p.terrain) setTerrain(doc, k, p.terrain, origin);
      setLabel(doc, k, p.name, origin);
      if (p.notes) setNotes(doc, k, p.notes, origin);
      if (p.rumour) setRumour(doc, k, p.rumour, origin);
      if (p.explored) setExplored(doc, k, p.explored, origin);
      if (p.secret) setDmNotes(doc, k, p.secret, origin);
      if (p.landmark) setLandmark(doc, k, true, origin);
    }
    // What the table already knows: the town and its surroundings, the peaks seen from the walls, one rumour.
    for (const h of hexesInRange({ q: 0, r: 0 }, 1)) reveal(doc, keyOf(h), ALL_PLAYERS, origin, KnowledgeLevel.visited);
    reveal(doc, keyOf({ q: 4, r: -3 }), ALL_PLAYERS, origin, KnowledgeLevel.seen);
    reveal(doc, keyOf({ q: -2, r: -5 }), ALL_PLAYERS, origin, KnowledgeLevel.rumoured);
  }, origin);
  return { hexes: hexes.length, places: PLACES.length };
}
