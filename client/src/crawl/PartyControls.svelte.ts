import type { Orientation } from "@hexcrawl/shared/hex";
import type { Party } from "@hexcrawl/shared";
import { drawParties, initialsOf, MarkerStyle, PARTY_COLOURS, type MapOverlay, type PartyMarker, type PartyTrail } from "../map/PartyLayer.ts";
import type { CrawlEditor } from "./CrawlEditor.svelte.ts";
import { isNeighbour, stepKeyFor } from "./partySteps.ts";

/** What a click on the map does to the chosen party (CRAWLUI3). */
export const PartyMode = {
  /** Clicks select hexes as usual. */
  off: "off",
  /** A click puts the party there without travelling (no step, no time, no sight). */
  place: "place",
  /** A click on a neighbouring hex travels there (a step, its time, the sight rule). */
  move: "move",
  /** While lost: a click moves the marker its players see. */
  shown: "shown",
} as const;
export type PartyMode = (typeof PartyMode)[keyof typeof PartyMode];

/**
 * The DM's party controls as UI state (CRAWLUI2–CRAWLUI4): which party is chosen, what a map click does to it, the
 * keyboard steps, the marker drag, and the overlay the map draws — true markers solid, a lost party's believed
 * marker hollow and dashed with a "?", joined to the true one by a dashed line. The writes go through the
 * CrawlEditor; nothing here touches the document.
 */
export class PartyControls {
  readonly #crawl: CrawlEditor;
  readonly #orientation: () => Orientation;
  readonly #editable: () => boolean;
  #selectedId = $state<string | null>(null);
  #mode = $state<PartyMode>(PartyMode.off);
  /** One watch of progress per click instead of a whole hex (TRAVEL5). */
  #progress = $state(false);
  #dragHex = $state<string | null>(null);
  #dragging = $state<"true" | "shown" | null>(null);
  #message = $state<string | null>(null);

  constructor(crawl: CrawlEditor, orientation: () => Orientation, editable: () => boolean) {
    this.#crawl = crawl;
    this.#orientation = orientation;
    this.#editable = editable;
  }

