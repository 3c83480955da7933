import * as Y from "yjs";
import { Database } from "@hocuspocus/extension-database";
import type {
  Document,
  Hocuspocus,
  LocalTransactionOrigin,
  afterLoadDocumentPayload,
  beforeUnloadDocumentPayload,
  fetchPayload,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
  storePayload,
} from "@hocuspocus/server";
import { applyStored, type DocumentStore, type JournalKey, type StoreResult, type StoredUpdate } from "../db/DocumentStore.ts";
import { RetryingStore, StoreAbortedError, STORE_BACKOFF, type BackoffPolicy } from "./RetryingStore.ts";
import { JOURNAL_BACKOFF, UpdateJournal } from "./UpdateJournal.ts";
import { JournalExtension } from "./JournalExtension.ts";
import { isConnectionOrigin } from "./transactionOrigin.ts";

/**
 * Runs before @hocuspocus/extension-redis (priority 1000). Its onStoreDocument takes a Redis lock and, when the
 * lock is held elsewhere OR Redis is unreachable, throws SkipFurtherHooksError — which would skip our store.
 * Our stores never overwrite what they did not see (STORE5), so the lock buys nothing and skipping would lose edits
 * during a Redis outage (DUR4).
 */
export const PERSISTENCE_PRIORITY = 1100;

/**
 * Journal entries of one document (held by this instance's memory, not yet in its row) that force a compaction —
 * a store now instead of at the end of the debounce — when reached (DUR11). At the production debounce (1 s, at
 * most 5 s) a document reaches it only above ~100 client updates per second, or when stores fail while appends
 * succeed.
 */
export const JOURNAL_COMPACT_ROWS = 500;
/** Bytes of such entries that force a compaction (DUR11): a few large sync messages (offline merges). */
export const JOURNAL_COMPACT_BYTES = 4 * 1024 * 1024;

/**
 * Transaction origin of the stored state this extension applies to an in-memory document: what a store found in the
 * database and merged (content stored by another instance). `local`, so Hocuspocus broadcasts it to this instance's
 * clients and the Redis extension announces it to other instances; `skipStoreHooks`, because it is already stored.
 */
export const PERSISTENCE_ORIGIN: LocalTransactionOrigin = { source: "local", skipStoreHooks: true, context: { persistence: "merged" } };

/** A journal entry the in-memory document holds: its key and size. */
interface HeldEntry {
  key: JournalKey;
  bytes: number;
}

/** What this instance knows about one loaded document. */
interface DocState {
  /** Incremented on every change after the load (any origin: connection, server, Redis). */
  generation: number;
  /** The generation last written to the database. */
  storedGeneration: number;
  /**
   * The generation of the latest change that neither the row nor the journal holds: a server write (a publish), a
   * change over Redis, a migration — anything but a journaled client update or stored state merged back (DUR14).
   * 0 when every change since the load is in the journal.
   */
  uncovered: number;
  /** The last store was abandoned (shutdown): the document holds changes the database lacks. */
  failed: boolean;
  /**
   * The latest stored version this document is known to contain (from the load, or the last store); undefined when
   * the document had no row. Passed as the store's base: while no other writer stored since, the store replaces the
   * row without merging.
   */
  version: number | undefined;
  /**
   * Journal entries this document holds that its row may not: loaded with it, or appended by this instance and
   * applied. Oldest first; a store takes them from the front (stores of one document never overlap, see storeState).
   */
  journal: HeldEntry[];
  journalBytes: number;
  /** Entries a stored row holds whose deletion failed: deleted with the next store. */
  compacted: JournalKey[];
  /** A compaction was forced and has not finished: do not force another one. */
  forcing: boolean;
  /** Fetched journal entries, until onLoadDocument applied them after the row. */
  tail: StoredUpdate[];
  /**
   * Client updates being journaled or applied (JournalExtension, between its before- and afterHandleMessage). While
   * any is, the document must not unload: a connection that closed keeps its held messages, and Hocuspocus applies
   * them after the outage — to a destroyed document, were it unloaded meanwhile (DUR9).
   */
  handling: number;
}

