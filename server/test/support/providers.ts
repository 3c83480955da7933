import WebSocket from "ws";
import * as Y from "yjs";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";

/**
 * Node has no global WebSocket before 22; this `ws` subclass also sends the session cookie and an Origin,
 * as a browser would. Used by the integration tests, the e2e Node clients and the benchmark.
 */
export function cookieSocketClass(cookie: string, origin: string | undefined) {
  return class CookieWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}) } });
      // The provider reacts to close events; an 'error' event without a listener (closing a socket that is
      // still connecting, during teardown) would be an uncaught exception.
      this.on("error", () => undefined);
    }
  };
}

export interface TestClient {
  doc: Y.Doc;
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  /** Resolves true when authenticated and synced, false when permission was denied. */
  ready: Promise<boolean>;
  deniedReason: string | null;
  destroy(): void;
}

/** A real provider client in Node with a cookie header. */
export function connectClient(
  baseUrl: string,
  documentName: string,
  cookie: string,
  opts: { origin?: string; campaignParam?: string; socketClass?: new (address: string | URL, protocols?: string | string[]) => WebSocket } = {},
): TestClient {
  const wsUrl = baseUrl.replace(/^http/, "ws") + "/collab" + (opts.campaignParam ? `?campaign=${opts.campaignParam}` : "");
  const socket = new HocuspocusProviderWebsocket({
    url: wsUrl,
    WebSocketPolyfill: opts.socketClass ?? cookieSocketClass(cookie, opts.origin ?? baseUrl),
    autoConnect: true,
    delay: 100,
    minDelay: 100,
    maxDelay: 1000,
  });
  const client = connectOnSocket({ socket }, documentName);
  // The socket is this client's own: closing the client closes it too (same object: deniedReason stays live).
  const closeDocument = client.destroy.bind(client);
  client.destroy = () => {
    closeDocument();
    socket.destroy();
  };
  return client;
}

/**
 * Open one more document on an existing client's socket, the way the browser opens the party document next
 * to the player's own on the campaign's one socket. `destroy` closes this document only (the socket stays
 * with its owner). `awareness: false` sends none, like the browser on the party document.
 */
export function connectOnSocket(owner: Pick<TestClient, "socket">, documentName: string, opts: { awareness?: boolean } = {}): TestClient {
  const doc = new Y.Doc();
  let resolveReady: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => {
    resolveReady = resolve;
  });
  const provider = new HocuspocusProvider({
    websocketProvider: owner.socket,
    name: documentName,
    document: doc,
    token: "cookie",
    ...(opts.awareness === false ? { awareness: null } : {}),
    onSynced: () => resolveReady(true),
    onAuthenticationFailed: ({ reason }) => {
      client.deniedReason = reason;
      resolveReady(false);
    },
  });
  const client: TestClient = {
    doc,
    socket: owner.socket,
    provider,
    ready,
    deniedReason: null,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
  // y-protocols ignores a first awareness state with clock 0 on the receiving side: announce once
  // (clock 1) so the server sees this client in presence. The browser client does the same.
  provider.awareness?.setLocalState({});
  provider.attach();
  return client;
}
