import * as Y from "yjs";
import { BroadcastMode, CrawlMap, ClockRecordSchema, DmMap, RollRecordSchema, StepRecordSchema, type RollRecord, MetaKey, parseHexKey, parseRevealKey, PROJECTION_INPUTS, readDmMeta, readRevealLevel, type HexKey, type KnowledgeLevel } from "@hexcrawl/shared";
import { actorOf, isConnectionOrigin, isGameOrigin } from "./origins.ts";

/** What the DM document watcher reports. Every callback gets the transaction origin. */
export interface DmDocumentEvents {
  /** Hexes whose projection may have changed (a player-visible field or a reveal of theirs). */
  hexesChanged(hexes: HexKey[], origin: unknown): void;
  /** Reveal keys set (with their level) or deleted (for the event log). */
  revealsChanged(revealed: Array<{ hex: HexKey; target: string; level: KnowledgeLevel }>, hidden: Array<{ hex: HexKey; target: string }>, origin: unknown): void;
  /** Keys of the `meta` map changed. */
  metaChanged(keys: ReadonlySet<string>, origin: unknown): void;
  /** A map of the crawl (CrawlMap) changed: the keys added or updated, and deleted. */
  crawlChanged(map: CrawlMap, added: string[], deleted: string[], origin: unknown): void;
}

/**
 * Observes a DM document's player-visible parts: every map of PROJECTION_INPUTS (the fields players may see and
 * the landmark flag — a new field needs no new observer), the reveals and the meta. Text fields may hold Y.Text values, so fields are observed deeply: an edit inside a
 * text reports its hex (the first step of the event path). Returns the function that stops observing.
 */
export function watchDmDocument(doc: Y.Doc, events: DmDocumentEvents): () => void {
  const stops: Array<() => void> = [];
  for (const field of PROJECTION_INPUTS) {
    const map = doc.getMap<unknown>(field);
    const onDeep = (evs: Array<Y.YEvent<Y.AbstractType<unknown>>>, tx: Y.Transaction) => {
      const hexes = new Set<HexKey>();
      for (const e of evs) {
        if (e.target === map) for (const key of (e as Y.YMapEvent<unknown>).keysChanged) hexes.add(key);
        else if (typeof e.path[0] === "string") hexes.add(e.path[0]);
      }
      const valid = [...hexes].filter((h) => parseHexKey(h) !== null);
      if (valid.length > 0) events.hexesChanged(valid, tx.origin);
    };
    map.observeDeep(onDeep);
    stops.push(() => map.unobserveDeep(onDeep));
  }

  const reveals = doc.getMap<unknown>(DmMap.reveals);
  const onReveals = (event: Y.YMapEvent<unknown>, tx: Y.Transaction) => {
    const hexes = new Set<HexKey>();
    const revealed: Array<{ hex: HexKey; target: string; level: KnowledgeLevel }> = [];
    const hidden: Array<{ hex: HexKey; target: string }> = [];
    for (const [key, change] of event.changes.keys) {
      const parsed = parseRevealKey(key);
      if (!parsed) continue;
      hexes.add(parsed.hex);
      const level = readRevealLevel(reveals.get(key));
      if (change.action === "delete" || !level) hidden.push({ hex: parsed.hex, target: parsed.target });
      else revealed.push({ hex: parsed.hex, target: parsed.target, level });
    }
    if (hexes.size > 0) events.hexesChanged([...hexes], tx.origin);
    if (revealed.length > 0 || hidden.length > 0) events.revealsChanged(revealed, hidden, tx.origin);
  };
  reveals.observe(onReveals);
  stops.push(() => reveals.unobserve(onReveals));

  for (const name of Object.values(CrawlMap)) {
    const map = doc.getMap<unknown>(name);
    const onCrawl = (event: Y.YMapEvent<unknown>, tx: Y.Transaction) => {
      const added: string[] = [];
      const deleted: string[] = [];
      for (const [key, change] of event.changes.keys) (change.action === "delete" ? deleted : added).push(key);
      events.crawlChanged(name, added, deleted, tx.origin);
    };
    map.observe(onCrawl);
    stops.push(() => map.unobserve(onCrawl));
  }

  const meta = doc.getMap<unknown>(DmMap.meta);
  const onMeta = (event: Y.YMapEvent<unknown>, tx: Y.Transaction) => events.metaChanged(event.keysChanged, tx.origin);
  meta.observe(onMeta);
  stops.push(() => meta.unobserve(onMeta));

  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}

