import { terrainInfo, TERRAINS } from "@hexcrawl/shared/model";

/** The terrain palette of the document model (shared/src/model.ts), re-exported for the toolbar. */
export { TERRAINS };

/** Colour for terrain ids this client does not know (a newer palette, or a bad value). */
export const UNKNOWN_TERRAIN_COLOR = "#c04fc0";

/** Fill colour of a terrain id; unknown ids get a loud colour instead of disappearing (CLIENT9). */
export function terrainColor(id: string): string {
  return terrainInfo(id)?.colour ?? UNKNOWN_TERRAIN_COLOR;
}

/** Display name of a terrain id; unknown ids show as they are stored. */
export function terrainName(id: string): string {
  return terrainInfo(id)?.name ?? id;
}
