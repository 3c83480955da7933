import { z } from "zod";
import { IdSchema } from "../docNames.ts";
import { MAX_TEXT_MAPPER_CHARS } from "./textMapper.ts";
import { TerrainMappingSchema } from "./terrainMapping.ts";
import { TERRAIN_IDS, type TerrainId } from "../model.ts";

/**
 * The wire shapes of import (XCHG6, XCHG7): what the client sends (the file, in one of three formats, with the DM's
 * terrain mapping) and what the server answers (a summary to preview, and the campaign it made or the merge it did).
 */

/** Largest import request body: a campaign file or a base64 `.wxx` (bytes). */
export const MAX_IMPORT_BODY_BYTES = 16 * 1024 * 1024;
/** Largest `.wxx` before gzip is undone (bytes, base64-decoded). */
export const MAX_WXX_BYTES = 12 * 1024 * 1024;
/** Largest `.wxx` content after gzip is undone (bytes of UTF-16: 16 million characters). */
export const MAX_WXX_INFLATED_BYTES = 32 * 1024 * 1024;

export const ImportFormat = { hexcrawl: "hexcrawl", wxx: "wxx", textmapper: "textmapper" } as const;
export type ImportFormat = (typeof ImportFormat)[keyof typeof ImportFormat];

export const ImportSourceSchema = z.discriminatedUnion("format", [
  /** Our campaign file, as parsed JSON (checked by parseCampaignFile, which says what is wrong). */
  z.strictObject({ format: z.literal("hexcrawl"), file: z.unknown() }),
  /** A `.wxx` file's bytes in base64. */
  z.strictObject({ format: z.literal("wxx"), base64: z.string().max(Math.ceil((MAX_WXX_BYTES * 4) / 3) + 4) }),
  /** Text Mapper text. */
  z.strictObject({ format: z.literal("textmapper"), text: z.string().max(MAX_TEXT_MAPPER_CHARS) }),
]);
export type ImportSource = z.infer<typeof ImportSourceSchema>;

export const ImportRequestSchema = z.strictObject({
  source: ImportSourceSchema,
  /** The new campaign's name (default: the file's map name). Ignored by a merge. */
  name: z.string().trim().min(1).max(120).optional(),
  /** The DM's terrain mapping for `.wxx` and Text Mapper terrain names (XCHG7). */
  terrainMapping: TerrainMappingSchema.optional(),
  /** Only say what the import would do. */
  preview: z.boolean().default(false),
});
export type ImportRequest = z.infer<typeof ImportRequestSchema>;

const TerrainChoice = z.union([z.enum(TERRAIN_IDS as [TerrainId, ...TerrainId[]]), z.literal("")]);

/** What a file holds, as the importer read it. */
export const ImportSummarySchema = z.object({
  format: z.enum(["hexcrawl", "wxx", "textmapper"]),
  /** The format's own version, e.g. "Worldographer 2025 (version 2.06, schema 1.06)". */
  detail: z.string(),
  name: z.string(),
  counts: z.object({
    hexes: z.number().int(),
    terrain: z.number().int(),
    label: z.number().int(),
    notes: z.number().int(),
    dmNotes: z.number().int(),
    rumour: z.number().int(),
    explored: z.number().int(),
    landmark: z.number().int(),
    reveals: z.number().int(),
    crawlEntries: z.number().int(),
  }),
  /** Source terrain names with their hex counts and what they map to (null: unmapped, no terrain). */
  terrains: z.array(z.object({ source: z.string(), hexes: z.number().int(), mappedTo: TerrainChoice.nullable() })),
  warnings: z.array(z.string()),
  /** Player ids the file's reveals and parties name (they mean nothing in a new campaign until re-invited). */
  playerIds: z.array(z.string()),
});
export type ImportSummary = z.infer<typeof ImportSummarySchema>;

export const ImportResultSchema = z.object({
  summary: ImportSummarySchema,
  /** The new campaign (null for a preview). */
  campaign: z.object({ id: IdSchema, name: z.string() }).nullable(),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;

export const MergeChangeSchema = z.object({ hex: z.string(), field: z.string(), before: z.string().nullable(), after: z.string() });

export const MergeResultSchema = z.object({
  summary: ImportSummarySchema,
  /** What the merge does (or, for a preview, would do): fields added, fields replaced, and the first of them. */
  merge: z.object({ added: z.number().int(), changed: z.number().int(), unchanged: z.number().int(), changes: z.array(MergeChangeSchema) }),
  applied: z.boolean(),
});
export type MergeResult = z.infer<typeof MergeResultSchema>;
