import type * as Y from "yjs";
import {
  adjustClock,
  clockOf,
  CrawlMap,
  moveParty,
  moveShown,
  newEntryId,
  placeParty,
  readParties,
  readRolls,
  readTable,
  readTimeline,
  readTravelSettings,
  removeParty,
  removeTableEntry,
  roll,
  setLost,
  setParty,
  setTableEntry,
  setTravelSetting,
  shareRoll,
  travelOneWatch,
  type MoveResult,
  type Party,
  type PartyRecord,
  type RollKind,
  type RollRecord,
  type TableEntry,
  type TravelSettings,
} from "@hexcrawl/shared";

/**
 * Origin of the DM's crawl actions in the browser (CRAWLUI2). Not on the map's undo stack: a move is a logged event
 * with its time and reveals, taken back by placing the party and winding the clock, never by a half-undo.
 */
export const CRAWL_ORIGIN = { source: "client-crawl" } as const;

/** The game clock as the DM reads it. */
export interface ClockReading {
  day: number;
  watch: number;
  /** Watches since the start (may be fractional: a forest hex takes 1.5 watches at some paces). */
  total: number;
  watchesPerDay: number;
}

/** Randomness for rolls: crypto-backed in the browser. */
function cryptoRandom(): number {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return (a[0] ?? 0) / 2 ** 32;
}

/**
 * The DM's side of the crawl (TRAVEL1–TRAVEL8, CRAWLUI1): parties, moves, the clock, travel settings, tables and
 * rolls, read reactively from the DM document and written through the shared crawl actions with the editor's
 * origin — so moves and clock changes are on the DM's own undo stack, and co-DMs (online or not) merge.
 */
export class CrawlEditor {
  readonly #doc: Y.Doc;
  readonly #origin: unknown;
  readonly #userId: string;
  readonly #rand: () => number;
  readonly #stops: Array<() => void> = [];
  #revision = $state(0);

  constructor(doc: Y.Doc, origin: unknown, userId: string, rand: () => number = cryptoRandom) {
    this.#doc = doc;
    this.#origin = origin;
    this.#userId = userId;
    this.#rand = rand;
    for (const name of [...Object.values(CrawlMap), "terrain", "landmark"]) {
      const map = doc.getMap<unknown>(name);
      const bump = () => (this.#revision += 1);
      map.observe(bump);
      this.#stops.push(() => map.unobserve(bump));
    }
  }

  /** Bumped on every change of the crawl. */
  get revision(): number {
    return this.#revision;
  }

  /** Every party, by name. Reactive. */
  get parties(): Party[] {
    void this.#revision;
    return [...readParties(this.#doc).values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  party(id: string): Party | undefined {
    void this.#revision;
    return readParties(this.#doc).get(id);
  }

  get settings(): TravelSettings {
    void this.#revision;
    return readTravelSettings(this.#doc);
  }

  /** The clock now. Reactive. */
  get clock(): ClockReading {
    void this.#revision;
    const { total } = readTimeline(this.#doc);
    const { watchesPerDay } = readTravelSettings(this.#doc);
    return { ...clockOf(total, watchesPerDay), total, watchesPerDay };
  }

  /** A party's trail: the hexes it went through (true ones), oldest first. Reactive. */
  trail(partyId: string): Array<{ hex: string; shown: string; day: number; watch: number }> {
    void this.#revision;
    const { watchesPerDay } = readTravelSettings(this.#doc);
    return readTimeline(this.#doc)
      .steps.filter((s) => s.partyId === partyId)
      .map((s) => ({ hex: s.hex, shown: s.shown, ...clockOf(s.clockAfter, watchesPerDay) }));
  }

  /** Rolls, newest first. Reactive. */
  get rolls(): Array<RollRecord & { id: string }> {
    void this.#revision;
    return readRolls(this.#doc).reverse();
  }

  /** A terrain's encounter table, or the weather table. Reactive. */
  table(which: { terrain: string } | "weather"): Array<TableEntry & { id: string }> {
    void this.#revision;
    return which === "weather" ? readTable(this.#doc, CrawlMap.weather) : readTable(this.#doc, CrawlMap.encounters, which.terrain);
  }

  #stamp(): { by: string; now: number } {
    return { by: this.#userId, now: Date.now() };
  }

  createParty(record: PartyRecord): string {
    const id = newEntryId();
    setParty(this.#doc, id, record, this.#origin);
    return id;
  }
  updateParty(id: string, record: PartyRecord): void {
    setParty(this.#doc, id, record, this.#origin);
  }
  removeParty(id: string): void {
    removeParty(this.#doc, id, this.#origin);
  }
  /** Put the party somewhere without travelling (no step, no time, no sight). */
  place(id: string, hex: string): void {
    placeParty(this.#doc, id, hex, this.#origin);
  }
  /** Travel into a hex: a step, its time, and the sight rule's reveals (pending until published in staged mode). */
  move(id: string, hex: string): MoveResult {
    return moveParty(this.#doc, id, hex, this.#stamp(), this.#origin);
  }
  /** One watch of travel toward a neighbour (progress inside hexes). */
  travelWatch(id: string, toward: string): MoveResult | null {
    return travelOneWatch(this.#doc, id, toward, this.#stamp(), this.#origin);
  }
  setLost(id: string, lost: boolean): void {
    setLost(this.#doc, id, lost, this.#origin);
  }
  moveShown(id: string, hex: string): void {
    moveShown(this.#doc, id, hex, this.#origin);
  }
  adjustClock(watches: number): void {
    adjustClock(this.#doc, watches, this.#stamp(), this.#origin);
  }
  setSetting(key: string, value: number): void {
    setTravelSetting(this.#doc, key, value, this.#origin);
  }
  setTableEntry(which: { terrain: string } | "weather", entry: TableEntry, id: string = newEntryId()): string {
    setTableEntry(this.#doc, which, id, entry, this.#origin);
    return id;
  }
  removeTableEntry(which: { terrain: string } | "weather", id: string): void {
    removeTableEntry(this.#doc, which, id, this.#origin);
  }
  /** Roll (DM-only result until shared). */
  roll(kind: RollKind, partyId: string | null): RollRecord & { id: string } {
    const { id, record } = roll(this.#doc, kind, { partyId, ...this.#stamp(), rand: this.#rand }, this.#origin);
    return { ...record, id };
  }
  share(rollId: string): void {
    shareRoll(this.#doc, rollId, this.#origin);
  }

  destroy(): void {
    for (const stop of this.#stops.splice(0)) stop();
  }
}
