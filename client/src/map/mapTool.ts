/**
 * What a primary-button drag on the map does. Players only ever have `pan` (a click selects a hex).
 * `reveal` / `hide` apply to the targets chosen next to the toolbar.
 */
export const ToolKind = { pan: "pan", paint: "paint", erase: "erase", reveal: "reveal", hide: "hide" } as const;
export type ToolKind = (typeof ToolKind)[keyof typeof ToolKind];

export type MapTool =
  | { kind: "pan" }
  | { kind: "paint"; terrain: string }
  | { kind: "erase" }
  | { kind: "reveal" }
  | { kind: "hide" };

/** Another DM's pointer as the map draws it. */
export interface MapCursor {
  name: string;
  colour: string;
  /** Hovered hex key, or null. */
  hex: string | null;
  /** Hex selected in their inspector, or null. */
  selected: string | null;
}

/** Read-only view of a per-hex text layer (labels). */
export interface TextSource {
  readonly revision: number;
  forEach(visit: (text: string, key: string) => void): void;
}

/** Read-only view of a terrain layer, all the map component needs to draw. */
export interface TerrainSource {
  /** Changes whenever the contents change (reactive). */
  readonly revision: number;
  get(key: string): string | undefined;
  forEach(visit: (terrain: string, key: string) => void): void;
}