  /** The chosen party (the first one until the DM chooses). Reactive. */
  get selected(): Party | null {
    const parties = this.#crawl.parties;
    return parties.find((p) => p.id === this.#selectedId) ?? parties[0] ?? null;
  }
  select(id: string | null): void {
    this.#selectedId = id;
    this.#message = null;
  }
  get mode(): PartyMode {
    return this.#mode;
  }
  setMode(mode: PartyMode): void {
    this.#mode = mode;
    this.#message = null;
  }
  get progress(): boolean {
    return this.#progress;
  }
  set progress(on: boolean) {
    this.#progress = on;
  }
  /** What the last map action said (e.g. "pick a neighbouring hex"), or null. */
  get message(): string | null {
    return this.#message;
  }

  /** Travel into a neighbouring hex (or one watch toward it); false with a message when it is not next to the party. */
  step(hex: string): boolean {
    const party = this.selected;
    if (!party || !this.#editable()) return false;
    if (!party.at) {
      this.#message = `Place ${party.name} on the map first.`;
      return false;
    }
    if (!isNeighbour(party.at, hex)) {
      this.#message = `${hex} is not next to ${party.at}: pick a neighbouring hex (or place the party).`;
      return false;
    }
    if (this.#progress) {
      const entered = this.#crawl.travelWatch(party.id, hex);
      const now = this.#crawl.party(party.id)?.progress;
      this.#message = entered ? `${party.name} entered ${hex}.` : `One watch toward ${hex}: ${now?.miles ?? 0} of ${this.#crawl.settings.hexMiles} miles.`;
    } else {
      const r = this.#crawl.move(party.id, hex);
      this.#message = `${party.name} travelled to ${hex} (${r.watches} watch${r.watches === 1 ? "" : "es"}).`;
    }
    return true;
  }

  /** A click on the map. True when the party controls used it (the map should not also select the hex). */
  click(hex: string): boolean {
    const party = this.selected;
    if (!party || !this.#editable() || this.#mode === PartyMode.off) return false;
    switch (this.#mode) {
      case PartyMode.place:
        this.#crawl.place(party.id, hex);
        this.#message = `${party.name} placed at ${hex}.`;
        this.#mode = PartyMode.move;
        return true;
      case PartyMode.move:
        this.step(hex);
        return true;
      case PartyMode.shown:
        if (!party.lost) return false;
        this.#crawl.moveShown(party.id, hex);
        this.#message = `${party.name}'s players now believe they are at ${hex}.`;
        return true;
    }
  }

  /** Shift+digit on the page (not while typing; `digit` from `digitOfCode`): a step in move mode. True when used. */
  key(key: string): boolean {
    const party = this.selected;
    if (this.#mode !== PartyMode.move || !party?.at || !this.#editable()) return false;
    const to = stepKeyFor(key, party.at, this.#orientation());
    if (!to) return false;
    this.step(to);
    return true;
  }

  /** What the DM's map draws: every party's trail and marker; a lost one twice, joined by a dashed line. Reactive. */
  get scene(): { trails: PartyTrail[]; markers: PartyMarker[]; links: Array<{ from: string; to: string; colour: string }> } {
    const parties = this.#crawl.parties;
    const selected = this.selected;
    const dragHex = this.#dragHex;
    const dragging = this.#dragging;
    const trails: PartyTrail[] = [];
    const markers: PartyMarker[] = [];
    const links: Array<{ from: string; to: string; colour: string }> = [];
    parties.forEach((p, i) => {
      const colour = PARTY_COLOURS[i % PARTY_COLOURS.length] ?? "#ffb347";
      const steps = this.#crawl.trail(p.id);
      const isSelected = p.id === selected?.id;
      trails.push({ hexes: steps.map((s) => s.hex), colour, strong: isSelected });
      if (p.lost) trails.push({ hexes: steps.map((s) => s.shown), colour, dashed: true });
      const initials = initialsOf(p.name);
      if (p.lost && p.shownAt && p.at) {
        links.push({ from: p.at, to: p.shownAt, colour });
        markers.push({ hex: p.shownAt, initials, colour, style: MarkerStyle.believed, selected: isSelected && dragging === "shown" });
      }
      if (p.at) markers.push({ hex: p.at, initials, colour, style: MarkerStyle.solid, selected: isSelected });
      if (isSelected && dragHex && dragging) markers.push({ hex: dragHex, initials, colour, style: MarkerStyle.ghost });
    });
    return { trails, markers, links };
  }

  /** The overlay the DM's map draws and drags. Reactive (a new object whenever the drawing changes). */
  get overlay(): MapOverlay {
    const { trails, markers, links } = this.scene;
    return {
      revision: this.#crawl.revision,
      draw: (ctx, g) => drawParties(ctx, g, trails, markers, links),
      grab: (hex) => this.#grab(hex),
      dragTo: (hex) => {
        this.#dragHex = hex;
      },
      drop: (hex) => this.#drop(hex),
    };
  }

  #grab(hex: string): boolean {
    if (!this.#editable()) return false;
    // The chosen party first, then any other whose marker is there.
    const parties = this.#crawl.parties;
    const ordered = [...parties].sort((a, b) => Number(b.id === this.selected?.id) - Number(a.id === this.selected?.id));
    for (const p of ordered) {
      if (p.at === hex) {
        this.#selectedId = p.id;
        this.#dragging = "true";
        this.#dragHex = hex;
        return true;
      }
      if (p.lost && p.shownAt === hex) {
        this.#selectedId = p.id;
        this.#dragging = "shown";
        this.#dragHex = hex;
        return true;
      }
    }
    return false;
  }

  #drop(hex: string | null): void {
    const what = this.#dragging;
    const party = this.selected;
    this.#dragging = null;
    this.#dragHex = null;
    if (!hex || !party || !what) return;
    if (what === "shown") {
      if (hex !== party.shownAt) this.#crawl.moveShown(party.id, hex);
      return;
    }
    if (hex === party.at) return;
    // Dragging one hex travels; further is a placement (the DM moved the party without travel).
    if (party.at && isNeighbour(party.at, hex)) this.step(hex);
    else {
      this.#crawl.place(party.id, hex);
      this.#message = `${party.name} placed at ${hex} (no travel: drag one hex to travel).`;
    }
  }
}