export interface PersistenceOptions {
  backoff?: BackoffPolicy;
  /** Retrying a failed journal append (default JOURNAL_BACKOFF). */
  journalBackoff?: BackoffPolicy;
  /** Forced-compaction thresholds (defaults JOURNAL_COMPACT_ROWS / JOURNAL_COMPACT_BYTES). */
  compactRows?: number;
  compactBytes?: number;
}

/**
 * Documents persisted through a DocumentStore (PERS1, DUR1–DUR6, DUR9–DUR14 in SPEC.md), built on
 * `@hocuspocus/extension-database`'s `Database` extension: its `onLoadDocument` calls our `fetch` and applies what it
 * returns; its `onStoreDocument` encodes the document and calls our `store`. Around those two calls:
 * - load: `fetch` throws on a database error, so an unreadable document is never served empty. The library applies
 *   the row; the journal entries follow in append order; the row's version and the journal keys are remembered, and
 *   changes are counted only from after the stored state was applied (a non-empty journal counts as one: the row
 *   lacks it);
 * - store: retried with capped exponential backoff until it succeeds (or the server shuts down), the first attempt
 *   writing the library's encoding, every later one the document's state at that moment, with the version the
 *   document contains as base. While nobody else stored since, the row is replaced without merging; otherwise the
 *   store merges (so retries and concurrent instances never lose edits) and the merge is applied here, so that the
 *   document again contains everything stored. The journal entries the stored state holds are then deleted
 *   (compaction). A store with nothing new is skipped before the library encodes, and so is one whose every change
 *   since the row is in the journal, below the compaction thresholds (DUR14);
 * - unload: a document with changes the database lacks is stored first — or, when that cannot happen any more
 *   (shutdown after a failed store), kept in memory by refusing the unload.
 * Client updates are appended to the journal before they are applied by JournalExtension, through `journal`.
 */
export class DocumentPersistence extends Database {
  readonly extensionName = "hexcrawl-persistence";
  readonly priority = PERSISTENCE_PRIORITY;
  private readonly states = new WeakMap<Document, DocState>();
  readonly retrying: RetryingStore;
  /** Group commit of client updates (JournalExtension appends, this class compacts). */
  readonly journal: UpdateJournal;
  private readonly compactRows: number;
  private readonly compactBytes: number;
  private lastForgetWarnAt = 0;
  /** Debounced stores skipped because the journal holds every change (DUR14). */
  readonly stats = { deferredStores: 0 };

  private readonly documents: DocumentStore;

  constructor(documents: DocumentStore, opts: PersistenceOptions = {}) {
    super({});
    this.documents = documents;
    this.retrying = new RetryingStore((name, update, base) => documents.store(name, update, base), opts.backoff ?? STORE_BACKOFF);
    this.journal = new UpdateJournal(documents, opts.journalBackoff ?? JOURNAL_BACKOFF);
    this.compactRows = opts.compactRows ?? JOURNAL_COMPACT_ROWS;
    this.compactBytes = opts.compactBytes ?? JOURNAL_COMPACT_BYTES;
    // The library's configuration: `this` is only available after super(), hence assigned here.
    this.configuration = {
      fetch: (data) => this.fetchStored(data),
      store: (data) => this.storeState(data),
    };
  }

