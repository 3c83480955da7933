import type { Connection, Extension, afterHandleMessagePayload, beforeHandleMessagePayload } from "@hocuspocus/server";
import type { JournalKey } from "../db/DocumentStore.ts";
import type { DocumentPersistence } from "./persistence.ts";
import { documentUpdateOf } from "./messageChecks.ts";

/**
 * After every other extension's beforeHandleMessage (the guards, and any validator added later): an update another
 * extension refuses must never reach the journal, or the next load would apply what the server refused.
 */
export const JOURNAL_PRIORITY = 10;

/**
 * Acknowledged means durable (DUR9): every document update a client connection sends is appended to the journal
 * (group commit, UpdateJournal) before Hocuspocus applies it and answers the sender's SyncStatus.
 *
 * Where the hold sits: Hocuspocus 4.7 handles one connection's messages strictly one after the other
 * (`Connection.processMessages` awaits `beforeHandleMessage`, then `MessageReceiver.apply` — which applies the update
 * and only then sends the SyncStatus acknowledgement —, then `afterHandleMessage`, and only then looks at the next
 * message). Awaiting the append in `beforeHandleMessage` therefore holds the acknowledgement until the update is in
 * Postgres, and holds every later message of that connection behind it, in order (updates, awareness, stateless
 * commands); other connections are not held. During a database outage the append waits (UpdateJournal retries), so
 * nothing is acknowledged that is not stored, nothing is dropped and nothing is reordered; a connection that closes
 * meanwhile still has its held messages applied once they are stored (Hocuspocus waits for them before it runs the
 * disconnect hooks or unloads the document).
 *
 * Not journaled: read-only connections (Hocuspocus does not apply their updates), sync step 1, empty updates,
 * awareness, stateless messages, and every change that does not come from a client connection (server writes, Redis,
 * merges found by a store) — those are stored by the debounced snapshot store. What the journal holds waits for a
 * snapshot only when something outside it needs one, or at 500 entries, or at unload (DUR14).
 */
export class JournalExtension implements Extension {
  readonly extensionName = "hexcrawl-journal";
  readonly priority = JOURNAL_PRIORITY;
  /** The entry of the message a connection is handling (one at a time per connection), until it was applied. */
  private readonly handling = new WeakMap<Connection, { key: JournalKey; bytes: number }>();

  private readonly persistence: DocumentPersistence;

  constructor(persistence: DocumentPersistence) {
    this.persistence = persistence;
  }

  async beforeHandleMessage({ connection, document, documentName, update: frame }: beforeHandleMessagePayload): Promise<void> {
    if (connection.readOnly) return;
    const update = documentUpdateOf(frame);
    if (!update) return;
    // Until afterHandleMessage the document must stay loaded, even if this connection closes meanwhile.
    this.persistence.handlingStarted(document);
    let key: JournalKey;
    try {
      // Rejects only at shutdown (JournalStoppedError): Hocuspocus then closes the connection, nothing was acknowledged.
      key = await this.persistence.journal.append(documentName, update);
    } catch (err) {
      this.persistence.handlingEnded(document);
      throw err;
    }
    this.handling.set(connection, { key, bytes: update.byteLength });
  }

  async afterHandleMessage({ connection, document, instance }: afterHandleMessagePayload): Promise<void> {
    const entry = this.handling.get(connection);
    if (!entry) return;
    this.handling.delete(connection);
    this.persistence.journaled(instance, document, entry.key, entry.bytes);
    this.persistence.handlingEnded(document);
  }
}