/** What a DM document change means for the game, as callbacks into the room's parts. */
export interface GameReactions {
  /** These hexes may now differ from what players were published (Publisher.markChanged). */
  unpublished(hexes: HexKey[]): void;
  /** Immediate mode: DMs edited these hexes here (ImmediateMode.edited); [] for a meta change. */
  editedHere(hexes: HexKey[]): void;
  /** The mode was switched here: to immediate (publish everything pending) or back to staged. */
  modeSwitched(mode: BroadcastMode): void;
  log(type: string, actorId: string | null, payload: unknown): void;
  /** A DM here showed a roll's result to the players (announced to them once). */
  rollShared(roll: RollRecord): void;
}

/**
 * Watch a DM document for the game (GAME4, GAME8, LOG1): every change but the game server's own marks its hexes
 * unpublished; only a change that arrived on this instance's connections (origin `connection`) feeds immediate
 * mode and the event log — over Redis, the instance that received it does that, so it happens once.
 */
export function watchForGame(doc: Y.Doc, react: GameReactions): () => void {
  const mode = () => readDmMeta(doc).broadcastMode;
  return watchDmDocument(doc, {
    hexesChanged(hexes, origin) {
      // The game server's own writes (a drop) bring the DM document back to what is published.
      if (isGameOrigin(origin)) return;
      react.unpublished(hexes);
      if (isConnectionOrigin(origin) && mode() === BroadcastMode.immediate) react.editedHere(hexes);
    },
    revealsChanged(revealed, hidden, origin) {
      if (!isConnectionOrigin(origin)) return;
      if (revealed.length > 0) react.log("reveal", actorOf(origin), { reveals: revealed });
      if (hidden.length > 0) react.log("hide", actorOf(origin), { hides: hidden });
    },
    crawlChanged(map, added, deleted, origin) {
      if (isGameOrigin(origin)) return;
      // Markers, trail and clock go out with the next publish — at once in immediate mode.
      if (isConnectionOrigin(origin) && mode() === BroadcastMode.immediate) react.editedHere([]);
      if (!isConnectionOrigin(origin)) return;
      const actor = actorOf(origin);
      const value = (key: string) => doc.getMap<unknown>(map).get(key);
      for (const key of added) {
        if (map === CrawlMap.trail) {
          const step = StepRecordSchema.safeParse(value(key));
          if (step.success) react.log("move", actor, { party: key.split("|")[0], hex: step.data.hex, shown: step.data.shown, watches: step.data.watches });
        } else if (map === CrawlMap.clock) {
          const entry = ClockRecordSchema.safeParse(value(key));
          if (entry.success) react.log("clock", actor, { watches: entry.data.watches });
        } else if (map === CrawlMap.rolls) {
          const roll = RollRecordSchema.safeParse(value(key));
          if (!roll.success) continue;
          // A new roll is logged; a roll marked shared is logged and announced (once: where the change arrived).
          if (roll.data.shared) {
            react.log("roll_shared", actor, { roll: key, kind: roll.data.kind, text: roll.data.text });
            react.rollShared(roll.data);
          } else {
            react.log("roll", actor, { roll: key, kind: roll.data.kind, text: roll.data.text, hit: roll.data.hit, d100: roll.data.d100, party: roll.data.partyId });
          }
        } else if (map === CrawlMap.partyLost) {
          react.log("party_lost", actor, { party: key });
        }
      }
      if (map === CrawlMap.partyLost) for (const key of deleted) react.log("party_found", actor, { party: key });
    },
    metaChanged(keys, origin) {
      if (!isConnectionOrigin(origin)) return;
      const current = mode();
      if (keys.has(MetaKey.broadcastMode)) {
        react.log("mode", actorOf(origin), { mode: current });
        react.modeSwitched(current);
      }
      // A map name or grid change reaches the players' meta with the next immediate publish.
      if (current === BroadcastMode.immediate) react.editedHere([]);
    },
  });
}
