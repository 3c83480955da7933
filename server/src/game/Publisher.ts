import type * as Y from "yjs";
import {
  ALL_PLAYERS,
  applyCrawl,
  applyPlayerMeta,
  crawlEqual,
  projectCrawl,
  readCrawlSource,
  applyView,
  diffViews,
  groupPending,
  HEX_FIELDS,
  hexViewEqual,
  liveRevealIndex,
  mapIsEmpty,
  overlayViews,
  project,
  projectHexes,
  projectPlayerMeta,
  projectPrivate,
  readHexView,
  readPlayerView,
  revertHex,
  scopedHexes,
  type HexKey,
  type HexView,
  type HexViewCache,
  type PendingChange,
  type PendingList,
  type PlayerView,
  type RevealIndex,
} from "@hexcrawl/shared";

/**
 * Publishing (GAME1–GAME3, GAME7, GAME9, GAME10 in SPEC.md): keeps the party document equal to what is revealed
 * to everyone and each player document equal to that player's private part, as of the last publish; lists what a
 * publish would change; drops a pending change. Synchronous over documents it is handed — the room opens them
 * and serializes calls — so a publish cannot interleave with an edit: everything it covers is taken out of the
 * unpublished set in the same tick as it is written.
 */

/** The documents one publish, pending list or drop works on. */
export interface PublishDocs {
  dm: Y.Doc;
  party: Y.Doc;
  /** Every player of the campaign with their own document. */
  players: ReadonlyArray<{ userId: string; doc: Y.Doc }>;
}

/** What a publish changed. */
export interface PublishOutcome {
  /** Distinct hexes changed in the party document or any player document, sorted. */
  hexes: HexKey[];
  /** Players whose view or meta changed. */
  players: string[];
  /** Hexes written in the party document, and in each player's own document (the replay records these). */
  written: { party: HexKey[]; own: ReadonlyMap<string, HexKey[]> };
}

/** Every hex a player (or party) document holds a field of. */
function hexesOf(doc: Y.Doc): Set<HexKey> {
  const out = new Set<HexKey>();
  for (const f of HEX_FIELDS) for (const h of doc.getMap(f).keys()) out.add(h);
  return out;
}

function holdsHex(doc: Y.Doc, hex: HexKey): boolean {
  return HEX_FIELDS.some((f) => doc.getMap(f).has(hex));
}

function hasHexes(doc: Y.Doc): boolean {
  return HEX_FIELDS.some((f) => !mapIsEmpty(doc.getMap(f)));
}

/** Publishing state of one campaign on this instance (reset when the DM document is attached again). */
export class Publisher {
  /**
   * Hexes whose projection may differ from the party or player documents: changed since they were last
   * published or found equal, by anyone but the game server (DM edits here, over Redis, offline merges).
   * "all" until the first full publish or pending list after an attach. Keeps a publish and the pending list
   * proportional to what changed, not to the size of the map.
   */
  #unpublished: Set<HexKey> | "all" = "all";
  /** Players whose documents are known equal to the projection outside `#unpublished`. */
  readonly #inSync = new Set<string>();
  /** Per player: the meta (JSON) last written into their document since the attach. */
  readonly #metaWritten = new Map<string, string>();

  /** Forget everything (a new attach of the DM document): the next publish or pending list covers every hex. */
  reset(): void {
    this.#unpublished = "all";
    this.#inSync.clear();
    this.#metaWritten.clear();
  }