  /**
   * The library fetches (fetchStored) and applies the row; then the journal entries are applied, in the order they
   * were appended, in one transaction (each entry's dependencies come before it: linear, where Y.mergeUpdates of
   * the lot was quadratic — 1.7 s for 5,000 entries). Only then do changes count as unstored.
   */
  override async onLoadDocument(data: onLoadDocumentPayload): Promise<void> {
    // No try/catch: a database error must fail the load (DocumentStore.fetch contract).
    await super.onLoadDocument(data);
    const state = this.states.get(data.document);
    if (!state) throw new Error(`${data.documentName}: loaded without a fetch`);
    const tail = state.tail;
    state.tail = [];
    if (tail.length > 0) {
      applyStored(data.document, { state: null, version: null, journal: tail }, null, (entry, err) =>
        console.warn(`[persistence] ${data.documentName}: journal entry ${entry.key.writer}/${entry.key.seq} does not apply, skipped:`, err instanceof Error ? err.message : err),
      );
    }
    // Registered after the stored state was applied: what came from the database is not "unstored". Changes made by
    // later onLoadDocument/afterLoadDocument hooks (schema migration) are counted.
    data.document.on("update", (_update: Uint8Array, origin: unknown) => {
      state.generation += 1;
      // A client update is applied between JournalExtension's before- and afterHandleMessage (`handling`), after its
      // append committed: the journal holds it. Without the JournalExtension installed nothing is `handling`.
      const journaled = state.handling > 0 && isConnectionOrigin(origin);
      if (!journaled && origin !== PERSISTENCE_ORIGIN) state.uncovered = state.generation;
    });
  }

  /** A document loaded with journal entries: compact them into its row with the next (debounced) store. */
  async afterLoadDocument({ instance, documentName, document }: afterLoadDocumentPayload): Promise<void> {
    const state = this.states.get(document);
    if (!state || state.journal.length === 0) return;
    // Debounced even over the thresholds: a store right away would end with Hocuspocus's unload check, which could
    // run before the connection that is loading this document is attached.
    this.scheduleCompaction(instance, documentName, document, state, false);
  }

  /**
   * Hocuspocus queues a store per debounce tick; after an outage many are queued. Skip those with nothing new, and
   * those whose every change since the row is in the journal while the journal is below the compaction thresholds
   * (DUR14): no full-state encode and write per debounce for a document only its clients edit here.
   */
  override async onStoreDocument(data: onStoreDocumentPayload): Promise<void> {
    const state = this.states.get(data.document);
    if (state && state.generation === state.storedGeneration && !state.failed) {
      // The row holds the whole document, so also every journal entry the document holds (e.g. a client update that
      // changed nothing, so no store followed it): delete them.
      this.takeJournal(state, state.journal.length);
      await this.forgetCompacted(data.documentName, state);
      return;
    }
    if (state && !state.failed && state.uncovered <= state.storedGeneration && !this.overThresholds(state)) {
      this.stats.deferredStores += 1;
      return;
    }
    await this.snapshot(data);
  }

  /** Encode the document and write it to its row (retried), then delete the journal entries the row now holds. */
  private snapshot(data: onStoreDocumentPayload): Promise<void> {
    return super.onStoreDocument(data);
  }

  /**
   * Hocuspocus unloads a document once its last connection left and no store is pending. Changes may still be
   * unstored here: ones that arrived from another instance over Redis (Hocuspocus stores only changes made on
   * this instance), or ones whose store was abandoned at shutdown. Store them first; refuse the unload if we cannot.
   * (Held client updates keep the document loaded by themselves: Hocuspocus waits for a closed connection's queued
   * messages before it considers unloading.)
   */
  async beforeUnloadDocument({ instance, documentName, document }: beforeUnloadDocumentPayload): Promise<void> {
    const state = this.states.get(document);
    if (!state) return;
    if (state.handling > 0) {
      // Hocuspocus unloads once the last connection left and a store finished, without looking at a closed
      // connection's queued messages. Refusing keeps the document; the closed connection's own close handler
      // unloads it once its messages are applied (and their store, if they changed anything, has run).
      throw new Error(`keeping ${documentName} in memory: ${state.handling} client update(s) are being stored`);
    }
    if (state.generation === state.storedGeneration) {
      // Nothing unstored. Journal entries left behind (a failed delete) are harmless: the next load reads and compacts them.
      if (state.journal.length > 0 || state.compacted.length > 0) {
        this.takeJournal(state, state.journal.length);
        await this.forgetCompacted(documentName, state);
      }
      return;
    }
    if (this.retrying.stopped) {
      // Shutdown: what the journal holds is stored (the next load compacts it); anything else would be lost.
      if (state.uncovered <= state.storedGeneration && !state.failed) return;
      throw new Error(`keeping ${documentName} in memory: it holds changes the database does not have`);
    }
    // Compact the journal into the row before the document leaves memory (DUR3, DUR14).
    await document.saveMutex.runExclusive(() => this.snapshot(storePayloadFor(instance, documentName, document)));
  }

