import type { Hocuspocus } from "@hocuspocus/server";
import type { DocumentHost, OpenDocument } from "./ports.ts";

/**
 * DocumentHost on Hocuspocus: a direct connection per open document, so Hocuspocus loads it from the store,
 * stores what the room writes (debounced like any change) and keeps it loaded until released. The connection's
 * context marks the game server (`{game: true}`), which the auth hooks never see (direct connections skip them).
 */
export function hocuspocusDocuments(hocuspocus: Hocuspocus, campaignId: string): DocumentHost {
  return {
    async open(name: string): Promise<OpenDocument> {
      const connection = await hocuspocus.openDirectConnection(name, { game: true, campaignId });
      const document = connection.document;
      if (!document) throw new Error(`${name} closed while opening`);
      return { document, release: () => connection.disconnect() };
    },
  };
}