  /** These hexes may differ from what the players were last published. */
  markChanged(hexes: Iterable<HexKey>): void {
    if (this.#unpublished === "all") return;
    for (const h of hexes) this.#unpublished.add(h);
  }

  /** Every hex that may differ (tests and diagnostics); "all" right after an attach. */
  get unpublished(): ReadonlySet<HexKey> | "all" {
    return this.#unpublished;
  }

  /**
   * Publish every unpublished hex, or only `hexes`: the party document gets what is revealed to everyone (one
   * write, one fan-out), each player document that player's private reveals (PROJ15). Party additions are
   * written first, removals last, player documents in between, so a hex moving between the two never leaves a
   * player's view between the updates (GAME9).
   */
  publish(docs: PublishDocs, hexes: readonly HexKey[] | undefined, origin: unknown): PublishOutcome {
    this.#forgetAbsent(docs);
    const taken = this.#unpublished;
    let scope: Set<HexKey> | null;
    if (hexes) {
      scope = new Set(hexes);
      if (taken !== "all") for (const h of hexes) taken.delete(h);
    } else {
      scope = taken === "all" ? null : new Set(taken);
      this.#unpublished = new Set();
    }
    try {
      return this.#write(docs, liveRevealIndex(docs.dm), scope, hexes !== undefined, origin);
    } catch (err) {
      // Nothing counts as published: put the hexes back.
      if (taken === "all" && !hexes) this.#unpublished = "all";
      else this.markChanged(scope ?? []);
      throw err;
    }
  }

  #write(docs: PublishDocs, index: RevealIndex, scope: Set<HexKey> | null, listed: boolean, origin: unknown): PublishOutcome {
    const { dm, party } = docs;
    const meta = projectPlayerMeta(dm);
    const metaJson = JSON.stringify(meta);
    const changedHexes = new Set<HexKey>();
    const changedPlayers: string[] = [];
    const ownWritten = new Map<string, HexKey[]>();

    // Read once for the party and every player (a parse of the DM's parties, settings and timeline each).
    const crawlSource = readCrawlSource(dm);
    // Each hex's view at each level is read once for the party and every player (PROJ19).
    const views: HexViewCache = new Map();
    const partyTarget = projectHexes(dm, ALL_PLAYERS, scope ? [...scope].filter((h) => index.all.has(h)) : index.all.keys(), views);
    const partyRemovals: HexKey[] = [];
    for (const h of scope ?? hexesOf(party)) if (!partyTarget.has(h) && holdsHex(party, h)) partyRemovals.push(h);
    let partyChanged: HexKey[] = [];
    let partyCrawl = false;
    party.transact(() => {
      partyChanged = applyView(party, partyTarget, { hexes: partyTarget.keys(), origin });
      applyPlayerMeta(party, meta, origin);
      // The crawl (parties shown to everyone, the clock) goes out with every publish: a few entries, compared first.
      partyCrawl = applyCrawl(party, projectCrawl(crawlSource, ALL_PLAYERS), origin);
    }, origin);
    const partyRemoved = partyRemovals.length > 0;

    for (const p of docs.players) {
      // A player not in sync since the attach (new member, new instance) gets everything, not a delta.
      const full = !scope || (!listed && !this.#inSync.has(p.userId));
      const target = projectPrivate(dm, p.userId, index, full ? undefined : scope, views);
      let changed: HexKey[] = [];
      let metaChanged = false;
      // The common case of a publish to everyone: nothing private to write or remove here.
      const untouched = target.size === 0 && !hasHexes(p.doc);
      const needsMeta = this.#metaWritten.get(p.userId) !== metaJson;
      const crawl = projectCrawl(crawlSource, p.userId);
      const needsCrawl = !crawlEqual(p.doc, crawl);
      // Hexes, meta and the crawl in one transaction, and none at all when there is nothing to do (immediate mode).
      if (!untouched || needsMeta || needsCrawl) {
        p.doc.transact(() => {
          if (!untouched) changed = applyView(p.doc, target, { ...(full ? {} : { hexes: scope }), origin });
          if (needsMeta) metaChanged = applyPlayerMeta(p.doc, meta, origin);
          if (needsCrawl) metaChanged = applyCrawl(p.doc, crawl, origin) || metaChanged;
        }, origin);
        if (needsMeta) this.#metaWritten.set(p.userId, metaJson);
      }
      if (!listed) this.#inSync.add(p.userId);
      if (changed.length > 0 || metaChanged || partyChanged.length > 0 || partyRemoved || partyCrawl) changedPlayers.push(p.userId);
      for (const h of changed) changedHexes.add(h);
      if (changed.length > 0) ownWritten.set(p.userId, changed);
    }
    if (partyRemoved) for (const h of applyView(party, partyTarget, { hexes: partyRemovals, origin })) partyChanged.push(h);
    for (const h of partyChanged) changedHexes.add(h);
    return { hexes: [...changedHexes].sort(), players: changedPlayers, written: { party: partyChanged, own: ownWritten } };
  }

  /**
   * What publishing now would change: the party document's diff and each player's (own document over the party
   * document), grouped for the DM (shared/src/pending.ts). Hexes found equal everywhere leave the unpublished set,
   * and after an attach the first list turns "all" into the set of hexes that really differ — so later lists
   * cost what changed since.
   */
  pending(docs: PublishDocs): PendingList {
    this.#forgetAbsent(docs);
    const { dm, party } = docs;
    const index = liveRevealIndex(dm);
    const scope = this.#unpublished;
    // Each hex's view at each level is read once for every player (PROJ19).
    const views: HexViewCache = new Map();
    const partyPublished = readScoped(party, scope);
    const partyDiff = diffViews(partyPublished, scope === "all" ? project(dm, ALL_PLAYERS, views) : projectHexes(dm, ALL_PLAYERS, scope, views));
    const players: Array<{ userId: string; changes: PendingChange[] }> = [];
    let partyFull: PlayerView | null = scope === "all" ? partyPublished : null;
    for (const p of docs.players) {
      // A player with no private reveal and an empty own document sees exactly the party document, and the party
      // diff covers the same hexes: their diff IS the party diff (the common case: a table revealing to everyone).
      const own = hasHexes(p.doc);
      if (!own && !index.byPlayer.has(p.userId) && (scope === "all" || this.#inSync.has(p.userId))) {
        players.push({ userId: p.userId, changes: partyDiff });
        continue;
      }
      if (scope === "all" || !this.#inSync.has(p.userId)) {
        partyFull ??= readPlayerView(party);
        players.push({ userId: p.userId, changes: diffViews(overlayViews(partyFull, readPlayerView(p.doc)), project(dm, p.userId, views)) });
        continue;
      }
      // Everything outside `unpublished` is known to be equal: diff only those hexes. The party's view of them is
      // read once (partyPublished); a player whose own document is empty reads nothing more.
      const published: PlayerView = new Map();
      for (const h of scope) {
        const v = (own ? readHexView(p.doc, h) : undefined) ?? partyPublished.get(h);
        if (v) published.set(h, v);
      }
      players.push({ userId: p.userId, changes: diffViews(published, projectHexes(dm, p.userId, scope, views)) });
    }
    this.#settle(docs, index, views);
    const list = groupPending(partyDiff, players);
    // The crawl (markers, trail, clock) is not per hex: the list says who would see it change.
    const crawlSource = readCrawlSource(dm);
    const crawl = {
      everyone: !crawlEqual(party, projectCrawl(crawlSource, ALL_PLAYERS)),
      players: docs.players.filter((p) => !crawlEqual(p.doc, projectCrawl(crawlSource, p.userId))).map((p) => p.userId).sort(),
    };
    return crawl.everyone || crawl.players.length > 0 ? { ...list, crawl } : list;
  }

  /**
   * A player who is not in the list (they left the campaign) is no longer kept in sync: should they come back,
   * their document gets a full publish, not a delta over changes they missed.
   */
  #forgetAbsent(docs: PublishDocs): void {
    const present = new Set(docs.players.map((p) => p.userId));
    for (const id of [...this.#inSync]) if (!present.has(id)) this.#inSync.delete(id);
    for (const id of [...this.#metaWritten.keys()]) if (!present.has(id)) this.#metaWritten.delete(id);
  }

  /**
   * Narrow the unpublished set to the hexes where some document really differs from the projection (the party
   * document from what is revealed to everyone, a player's document from their private part). After this every
   * listed player is in sync. Cost: the unpublished hexes, or the whole map once after an attach.
   */
  #settle(docs: PublishDocs, index: RevealIndex, views: HexViewCache): void {
    const { dm, party } = docs;
    const scope = this.#unpublished;
    const differ = new Set<HexKey>();
    const check = (doc: Y.Doc, target: PlayerView, hexes: Iterable<HexKey>) => {
      for (const h of hexes) if (!hexViewEqual(readHexView(doc, h), target.get(h))) differ.add(h);
    };
    if (scope === "all") {
      const partyTarget = project(dm, ALL_PLAYERS);
      check(party, partyTarget, new Set([...hexesOf(party), ...partyTarget.keys()]));
      for (const p of docs.players) {
        const target = projectPrivate(dm, p.userId, index, undefined, views);
        check(p.doc, target, new Set([...hexesOf(p.doc), ...target.keys()]));
      }
    } else {
      const partyTarget = projectHexes(dm, ALL_PLAYERS, [...scope].filter((h) => index.all.has(h)), views);
      check(party, partyTarget, scope);
      for (const p of docs.players) {
        // A player not in sync may differ anywhere: they keep the unpublished set as it is for them.
        if (!this.#inSync.has(p.userId)) return;
        // Nothing private to differ: no private reveal, an empty own document.
        if (!index.byPlayer.has(p.userId) && !hasHexes(p.doc)) continue;
        const target = projectPrivate(dm, p.userId, index, scope, views);
        check(p.doc, target, scopedHexes(p.doc, target, scope));
      }
    }
    this.#unpublished = differ;
    for (const p of docs.players) this.#inSync.add(p.userId);
  }

  /**
   * Drop the pending change of one hex: revert it in the DM document so that every player's projection of it is
   * what they were last published (revertHex). The documents of players are not touched.
   */
  drop(docs: PublishDocs, hex: HexKey, origin: unknown): boolean {
    const own = new Map<string, HexView | undefined>();
    for (const p of docs.players) own.set(p.userId, readHexView(p.doc, hex));
    const changed = revertHex(docs.dm, hex, { party: readHexView(docs.party, hex), own }, origin);
    // Exact by construction; marked anyway, so the next pending list checks it (the set means "may differ").
    this.markChanged([hex]);
    return changed;
  }
}

/** The published view of a party document, restricted to `scope` unless it is "all". */
function readScoped(party: Y.Doc, scope: ReadonlySet<HexKey> | "all"): PlayerView {
  if (scope === "all") return readPlayerView(party);
  const out: PlayerView = new Map();
  for (const h of scope) {
    const v = readHexView(party, h);
    if (v) out.set(h, v);
  }
  return out;
}
