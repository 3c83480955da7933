import type {
  HocuspocusProvider,
  HocuspocusProviderWebsocket,
  onAuthenticationFailedParameters,
  onCloseParameters,
  onStatusParameters,
  onSyncedParameters,
  onUnsyncedChangesParameters,
} from "@hocuspocus/provider";
import { shouldReconnect } from "@hexcrawl/shared/protocol";
import { isAccessRevoked } from "@hexcrawl/shared/access";
import {
  connectionLabel,
  connectionStatus,
  ConnectionStatusKey,
  type ConnectionStatus,
  type SocketStatus,
} from "./connectionStatus.ts";

/**
 * Reactive connection status of one campaign document, bridged from provider and socket events.
 * The decision itself lives in `connectionStatus` (pure, unit-tested); this class only records inputs.
 */
export class ConnectionState {
  #socket = $state<SocketStatus>("connecting");
  #synced = $state(false);
  #everSynced = $state(false);
  #authFailed = $state(false);
  #authFailReason = $state<string | null>(null);
  #browserOnline = $state(typeof navigator === "undefined" ? true : navigator.onLine);
  #failedAttempts = $state(0);
  #unsyncedChanges = $state(0);
  #deviceUnsent = $state(0);
  #readOnly = $state<boolean | null>(null);
  #lastCloseCode = $state<number | null>(null);
  #revoked = $state(false);
  // Replaced in the constructor before anything reads `#status` (a $derived is computed lazily).
  #schema: { readonly newerThanClient: boolean } = { newerThanClient: false };

  #status = $derived<ConnectionStatus>(
    connectionStatus({
      socket: this.#socket,
      synced: this.#synced,
      authFailed: this.#authFailed,
      browserOnline: this.#browserOnline,
      everSynced: this.#everSynced,
      failedAttempts: this.#failedAttempts,
      lastCloseCode: this.#lastCloseCode,
      docNewerThanClient: this.#schema.newerThanClient,
    }),
  );

  #cleanups: Array<() => void> = [];

  /**
   * @param schema reactive source of "the document is newer than this client" (MapMeta).
   */
  constructor(
    provider: HocuspocusProvider,
    socket: HocuspocusProviderWebsocket,
    schema: { readonly newerThanClient: boolean },
  ) {
    this.#schema = schema;
    this.#socket = socket.status;
    this.#synced = provider.isSynced;
    this.#unsyncedChanges = provider.unsyncedChanges;

    const onSocketStatus = ({ status }: onStatusParameters) => {
      this.#socket = status;
      if (status !== "connected") this.#synced = false;
    };
    const onDisconnect = () => {
      this.#synced = false;
      this.#failedAttempts += 1;
    };
    const onClose = ({ event }: onCloseParameters) => {
      this.#lastCloseCode = event.code;
      // The provider would retry forever; for "forbidden" or "outdated" a retry cannot succeed.
      if (!shouldReconnect(event.code)) socket.disconnect();
    };
    const onSynced = ({ state }: onSyncedParameters) => {
      this.#synced = state;
      if (state) {
        this.#everSynced = true;
        this.#failedAttempts = 0;
        this.#lastCloseCode = null;
      }
    };
    const onAuthenticated = ({ scope }: { scope: "read-write" | "readonly" }) => {
      this.#authFailed = false;
      this.#authFailReason = null;
      this.#readOnly = scope === "readonly";
    };
    const onAuthFailed = ({ reason }: onAuthenticationFailedParameters) => {
      this.#authFailed = true;
      this.#authFailReason = reason;
    };
    // REVOKE1: the server closed this document alone (removed from the campaign, or a role that no longer allows it).
    const onDocumentClose = ({ event }: onCloseParameters) => {
      if (!isAccessRevoked(event.reason)) return;
      this.#authFailed = true;
      this.#authFailReason = event.reason;
      this.#revoked = true;
    };
    const onUnsynced = ({ number }: onUnsyncedChangesParameters) => {
      this.#unsyncedChanges = number;
    };
    socket.on("status", onSocketStatus);
    socket.on("disconnect", onDisconnect);
    socket.on("close", onClose);
    provider.on("synced", onSynced);
    provider.on("authenticated", onAuthenticated);
    provider.on("authenticationFailed", onAuthFailed);
    provider.on("unsyncedChanges", onUnsynced);
    provider.on("close", onDocumentClose);
    this.#cleanups.push(() => {
      provider.off("close", onDocumentClose);
      socket.off("status", onSocketStatus);
      socket.off("disconnect", onDisconnect);
      socket.off("close", onClose);
      provider.off("synced", onSynced);
      provider.off("authenticated", onAuthenticated);
      provider.off("authenticationFailed", onAuthFailed);
      provider.off("unsyncedChanges", onUnsynced);
    });

    if (typeof window !== "undefined") {
      const onOnline = () => {
        this.#browserOnline = true;
      };
      const onOffline = () => {
        this.#browserOnline = false;
      };
      window.addEventListener("online", onOnline);
      window.addEventListener("offline", onOffline);
      this.#cleanups.push(() => {
        window.removeEventListener("online", onOnline);
        window.removeEventListener("offline", onOffline);
      });
    }
  }

  /** The status shown to the user. */
  get status(): ConnectionStatus {
    return this.#status;
  }
  /** Machine name of the status (`data-status`). */
  get statusKey(): string {
    return ConnectionStatusKey[this.#status];
  }
  /** Banner text: status plus unsent edits. */
  get label(): string {
    return connectionLabel(this.#status, this.unsyncedChanges);
  }
  /**
   * Local edits the server has not acknowledged yet: the provider's `unsyncedChanges`, or — after a
   * reload while offline, when the new provider has sent nothing yet — the edits this device recorded
   * as unsent (OFF2), whichever is larger.
   */
  get unsyncedChanges(): number {
    return Math.max(this.#unsyncedChanges, this.#deviceUnsent);
  }
  /** Set the count of local edits this device has not seen acknowledged (UnsentEdits). */
  setDeviceUnsent(count: number): void {
    this.#deviceUnsent = count;
  }
  /** The server's reason for refusing the document, when it did. */
  get authFailReason(): string | null {
    return this.#authFailReason;
  }
  /** True when the status forbids local edits (denied, or the document is newer than this client). */
  get blocksEditing(): boolean {
    return this.#status === "access denied" || this.#status === "outdated — reload the page";
  }
  /** True once the server took this document away (REVOKE1): the page reloads the member's role. */
  get revoked(): boolean {
    return this.#revoked;
  }
  /** What the server granted: true for a read-only (player) connection, null before it answered. */
  get readOnly(): boolean | null {
    return this.#readOnly;
  }

  destroy(): void {
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
  }
}
