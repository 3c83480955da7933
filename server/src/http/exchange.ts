import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import type * as Y from "yjs";
import { dmDocName, isDmRole, partyDocName, playerDocName, Role } from "@hexcrawl/shared/docNames";
import { ApiError, MAX_CAMPAIGN_NAME_CHARS, type apiRoutes } from "@hexcrawl/shared/httpApi";
import {
  CampaignFileError,
  countCampaignFile,
  exportCampaign as exportCampaignFile,
  importCampaign as importCampaignFile,
  parseCampaignFile,
  playerIdsOf,
  previewMerge,
  type CampaignFile,
} from "@hexcrawl/shared/exchange/campaignFile";
import { MAX_WXX_BYTES, MAX_WXX_INFLATED_BYTES, type ImportRequest, type ImportSummary } from "@hexcrawl/shared/exchange/importApi";
import { exportPlayerMap as exportPlayerMapFile } from "@hexcrawl/shared/exchange/playerMapFile";
import { SourceFormatError, terrainUses, toCampaignFile, type SourceMap } from "@hexcrawl/shared/exchange/sourceMap";
import { parseTextMapper } from "@hexcrawl/shared/exchange/textMapper";
import { decodeWxxText, parseWxxXml } from "@hexcrawl/shared/exchange/wxx";
import type { AppContext } from "../context.ts";
import * as repos from "../db/repos.ts";
import type { Handler } from "./router.ts";

/**
 * Export and import (XCHG1–XCHG11): thin handlers over the pure readers and writers of shared/src/exchange. Every
 * file is read and checked completely before anything is written, so a bad file changes nothing; documents are
 * opened as direct Hocuspocus connections (loaded from the store, stored on disconnect — the answer is sent once
 * the import is stored).
 */

type Routes = typeof apiRoutes;

const gunzipAsync = promisify(gunzip);

/** The transaction origin of an import: a local write (stored, broadcast, forwarded) that is not the game's own. */
function exchangeContext(campaignId: string): { exchange: "import"; campaignId: string } {
  return { exchange: "import", campaignId };
}

async function withDocument<T>(ctx: AppContext, name: string, campaignId: string, use: (doc: Y.Doc, transact: (fn: (doc: Y.Doc) => void) => Promise<void>) => Promise<T> | T): Promise<T> {
  const connection = await ctx.hocuspocus.openDirectConnection(name, exchangeContext(campaignId));
  try {
    const doc = connection.document;
    if (!doc) throw new Error(`${name} closed while opening`);
    return await use(doc, (fn) => connection.transact(fn));
  } finally {
    await connection.disconnect();
  }
}

async function roleIn(ctx: AppContext, campaignId: string, userId: string): Promise<Role> {
  const role = await repos.getMembership(ctx.db.pool, campaignId, userId);
  if (!role) throw new ApiError("NOT_FOUND", "No such campaign");
  return role;
}

/** Un-gzip a `.wxx` with a bound on the output (a zip bomb stops at the bound). */
async function inflateWxx(base64: string): Promise<Buffer> {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length === 0) throw new ApiError("BAD_REQUEST", "The .wxx file is empty");
  if (bytes.length > MAX_WXX_BYTES) throw new ApiError("PAYLOAD_TOO_LARGE", `The .wxx file is larger than ${MAX_WXX_BYTES} bytes`);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new ApiError("BAD_REQUEST", "Not a Worldographer file: a .wxx is gzip-compressed, and this is not gzip");
  try {
    return await gunzipAsync(bytes, { maxOutputLength: MAX_WXX_INFLATED_BYTES });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new ApiError("PAYLOAD_TOO_LARGE", `The .wxx file unpacks to more than ${MAX_WXX_INFLATED_BYTES} bytes`);
    }
    throw new ApiError("BAD_REQUEST", "The .wxx file is damaged: its gzip data does not unpack");
  }
}

