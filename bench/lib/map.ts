import * as Y from "yjs";
import { keyOf, Orientation, rectangleHexes, type HexKey } from "@hexcrawl/shared/hex";
import { DmMap, TERRAIN_IDS } from "@hexcrawl/shared/model";
import { mulberry32 } from "@hexcrawl/shared/prng";

/**
 * Deterministic map content for the bench: every hex has terrain; a fifth has a label, a fifth has
 * player notes, a tenth has DM notes — roughly what a prepared hex crawl looks like.
 */

/** Hexes per transaction when filling a document through a provider (keeps each update far below the frame cap). */
export const FILL_CHUNK_HEXES = 1000;

/** Hex keys of a map of about `count` hexes (a rectangle as square as possible), in a stable order. */
export function mapHexes(count: number): HexKey[] {
  const cols = Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  return rectangleHexes(cols, rows, Orientation.pointy).slice(0, count).map(keyOf);
}

/** Small seeded PRNG (mulberry32) so every run writes the same map. */
export const rng = mulberry32;

const WORDS = ["old", "ruined", "tower", "ford", "bandit", "camp", "shrine", "wolf", "den", "bridge", "mill", "barrow", "spring", "crossing"];

function phrase(next: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)] ?? "hex");
  return out.join(" ");
}

/** Write the map content of `hexes` into a DM document, FILL_CHUNK_HEXES per transaction. */
export function fillDmDoc(doc: Y.Doc, hexes: readonly HexKey[], seed = 1): void {
  const next = rng(seed);
  const terrain = doc.getMap<unknown>(DmMap.terrain);
  const label = doc.getMap<unknown>(DmMap.label);
  const notes = doc.getMap<unknown>(DmMap.notes);
  const dmNotes = doc.getMap<unknown>(DmMap.dmNotes);
  for (let i = 0; i < hexes.length; i += FILL_CHUNK_HEXES) {
    doc.transact(() => {
      for (const hex of hexes.slice(i, i + FILL_CHUNK_HEXES)) {
        terrain.set(hex, TERRAIN_IDS[Math.floor(next() * TERRAIN_IDS.length)] ?? "plains");
        const roll = next();
        if (roll < 0.2) label.set(hex, phrase(next, 2));
        else if (roll < 0.4) notes.set(hex, phrase(next, 12));
        if (next() < 0.1) dmNotes.set(hex, phrase(next, 16));
      }
    });
  }
}

/** What a player sees of each hex of a map written by `fillDmDoc` (terrain, label, notes; never dmNotes). */
export function visibleContent(hexes: readonly HexKey[], seed = 1): Map<HexKey, Partial<Record<"terrain" | "label" | "notes", string>>> {
  const doc = new Y.Doc();
  fillDmDoc(doc, hexes, seed);
  const out = new Map<HexKey, Partial<Record<"terrain" | "label" | "notes", string>>>();
  for (const hex of hexes) {
    const view: Partial<Record<"terrain" | "label" | "notes", string>> = {};
    for (const f of ["terrain", "label", "notes"] as const) {
      const v = doc.getMap<unknown>(f).get(hex);
      if (typeof v === "string") view[f] = v;
    }
    out.set(hex, view);
  }
  doc.destroy();
  return out;
}

/** Set (or delete) `reveals` keys in chunks of `chunk` keys per transaction. */
export function writeReveals(doc: Y.Doc, keys: readonly string[], present: boolean, chunk = 2000): void {
  const reveals = doc.getMap<unknown>(DmMap.reveals);
  for (let i = 0; i < keys.length; i += chunk) {
    doc.transact(() => {
      for (const k of keys.slice(i, i + chunk)) {
        if (present) reveals.set(k, true);
        else reveals.delete(k);
      }
    });
  }
}
