import type * as Y from "yjs";
import { HEX_FIELDS, playerMaps } from "@hexcrawl/shared/model";
import { readSession, SessionStatus } from "@hexcrawl/shared/session";


/** How long a newly revealed hex stays highlighted on the player's map. */
export const REVEAL_HIGHLIGHT_MS = 3_000;

/**
 * What a player document says besides the map: the session status (the server writes it), and which
 * hexes just appeared (revealed while the player watches), for a brief highlight.
 *
 * A hex counts as "new" when it enters the view in a transaction that came from the server after the
 * first sync: the IndexedDB load and the first sync are what the player already had, not news. The
 * view is the player's own document over the party document (`party`, PROJ15): a hex is known while
 * either has it, so a hex moving from one to the other is not "new".
 */
export class PlayerSession {
  readonly #docs: Y.Doc[];
  readonly #session: Y.Map<unknown>;
  readonly #fields: Y.Map<unknown>[];
  readonly #isLive: (origin: unknown) => boolean;
  readonly #known = new Set<string>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #status = $state<SessionStatus>(SessionStatus.waiting);
  #highlighted = $state<ReadonlySet<string>>(new Set());
  #revealedCount = $state(0);
  readonly #onSession: () => void;
  readonly #onTransaction: (tr: Y.Transaction) => void;

  /**
   * @param doc the player document (session status, the player's own hexes)
   * @param isLive true when a transaction with this origin is a live server change (not the first sync)
   * @param party the party document (hexes published to everyone), when separate
   */
  constructor(doc: Y.Doc, isLive: (origin: unknown) => boolean, party: Y.Doc | null = null) {
    this.#docs = party ? [doc, party] : [doc];
    this.#isLive = isLive;
    const maps = playerMaps(doc);
    this.#session = maps.session;
    this.#fields = this.#docs.flatMap((d) => {
      const m = playerMaps(d);
      return HEX_FIELDS.map((f) => m[f]);
    });
    this.#onSession = () => {
      this.#status = readSession(doc).status;
    };
    this.#onTransaction = (tr) => this.#afterTransaction(tr);
    this.#session.observe(this.#onSession);
    for (const d of this.#docs) d.on("afterTransaction", this.#onTransaction);
    this.#onSession();
    for (const m of this.#fields) for (const k of m.keys()) this.#known.add(k);
    this.#revealedCount = this.#known.size;
  }

  #afterTransaction(tr: Y.Transaction): void {
    const touched = new Set<string>();
    const fields = new Set<unknown>(this.#fields);
    for (const [type, keys] of tr.changed) {
      if (fields.has(type)) for (const k of keys) if (k !== null) touched.add(k);
    }
    if (touched.size === 0) return;
    const fresh: string[] = [];
    for (const k of touched) {
      const present = this.#fields.some((m) => m.has(k));
      if (present && !this.#known.has(k)) {
        this.#known.add(k);
        fresh.push(k);
      } else if (!present) {
        this.#known.delete(k);
      }
    }
    this.#revealedCount = this.#known.size;
    if (fresh.length === 0 || !this.#isLive(tr.origin)) return;
    this.#highlighted = new Set([...this.#highlighted, ...fresh]);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const next = new Set(this.#highlighted);
      for (const k of fresh) next.delete(k);
      this.#highlighted = next;
    }, REVEAL_HIGHLIGHT_MS);
    this.#timers.add(timer);
  }

  /** Session status as the server last wrote it (`waiting` until it did). */
  get status(): SessionStatus {
    return this.#status;
  }
  /** Hexes that appeared in the last REVEAL_HIGHLIGHT_MS. */
  get highlighted(): ReadonlySet<string> {
    return this.#highlighted;
  }
  /** Hexes the player can see. */
  get revealedCount(): number {
    return this.#revealedCount;
  }

  destroy(): void {
    this.#session.unobserve(this.#onSession);
    for (const d of this.#docs) d.off("afterTransaction", this.#onTransaction);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
