import type { ImportSource } from "@hexcrawl/shared/exchange/importApi";
import { encodeWxxText, writeWxxXml } from "@hexcrawl/shared/exchange/wxx";
import type { CampaignFile } from "@hexcrawl/shared/exchange/campaignFile";

/**
 * Files in and out of the browser for the exchange panel (XCHGUI1): which format a picked file is, its bytes as the
 * import request carries them, and downloads of what the server exported.
 */

/** Base64 of bytes (chunked: a spread of a large array overflows the argument limit). */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}

/**
 * The import source of a picked file: gzip bytes (any name) are a Worldographer `.wxx`; JSON with our format name a
 * campaign file; anything else Text Mapper text. Throws a readable Error for JSON that is not ours.
 */
export function sourceFromFile(name: string, bytes: Uint8Array): ImportSource {
  if ((bytes[0] === 0x1f && bytes[1] === 0x8b) || /\.wxx$/i.test(name)) return { format: "wxx", base64: bytesToBase64(bytes) };
  const text = new TextDecoder("utf-8").decode(bytes);
  if (/\.json$/i.test(name) || text.trimStart().startsWith("{")) {
    let file: unknown;
    try {
      file = JSON.parse(text);
    } catch {
      throw new Error(`${name} is not valid JSON`);
    }
    return { format: "hexcrawl", file };
  }
  return { format: "textmapper", text };
}

/** A file name from a map name: letters, digits, dashes. */
export function fileStem(name: string): string {
  return name.trim().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "map";
}

/** Let the browser save `data` as `filename`. */
export function download(filename: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A campaign file as a Worldographer `.wxx` (gzip of UTF-16 XML), where the formats overlap (XCHG11). */
export async function toWxxBytes(file: CampaignFile): Promise<Uint8Array> {
  const utf16 = encodeWxxText(writeWxxXml(file));
  const stream = new Blob([utf16 as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