  async onDestroy(): Promise<void> {
    this.journal.stop();
    this.retrying.stop();
  }

  /** JournalExtension: a client update for `document` is being journaled and applied (see DocState.handling). */
  handlingStarted(document: Document): void {
    const state = this.states.get(document);
    if (state) state.handling += 1;
  }

  /** JournalExtension: that update was applied, or refused, or the journal stopped. */
  handlingEnded(document: Document): void {
    const state = this.states.get(document);
    if (state) state.handling = Math.max(0, state.handling - 1);
  }

  /**
   * JournalExtension: `document` has applied the client update committed under `key`. The next store compacts it;
   * past the thresholds, that store runs now.
   */
  journaled(instance: Hocuspocus, document: Document, key: JournalKey, bytes: number): void {
    const state = this.states.get(document);
    if (!state) return; // not loaded through us: its next load reads the entry from the journal
    state.journal.push({ key, bytes });
    state.journalBytes += bytes;
    if (this.overThresholds(state)) this.scheduleCompaction(instance, document.name, document, state, true);
  }

  /**
   * Names of loaded documents holding changes the database lacks — in neither the row nor the journal (tests,
   * health). A document whose latest changes are only in the journal is stored (DUR14).
   */
  unstoredDocuments(documents: Map<string, Document>): string[] {
    const names: string[] = [];
    for (const [name, doc] of documents) {
      const state = this.states.get(doc);
      if (state && (state.uncovered > state.storedGeneration || state.failed)) names.push(name);
    }
    return names;
  }

  /** The stored version a loaded document is known to contain (tests, diagnostics); undefined when none. */
  storedVersion(document: Document): number | undefined {
    return this.states.get(document)?.version;
  }

  /** Journal entries a loaded document holds that its row may not (tests, diagnostics). */
  journalLength(document: Document): number {
    return this.states.get(document)?.journal.length ?? 0;
  }

  /** The library's `fetch`: the row (applied by the library); its version, and the journal entries, kept for later. */
  private async fetchStored({ documentName, document }: fetchPayload): Promise<Uint8Array | null> {
    const stored = await this.documents.fetch(documentName);
    const tail = stored?.journal ?? [];
    const journal: HeldEntry[] = tail.map((e) => ({ key: e.key, bytes: e.update.byteLength }));
    this.states.set(document, {
      // The row lacks what the journal added: one change to store.
      generation: journal.length > 0 ? 1 : 0,
      storedGeneration: 0,
      uncovered: 0,
      failed: false,
      version: stored?.version ?? undefined,
      journal,
      journalBytes: journal.reduce((sum, e) => sum + e.bytes, 0),
      compacted: [],
      forcing: false,
      tail,
      handling: 0,
    });
    return stored?.state ?? null;
  }

