import { apiRoutes } from "@hexcrawl/shared/httpApi";
import type { ImportSource, ImportSummary, MergeResult } from "@hexcrawl/shared/exchange/importApi";
import type { TerrainMapping } from "@hexcrawl/shared/exchange/terrainMapping";
import type { TerrainId } from "@hexcrawl/shared";
import { call, errorMessage } from "../connection/api.ts";
import { sourceFromFile } from "./exchangeFiles.ts";

/** Where an import goes: a new campaign, or merged into the open one. */
export type ImportTarget = "new" | "merge";

/**
 * One import, step by step (XCHGUI1): pick a file → the server previews it (what it holds, terrain names and what
 * they map to, for a merge every value it would replace) → the DM adjusts the terrain mapping (each change
 * previews again) → import. Nothing is written before `commit`.
 */
export class ImportFlow {
  #campaignId: () => string;
  #source: ImportSource | null = null;
  #fileName = $state("");
  #target = $state<ImportTarget>("new");
  #mapping = $state<TerrainMapping>({});
  #summary = $state<ImportSummary | null>(null);
  #merge = $state<MergeResult["merge"] | null>(null);
  #busy = $state(false);
  #error = $state<string | null>(null);
  #done = $state<{ kind: "new"; id: string; name: string } | { kind: "merge"; changed: number; added: number } | null>(null);

  /** @param campaignId the open campaign (read at each request: a merge goes into the campaign open now) */
  constructor(campaignId: () => string) {
    this.#campaignId = campaignId;
  }

  get fileName(): string {
    return this.#fileName;
  }
  get target(): ImportTarget {
    return this.#target;
  }
  get summary(): ImportSummary | null {
    return this.#summary;
  }
  get merge(): MergeResult["merge"] | null {
    return this.#merge;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get error(): string | null {
    return this.#error;
  }
  get done() {
    return this.#done;
  }

  /** Read a picked file and preview it. */
  async pick(file: File): Promise<void> {
    this.#reset();
    this.#fileName = file.name;
    try {
      this.#source = sourceFromFile(file.name, new Uint8Array(await file.arrayBuffer()));
    } catch (err) {
      this.#error = errorMessage(err);
      return;
    }
    await this.#run(true);
  }

  async setTarget(target: ImportTarget): Promise<void> {
    this.#target = target;
    if (this.#source) await this.#run(true);
  }

  /** The DM maps one source terrain name to a palette id ("" = none), then sees the preview again. */
  async mapTerrain(source: string, to: TerrainId | ""): Promise<void> {
    this.#mapping = { ...this.#mapping, [source]: to };
    await this.#run(true);
  }

  /** Import for real. */
  async commit(): Promise<void> {
    await this.#run(false);
  }

  #reset(): void {
    this.#source = null;
    this.#summary = null;
    this.#merge = null;
    this.#error = null;
    this.#done = null;
    this.#mapping = {};
  }

  async #run(preview: boolean): Promise<void> {
    const source = this.#source;
    if (!source) return;
    this.#busy = true;
    this.#error = null;
    // A foreign map has no name of its own: the file's name stands in (our JSON carries its map name).
    const stem = this.#fileName.replace(/\.[^.]*$/, "").trim().slice(0, 120);
    const body = {
      source,
      preview,
      ...(source.format !== "hexcrawl" && stem ? { name: stem } : {}),
      ...(Object.keys(this.#mapping).length > 0 ? { terrainMapping: this.#mapping } : {}),
    };
    try {
      if (this.#target === "new") {
        const r = await call(apiRoutes.importCampaign, { body });
        this.#summary = r.summary;
        this.#merge = null;
        if (!preview && r.campaign) this.#done = { kind: "new", id: r.campaign.id, name: r.campaign.name };
      } else {
        const r = await call(apiRoutes.mergeIntoCampaign, { params: { id: this.#campaignId() }, body });
        this.#summary = r.summary;
        this.#merge = r.merge;
        if (r.applied) this.#done = { kind: "merge", changed: r.merge.changed, added: r.merge.added };
      }
      if (!preview) this.#source = null;
    } catch (err) {
      this.#error = errorMessage(err);
    } finally {
      this.#busy = false;
    }
  }
}