/** Read the request's file into our campaign file and a summary. Throws ApiError (400/413) for a bad file. */
export async function readImport(request: ImportRequest, fallbackName: string): Promise<{ file: CampaignFile; summary: ImportSummary }> {
  const { source } = request;
  try {
    if (source.format === "hexcrawl") {
      const file = parseCampaignFile(source.file);
      return { file, summary: { format: "hexcrawl", detail: `Hex Crawl campaign file, version ${file.version}`, name: file.name, counts: countCampaignFile(file), terrains: [], warnings: [], playerIds: playerIdsOf(file) } };
    }
    let map: SourceMap;
    if (source.format === "textmapper") map = parseTextMapper(source.text, request.name ?? fallbackName);
    else map = parseWxxXml(decodeWxxText(await inflateWxx(source.base64)), request.name ?? fallbackName);
    const file = toCampaignFile(map, request.terrainMapping);
    return {
      file,
      summary: { format: map.format, detail: map.detail, name: file.name, counts: countCampaignFile(file), terrains: terrainUses(map, request.terrainMapping), warnings: map.warnings, playerIds: [] },
    };
  } catch (err) {
    if (err instanceof CampaignFileError || err instanceof SourceFormatError) throw new ApiError("BAD_REQUEST", err.message);
    throw err;
  }
}

export const exportCampaign: Handler<Routes["exportCampaign"]> = async ({ ctx, user, params }) => {
  const role = await roleIn(ctx, params.id, user.id);
  if (!isDmRole(role)) throw new ApiError("FORBIDDEN", "Only the campaign's DMs can export it");
  return withDocument(ctx, dmDocName(params.id), params.id, (doc) => exportCampaignFile(doc));
};

export const exportPlayerMap: Handler<Routes["exportPlayerMap"]> = async ({ ctx, user, params, query }) => {
  const role = await roleIn(ctx, params.id, user.id);
  const playerId = query.userId ?? user.id;
  if (playerId !== user.id && !isDmRole(role)) throw new ApiError("FORBIDDEN", "A player can export only their own map");
  if (playerId === user.id && isDmRole(role)) throw new ApiError("BAD_REQUEST", "DMs have no player map: name a player with userId");
  if (playerId !== user.id && (await repos.getMembership(ctx.db.pool, params.id, playerId)) !== Role.player) throw new ApiError("NOT_FOUND", "No such player in this campaign");
  // Only the player's own document and the party document: never the DM document (XCHG5).
  return withDocument(ctx, partyDocName(params.id), params.id, (party) =>
    withDocument(ctx, playerDocName(params.id, playerId), params.id, (own) => exportPlayerMapFile(own, party)),
  );
};

export const importCampaign: Handler<Routes["importCampaign"]> = async ({ ctx, user, body }) => {
  const { file, summary } = await readImport(body, "Imported map");
  if (body.preview) return { summary, campaign: null };
  const name = (body.name ?? file.name).slice(0, MAX_CAMPAIGN_NAME_CHARS).trim() || "Imported map";
  const campaign = await repos.createCampaign(ctx.db.pool, user.id, name);
  try {
    await withDocument(ctx, dmDocName(campaign.id), campaign.id, (_doc, transact) => transact((doc) => importCampaignFile(doc, file, undefined, { name })));
  } catch (err) {
    // Nothing half-imported stays: the campaign goes with its document rows.
    await ctx.db.pool.query("delete from document where name like $1", [`campaign:${campaign.id}:%`]).catch(() => undefined);
    await ctx.db.pool.query("delete from campaign where id = $1", [campaign.id]).catch(() => undefined);
    throw err;
  }
  return { summary, campaign: { id: campaign.id, name } };
};

export const mergeIntoCampaign: Handler<Routes["mergeIntoCampaign"]> = async ({ ctx, user, params, body }) => {
  const role = await roleIn(ctx, params.id, user.id);
  if (!isDmRole(role)) throw new ApiError("FORBIDDEN", "Only the campaign's DMs can import into it");
  const { file, summary } = await readImport(body, "Imported map");
  return withDocument(ctx, dmDocName(params.id), params.id, async (doc, transact) => {
    const merge = previewMerge(doc, file);
    if (body.preview) return { summary, merge, applied: false };
    // The map keeps its own name and settings; the file adds and updates hexes, reveals and the crawl (a CRDT merge:
    // co-DMs' concurrent edits to other fields are kept).
    const current = exportCampaignFile(doc);
    await transact((d) => importCampaignFile(d, { ...file, name: current.name, settings: current.settings }, undefined, { name: current.name }));
    return { summary, merge, applied: true };
  });
};
