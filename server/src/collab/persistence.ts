import type { Extension } from "@hocuspocus/server";
import { Database as DatabaseExtension } from "@hocuspocus/extension-database";
import type { DocumentStore } from "../db/DocumentStore.ts";

/**
 * Documents persisted in Postgres through @hocuspocus/extension-database.
 * `fetch` throws on a database error (the document is not served empty); `store` merges on write.
 */
export function createPersistence(store: DocumentStore): Extension {
  return new DatabaseExtension({
    fetch: async ({ documentName }) => store.fetch(documentName),
    store: async ({ documentName, state }) => store.store(documentName, state),
  });
}
