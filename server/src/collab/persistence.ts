import * as Y from "yjs";
import type {
  Extension,
  Document,
  LocalTransactionOrigin,
  beforeUnloadDocumentPayload,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
} from "@hocuspocus/server";
import type { DocumentStore, StoreResult } from "../db/DocumentStore.ts";
import { RetryingStore, StoreAbortedError, STORE_BACKOFF, type BackoffPolicy } from "./RetryingStore.ts";

/**
 * Runs before @hocuspocus/extension-redis (priority 1000). Its onStoreDocument takes a Redis lock and, when the
 * lock is held elsewhere OR Redis is unreachable, throws SkipFurtherHooksError — which would skip our store.
 * Our stores never overwrite what they did not see (STORE5), so the lock buys nothing and skipping would lose edits
 * during a Redis outage (DUR4).
 */
export const PERSISTENCE_PRIORITY = 1100;

/**
 * Transaction origin of the stored state this extension applies to an in-memory document: what a store found in the
 * database and merged (content stored by another instance). `local`, so Hocuspocus broadcasts it to this instance's
 * clients and the Redis extension announces it to other instances; `skipStoreHooks`, because it is already stored.
 */
export const PERSISTENCE_ORIGIN: LocalTransactionOrigin = { source: "local", skipStoreHooks: true, context: { persistence: "merged" } };

/** What this instance knows about one loaded document. */
interface DocState {
  /** Incremented on every change after the load (any origin: connection, server, Redis). */
  generation: number;
  /** The generation last written to the database. */
  storedGeneration: number;
  /** The last store was abandoned (shutdown): the document holds changes the database lacks. */
  failed: boolean;
  /**
   * The latest stored version this document is known to contain (from the load, or the last store); undefined when
   * the document had no row. Passed as the store's base: while no other writer stored since, the store replaces the
   * row without merging.
   */
  version: number | undefined;
}

export interface PersistenceOptions {
  backoff?: BackoffPolicy;
}

/**
 * Documents persisted through a DocumentStore (DUR1–DUR6 in SPEC.md):
 * - load: `fetch` throws on a database error, so an unreadable document is never served empty;
 * - store: retried with capped exponential backoff until it succeeds (or the server shuts down), each attempt
 *   writing the document's current state with the version it contains as base. While nobody else stored since, the
 *   row is replaced without merging; otherwise the store merges (so retries and concurrent instances never lose
 *   edits) and the merge is applied here, so that the document again contains everything stored;
 * - unload: a document with changes the database lacks is stored first — or, when that cannot happen any more
 *   (shutdown after a failed store), kept in memory by refusing the unload.
 */
export class DocumentPersistence implements Extension {
  readonly extensionName = "hexcrawl-persistence";
  readonly priority = PERSISTENCE_PRIORITY;
  private readonly states = new WeakMap<Document, DocState>();
  readonly retrying: RetryingStore;

  constructor(
    private readonly store: DocumentStore,
    opts: PersistenceOptions = {},
  ) {
    this.retrying = new RetryingStore((name, update, base) => store.store(name, update, base), opts.backoff ?? STORE_BACKOFF);
  }

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    // No try/catch: a database error must fail the load (DocumentStore.fetch contract).
    const stored = await this.store.fetch(documentName);
    if (stored) Y.applyUpdate(document, stored.state);
    const state: DocState = { generation: 0, storedGeneration: 0, failed: false, version: stored?.version };
    this.states.set(document, state);
    // Registered after applying the stored state: what came from the database is not "unstored".
    document.on("update", () => {
      state.generation += 1;
    });
  }

  async onStoreDocument({ documentName, document }: onStoreDocumentPayload): Promise<void> {
    await this.storeNow(documentName, document);
  }

  /**
   * Hocuspocus unloads a document once its last connection left and no store is pending. Changes may still be
   * unstored here: ones that arrived from another instance over Redis (Hocuspocus stores only changes made on
   * this instance), or ones whose store was abandoned at shutdown. Store them first; refuse the unload if we cannot.
   */
  async beforeUnloadDocument({ documentName, document }: beforeUnloadDocumentPayload): Promise<void> {
    const state = this.states.get(document);
    if (!state || state.generation === state.storedGeneration) return;
    if (this.retrying.stopped) {
      throw new Error(`keeping ${documentName} in memory: it holds changes the database does not have`);
    }
    await document.saveMutex.runExclusive(() => this.storeNow(documentName, document));
  }

  async onDestroy(): Promise<void> {
    this.retrying.stop();
  }

  /** Names of loaded documents whose latest changes are not in the database yet (tests, health). */
  unstoredDocuments(documents: Map<string, Document>): string[] {
    const names: string[] = [];
    for (const [name, doc] of documents) {
      const state = this.states.get(doc);
      if (state && state.generation !== state.storedGeneration) names.push(name);
    }
    return names;
  }

  /** The stored version a loaded document is known to contain (tests, diagnostics); undefined when none. */
  storedVersion(document: Document): number | undefined {
    return this.states.get(document)?.version;
  }

  /**
   * Store the document's current state. Callers hold `document.saveMutex` (Hocuspocus runs onStoreDocument under it;
   * beforeUnloadDocument takes it), so one document's stores on this instance never overlap; were they to, the second
   * would pass a stale base and merge, which is correct, only slower.
   */
  private async storeNow(documentName: string, document: Document): Promise<void> {
    const state = this.states.get(document);
    if (!state) {
      // Not loaded through us (cannot happen with this extension installed): no known version, so the store merges.
      const result = await this.retrying.store(documentName, () => ({ update: Y.encodeStateAsUpdate(document) }));
      if (result.merged) Y.applyUpdate(document, result.merged, PERSISTENCE_ORIGIN);
      return;
    }
    // Hocuspocus queues a store per debounce tick; after an outage many are queued. Skip those with nothing new.
    if (state.generation === state.storedGeneration && !state.failed) return;
    let encodedAt = state.generation;
    let result: StoreResult;
    try {
      result = await this.retrying.store(documentName, () => {
        // The base is read with the encode: the version the encoded state is known to contain.
        encodedAt = state.generation;
        return { update: Y.encodeStateAsUpdate(document), base: state.version };
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
  }
}

/** The persistence extension for a store (see DocumentPersistence). */
export function createPersistence(store: DocumentStore, opts: PersistenceOptions = {}): DocumentPersistence {
  return new DocumentPersistence(store, opts);
}
