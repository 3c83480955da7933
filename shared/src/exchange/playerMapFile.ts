import type * as Y from "yjs";
import { z } from "zod";
import { compareHexKeys, HexKeySchema, OrientationSchema } from "../hex.ts";
import { HexSizeSchema, KnowledgeLevelSchema, readPlayerMeta } from "../model.ts";
import { levelOfView, overlayViews, readPlayerView } from "../projection.ts";
import { overlayCrawl, PartyViewSchema, readCrawlView, StepViewSchema } from "../crawlProjection.ts";

/**
 * A player's own map as a file (XCHG5): what that player's client shows — their own document over the party
 * document, field by field — and nothing else. It is built from those two documents only, never from the DM
 * document, so it cannot hold anything the player was not sent.
 */

export const PLAYER_MAP_FORMAT = "hexcrawl-player-map";
export const PLAYER_MAP_VERSION = 1;

const ViewText = z.string().max(20_000);

export const PlayerMapFileSchema = z.strictObject({
  format: z.literal(PLAYER_MAP_FORMAT),
  version: z.literal(PLAYER_MAP_VERSION),
  exportedAt: z.iso.datetime(),
  name: z.string().max(200),
  orientation: OrientationSchema,
  hexSize: HexSizeSchema,
  hexes: z.record(
    HexKeySchema,
    z.strictObject({
      level: KnowledgeLevelSchema,
      terrain: z.string().max(64).optional(),
      label: ViewText.optional(),
      notes: ViewText.optional(),
      rumour: ViewText.optional(),
      explored: ViewText.optional(),
    }),
  ),
  parties: z.record(z.string(), PartyViewSchema),
  trail: z.array(StepViewSchema),
  clock: z.strictObject({ day: z.number().int(), watch: z.number().int(), watchesPerDay: z.number().int() }).nullable(),
});
export type PlayerMapFile = z.infer<typeof PlayerMapFileSchema>;

/** The player's map from their own document and the party document (either may be empty). */
export function exportPlayerMap(own: Y.Doc, party: Y.Doc, now: Date = new Date()): PlayerMapFile {
  const view = overlayViews(readPlayerView(party), readPlayerView(own));
  const meta = readPlayerMeta(party);
  const ownMeta = readPlayerMeta(own);
  const hexes: PlayerMapFile["hexes"] = {};
  for (const hex of [...view.keys()].sort(compareHexKeys)) {
    const v = view.get(hex);
    const level = levelOfView(v);
    if (!v || !level) continue;
    hexes[hex] = { level, ...v };
  }
  const crawl = overlayCrawl(readCrawlView(party), readCrawlView(own));
  const trail = [...crawl.trail].sort(([a, sa], [b, sb]) => sa.day - sb.day || sa.watch - sb.watch || (a < b ? -1 : 1)).map(([, s]) => s);
  return {
    format: PLAYER_MAP_FORMAT,
    version: PLAYER_MAP_VERSION,
    exportedAt: now.toISOString(),
    name: ownMeta.name || meta.name,
    orientation: ownMeta.name ? ownMeta.orientation : meta.orientation,
    hexSize: ownMeta.name ? ownMeta.hexSize : meta.hexSize,
    hexes,
    parties: Object.fromEntries([...crawl.parties].sort(([a], [b]) => (a < b ? -1 : 1))),
    trail,
    clock: crawl.clock,
  };
}
