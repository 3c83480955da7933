import * as Y from "yjs";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import type { BrowserContext } from "playwright-core";
import { cookieSocketClass } from "../../../server/test/support/providers.ts";

/** A Node-side Yjs client on the real server, signed in with a browser context's session cookie. */
export interface DocClient {
  doc: Y.Doc;
  /** Resolves once synced; rejects when the server refuses the document. */
  ready: Promise<void>;
  /** Resolves once the server has acknowledged every local change. */
  flushed(): Promise<void>;
  destroy(): void;
}

/** The Cookie header a browser context would send to `baseUrl`. */
export async function cookieHeader(context: BrowserContext, baseUrl: string): Promise<string> {
  const cookies = await context.cookies(baseUrl);
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

/** Open `documentName` over `/collab?campaign=…` as the browser's user (cookie + same Origin). */
export function openDocClient(baseUrl: string, campaignId: string, documentName: string, cookie: string): DocClient {
  const socket = new HocuspocusProviderWebsocket({
    url: `${baseUrl.replace(/^http/, "ws")}/collab?campaign=${encodeURIComponent(campaignId)}`,
    WebSocketPolyfill: cookieSocketClass(cookie, baseUrl),
    // Keep the provider's retry defaults: in 4.8.0 a `delay` below `minDelay` (1000) never connects at all.
  });
  const doc = new Y.Doc();
  let settle: { resolve: () => void; reject: (e: Error) => void } = { resolve: () => {}, reject: () => {} };
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: documentName,
    document: doc,
    // The session travels in the cookie; the token only has to be non-empty for Hocuspocus to run onAuthenticate.
    token: "cookie",
    onSynced: () => settle.resolve(),
    onAuthenticationFailed: ({ reason }) => settle.reject(new Error(`refused: ${reason}`)),
  });
  provider.attach();
  return {
    doc,
    ready,
    flushed: () =>
      new Promise<void>((resolve) => {
        if (provider.unsyncedChanges === 0) return resolve();
        const onChange = ({ number }: { number: number }) => {
          if (number === 0) {
            provider.off("unsyncedChanges", onChange);
            resolve();
          }
        };
        provider.on("unsyncedChanges", onChange);
      }),
    destroy: () => {
      provider.destroy();
      socket.destroy();
      doc.destroy();
    },
  };
}
