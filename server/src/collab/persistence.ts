import * as Y from "yjs";
import type {
  Extension,
  Document,
  beforeUnloadDocumentPayload,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
} from "@hocuspocus/server";
import type { DocumentStore } from "../db/DocumentStore.ts";
import { RetryingStore, StoreAbortedError, STORE_BACKOFF, type BackoffPolicy } from "./RetryingStore.ts";

/**
 * Runs before @hocuspocus/extension-redis (priority 1000). Its onStoreDocument takes a Redis lock and, when the
 * lock is held elsewhere OR Redis is unreachable, throws SkipFurtherHooksError — which would skip our store.
 * Our stores merge (STORE5), so the lock buys nothing and skipping would lose edits during a Redis outage (DUR4).
 */
export const PERSISTENCE_PRIORITY = 1100;

/** What this instance knows about one loaded document. */
interface DocState {
  /** Incremented on every change after the load (any origin: connection, server, Redis). */
  generation: number;
  /** The generation last written to the database. */
  storedGeneration: number;
  /** The last store was abandoned (shutdown): the document holds changes the database lacks. */
  failed: boolean;
}

export interface PersistenceOptions {
  backoff?: BackoffPolicy;
}

/**
 * Documents persisted through a DocumentStore (DUR1–DUR6 in SPEC.md):
 * - load: `fetch` throws on a database error, so an unreadable document is never served empty;
 * - store: retried with capped exponential backoff until it succeeds (or the server shuts down), each attempt
 *   writing the document's current state; the store merges, so retries and concurrent instances never lose edits;
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
    this.retrying = new RetryingStore((name, state) => store.store(name, state), opts.backoff ?? STORE_BACKOFF);
  }

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    // No try/catch: a database error must fail the load (DocumentStore.fetch contract).
    const stored = await this.store.fetch(documentName);
    if (stored) Y.applyUpdate(document, stored);
    const state: DocState = { generation: 0, storedGeneration: 0, failed: false };
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

  private async storeNow(documentName: string, document: Document): Promise<void> {
    const state = this.states.get(document);
    if (!state) {
      // Not loaded through us (cannot happen with this extension installed); store anyway, never skip.
      await this.retrying.store(documentName, () => Y.encodeStateAsUpdate(document));
      return;
    }
    // Hocuspocus queues a store per debounce tick; after an outage many are queued. Skip those with nothing new.
    if (state.generation === state.storedGeneration && !state.failed) return;
    let encodedAt = state.generation;
    try {
      await this.retrying.store(documentName, () => {
        encodedAt = state.generation;
        return Y.encodeStateAsUpdate(document);
      });
    } catch (err) {
      if (err instanceof StoreAbortedError) state.failed = true;
      throw err;
    }
    state.failed = false;
    state.storedGeneration = Math.max(state.storedGeneration, encodedAt);
  }
}

/** The persistence extension for a store (see DocumentPersistence). */
export function createPersistence(store: DocumentStore, opts: PersistenceOptions = {}): DocumentPersistence {
  return new DocumentPersistence(store, opts);
}
