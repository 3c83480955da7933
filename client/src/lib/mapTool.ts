/** What a primary-button drag on the map does. Players only ever have `pan`. */
export const ToolKind = { pan: "pan", paint: "paint", erase: "erase" } as const;
export type ToolKind = (typeof ToolKind)[keyof typeof ToolKind];

export type MapTool = { kind: "pan" } | { kind: "paint"; terrain: string } | { kind: "erase" };

/** Read-only view of a terrain layer, all the map component needs to draw. */
export interface TerrainSource {
  /** Changes whenever the contents change (reactive). */
  readonly revision: number;
  get(key: string): string | undefined;
  forEach(visit: (terrain: string, key: string) => void): void;
}