  /**
   * The library's `store`, called with the state it has just encoded. Callers hold `document.saveMutex` (Hocuspocus
   * runs onStoreDocument under it; beforeUnloadDocument takes it), so one document's stores on this instance never
   * overlap; were they to, the second would pass a stale base and merge, which is correct, only slower.
   */
  private async storeState({ documentName, document, state: encoded }: storePayload): Promise<void> {
    // The first attempt writes the library's encoding (taken synchronously before this call, so it matches the
    // generation and journal read below); every retry encodes afresh, so it writes everything edited meanwhile.
    let first: Uint8Array | null = encoded;
    const encode = (): Uint8Array => {
      const update = first ?? Y.encodeStateAsUpdate(document);
      first = null;
      return update;
    };
    const state = this.states.get(document);
    if (!state) {
      // Not loaded through us (cannot happen with this extension installed): no known version, so the store merges.
      const result = await this.retrying.store(documentName, () => ({ update: encode() }));
      if (result.merged) Y.applyUpdate(document, result.merged, PERSISTENCE_ORIGIN);
      return;
    }
    let encodedAt = state.generation;
    let journalAt = state.journal.length;
    let result: StoreResult;
    try {
      result = await this.retrying.store(documentName, () => {
        // The base is read with the encode: the version the encoded state is known to contain; likewise the journal
        // entries it holds (those applied so far).
        encodedAt = state.generation;
        journalAt = state.journal.length;
        return { update: encode(), base: state.version };
      });
    } catch (err) {
      if (err instanceof StoreAbortedError) state.failed = true;
      throw err;
    }
    state.failed = false;
    state.storedGeneration = Math.max(state.storedGeneration, encodedAt);
    // Versions only grow; max keeps the newest should results ever arrive out of order (each one's state is in the
    // document by the end of this step).
    state.version = Math.max(state.version ?? 0, result.version);
    if (result.merged) {
      // The row held content this document lacked (another instance's, or our own write whose answer was lost):
      // take it in, so the next store takes the fast path again and this instance's clients see it.
      const unchangedSinceEncode = state.generation === encodedAt;
      Y.applyUpdate(document, result.merged, PERSISTENCE_ORIGIN);
      // Applying it is a change (the generation moves) but nothing the database lacks: it IS the stored state. When
      // nothing else changed since the encode, the document equals the stored row; otherwise the later changes keep
      // the generation ahead and are stored by their own (fast-path) store.
      if (unchangedSinceEncode) state.storedGeneration = state.generation;
    }
    // The row now holds every entry applied before the encode: delete them from the journal.
    this.takeJournal(state, journalAt);
    await this.forgetCompacted(documentName, state);
  }

  /** Move the oldest `n` held entries to `compacted` (a stored row holds them). */
  private takeJournal(state: DocState, n: number): void {
    for (const entry of state.journal.splice(0, n)) {
      state.compacted.push(entry.key);
      state.journalBytes -= entry.bytes;
    }
    if (state.journal.length === 0) state.journalBytes = 0;
  }

  /** Delete the compacted entries. Best effort: on failure they stay (harmless, the row holds them) for the next store. */
  private async forgetCompacted(documentName: string, state: DocState): Promise<void> {
    if (state.compacted.length === 0) return;
    const keys = state.compacted.splice(0);
    try {
      await this.documents.forget(documentName, keys);
    } catch (err) {
      state.compacted.unshift(...keys);
      const now = Date.now();
      if (now - this.lastForgetWarnAt >= 10_000) {
        this.lastForgetWarnAt = now;
        console.warn(`[persistence] deleting compacted journal entries of ${documentName} failed:`, err instanceof Error ? err.message : err);
      }
    }
  }

  private overThresholds(state: DocState): boolean {
    return state.journal.length >= this.compactRows || state.journalBytes >= this.compactBytes;
  }

  /** Store `document` through Hocuspocus's store hooks: debounced, or now (cancelling the pending debounce). */
  private scheduleCompaction(instance: Hocuspocus, documentName: string, document: Document, state: DocState, now: boolean): void {
    if (now) {
      if (state.forcing) return;
      state.forcing = true;
    }
    const done = instance.storeDocumentHooks(document, storePayloadFor(instance, documentName, document), now);
    if (now) {
      void Promise.resolve(done).finally(() => {
        state.forcing = false;
      });
    }
  }
}

/** The payload of a store this extension starts itself (not after a change: no origin, no context). */
function storePayloadFor(instance: Hocuspocus, documentName: string, document: Document): onStoreDocumentPayload {
  return { instance, documentName, document, clientsCount: document.getConnectionsCount(), lastContext: {}, lastTransactionOrigin: null };
}

/**
 * The persistence extensions for a store: DocumentPersistence, and the JournalExtension that appends client updates
 * to its journal before Hocuspocus applies them.
 */
export function createPersistence(store: DocumentStore, opts: PersistenceOptions = {}): [DocumentPersistence, JournalExtension] {
  const persistence = new DocumentPersistence(store, opts);
  return [persistence, new JournalExtension(persistence)];
}
