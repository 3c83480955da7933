import { describe, expect, it } from "vitest";
import { gunzipSync } from "node:zlib";
import { emptyCampaignFile } from "@hexcrawl/shared/exchange/campaignFile";
import { decodeWxxText, parseWxxXml } from "@hexcrawl/shared/exchange/wxx";
import { bytesToBase64, fileStem, sourceFromFile, toWxxBytes } from "./exchangeFiles.ts";

describe("exchange files", () => {
  it("[XCHGUI1] a picked file's format: gzip is .wxx, our JSON a campaign file, other text Text Mapper", () => {
    const gz = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2]);
    expect(sourceFromFile("map.bin", gz)).toEqual({ format: "wxx", base64: bytesToBase64(gz) });
    const json = new TextEncoder().encode(JSON.stringify({ format: "hexcrawl-campaign" }));
    expect(sourceFromFile("backup.json", json)).toEqual({ format: "hexcrawl", file: { format: "hexcrawl-campaign" } });
    expect(sourceFromFile("valley.txt", new TextEncoder().encode('0101 forest "A"'))).toEqual({ format: "textmapper", text: '0101 forest "A"' });
    expect(() => sourceFromFile("bad.json", new TextEncoder().encode("{oops"))).toThrow(/not valid JSON/);
    expect(fileStem("  The Sunless Marches! ")).toBe("The-Sunless-Marches");
  });

  it("[XCHGUI1] base64 of large byte arrays, and a .wxx download Worldographer's reader accepts", async () => {
    const big = new Uint8Array(200_000).map((_, i) => i % 251);
    expect(Buffer.from(bytesToBase64(big), "base64").equals(Buffer.from(big))).toBe(true);
    const file = emptyCampaignFile("Export");
    file.hexes["0,0"] = { terrain: "forest", label: "Old Wood" };
    const wxx = await toWxxBytes(file);
    const map = parseWxxXml(decodeWxxText(gunzipSync(wxx)), "x");
    expect(map.hexes.get("0,0")).toMatchObject({ terrain: "Forest Deciduous", label: "Old Wood" });
  });
});
