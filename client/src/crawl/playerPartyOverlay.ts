import type { PartyView, StepView } from "@hexcrawl/shared";
import { drawParties, initialsOf, MarkerStyle, PARTY_COLOURS, type MapOverlay, type PartyMarker, type PartyTrail } from "../map/PartyLayer.ts";

/**
 * What a player's map draws of the crawl (CRAWLUI8): their party's marker where they believe they are, its trail,
 * and the markers of parties the DM shows to everyone — all from their own documents, which hold nothing else
 * (TRAVEL9, TRAVEL10). Other parties are drawn first, so the player's own marker is on top.
 */
export function playerPartyScene(
  parties: ReadonlyArray<PartyView & { id: string }>,
  trail: readonly StepView[],
): { markers: PartyMarker[]; trails: PartyTrail[] } {
  const markers: PartyMarker[] = [];
  const ordered = [...parties].sort((a, b) => Number(a.mine) - Number(b.mine));
  let other = 1;
  for (const p of ordered) {
    if (!p.hex) continue;
    const colour = p.mine ? PARTY_COLOURS[0] : (PARTY_COLOURS[other++ % PARTY_COLOURS.length] ?? "#8ab4ff");
    markers.push({ hex: p.hex, initials: initialsOf(p.name), colour, style: MarkerStyle.solid, selected: p.mine });
  }
  const trails = trail.length > 0 ? [{ hexes: trail.map((s) => s.hex), colour: PARTY_COLOURS[0], strong: true }] : [];
  return { markers, trails };
}

/** The player's overlay (nothing on it can be dragged). */
export function playerPartyOverlay(parties: ReadonlyArray<PartyView & { id: string }>, trail: readonly StepView[], revision: number): MapOverlay {
  const { markers, trails } = playerPartyScene(parties, trail);
  return { revision, draw: (ctx, g) => drawParties(ctx, g, trails, markers) };
}
