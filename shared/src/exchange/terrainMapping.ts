import { z } from "zod";
import { TERRAIN_IDS, type TerrainId } from "../model.ts";

/**
 * Mapping other tools' terrain names to our palette (XCHG7). Each source name gets a default by keyword
 * ("Forest Deciduous" → forest, "Water Sea" → water, "Blank" → none); the DM can change any of them before the
 * import (`TerrainMappingSchema`: source name → palette id, or "" for no terrain).
 */

/** The DM's choice per source terrain name: a palette id, or "" to leave those hexes without terrain. */
export const TerrainMappingSchema = z
  .record(z.string().min(1).max(128), z.union([z.enum(TERRAIN_IDS as [TerrainId, ...TerrainId[]]), z.literal("")]))
  .refine((m) => Object.keys(m).length <= 1000, "more than 1000 terrain names");
export type TerrainMapping = z.infer<typeof TerrainMappingSchema>;

/** Keywords, most specific first (a "jungle hill" is jungle, a "forest hill" forest). */
const KEYWORDS: ReadonlyArray<readonly [RegExp, TerrainId | ""]> = [
  [/\bblank\b|^empty$|^none$/i, ""],
  [/jungle|rainforest|rain forest/i, "jungle"],
  [/city|town|village|castle|keep|fort|settlement|ruin|tower|temple|house|farmstead|capital|port|monastery|thorp|hamlet|shrine/i, "settlement"],
  [/mountain|peak|volcan|crag|alps|cliff/i, "mountains"],
  [/swamp|marsh|bog|fen|mire|wetland/i, "swamp"],
  [/forest|wood|tree|taiga|conifer|decidu|firs?\b|pine/i, "forest"],
  [/hill|highland|moor|bluff|badland|mesa/i, "hills"],
  [/desert|dune|sand|waste|salt|beach|shore/i, "desert"],
  [/tundra|snow|ice|glacier|polar|frozen|arctic/i, "tundra"],
  [/water|ocean|sea\b|lake|river|coast|shoal|reef|bay|deep/i, "water"],
  [/plain|grass|field|farm|meadow|steppe|savann|prairie|flat|scrub|heath|bush|brush|\bclear\b|light-green|green/i, "plains"],
];

/** Our palette id for a source terrain name by keyword; undefined when no keyword matches (left unmapped). */
export function defaultTerrainFor(sourceName: string): TerrainId | "" | undefined {
  if ((TERRAIN_IDS as readonly string[]).includes(sourceName.toLowerCase())) return sourceName.toLowerCase() as TerrainId;
  for (const [re, id] of KEYWORDS) if (re.test(sourceName)) return id;
  return undefined;
}

/** One source terrain in an import preview: how many hexes have it and what it becomes. */
export interface TerrainUse {
  source: string;
  hexes: number;
  /** The palette id it maps to ("" = no terrain); null when nothing matched (those hexes get no terrain). */
  mappedTo: TerrainId | "" | null;
}

/** Resolve a source name with the DM's mapping first, then the default. */
export function resolveTerrain(sourceName: string, mapping: TerrainMapping | undefined): TerrainId | "" | null {
  const chosen = mapping?.[sourceName];
  if (chosen !== undefined) return chosen;
  return defaultTerrainFor(sourceName) ?? null;
}

/** The name another tool gets for one of our terrains when we write its format (the first keyword's plain word). */
export const EXPORT_TERRAIN_NAMES: Readonly<Record<TerrainId, string>> = {
  plains: "Flat Grassland",
  forest: "Forest Deciduous",
  jungle: "Forest Jungle",
  hills: "Hills Grassland",
  mountains: "Mountains",
  swamp: "Swamp",
  desert: "Desert Sandy",
  tundra: "Tundra",
  water: "Water Sea",
  settlement: "Flat Farmland Settlement",
};
