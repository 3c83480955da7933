import { CloseCode } from "@hexcrawl/shared/protocol";

/**
 * Pure mapping from what the provider and the browser report to the one status the banner shows.
 * "Honest" means: never say connected before the server has answered the sync handshake, and
 * always say where unsent edits are (on this device) when the server cannot be reached.
 */

/** The statuses the banner can show, a closed set; the value is the user-facing label. */
export const ConnectionStatus = {
  connecting: "connecting",
  connected: "connected",
  reconnecting: "reconnecting…",
  offline: "offline — edits saved on this device",
  denied: "access denied",
  outdated: "outdated — reload the page",
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

/** Stable machine names for the statuses (data attributes, tests, CSS). */
export const ConnectionStatusKey = {
  [ConnectionStatus.connecting]: "connecting",
  [ConnectionStatus.connected]: "connected",
  [ConnectionStatus.reconnecting]: "reconnecting",
  [ConnectionStatus.offline]: "offline",
  [ConnectionStatus.denied]: "denied",
  [ConnectionStatus.outdated]: "outdated",
} as const satisfies Record<ConnectionStatus, string>;
export type ConnectionStatusKey = (typeof ConnectionStatusKey)[ConnectionStatus];

/** Socket states as the provider reports them (`WebSocketStatus` values). */
export type SocketStatus = "connecting" | "connected" | "disconnected";

/** Consecutive failed connection attempts after which "reconnecting…" becomes "offline". */
export const OFFLINE_AFTER_FAILED_ATTEMPTS = 3;

/** Everything the mapping looks at. */
export interface ConnectionInputs {
  socket: SocketStatus;
  /** The provider finished the sync handshake on the current socket. */
  synced: boolean;
  /** The server refused the document (onAuthenticate failed). Sticky until a later success. */
  authFailed: boolean;
  /** `navigator.onLine`. False is reliable; true only means "maybe". */
  browserOnline: boolean;
  /** A sync handshake succeeded at least once since the page opened this document. */
  everSynced: boolean;
  /** Socket closes since the last successful sync. */
  failedAttempts: number;
  /** Code of the last socket close, null before any close. */
  lastCloseCode: number | null;
  /** The document's schemaVersion is newer than this client's (it must not edit it). */
  docNewerThanClient: boolean;
}

// Close codes after which retrying cannot help: the server refused this user or this document.
const DENIED_CLOSE_CODES: readonly number[] = [CloseCode.BAD_REQUEST, CloseCode.UNAUTHORIZED, CloseCode.FORBIDDEN];

/** The status to show for the given inputs. */
export function connectionStatus(i: ConnectionInputs): ConnectionStatus {
  if (i.authFailed || (i.lastCloseCode !== null && DENIED_CLOSE_CODES.includes(i.lastCloseCode))) {
    return ConnectionStatus.denied;
  }
  if (i.docNewerThanClient || i.lastCloseCode === CloseCode.CLIENT_OUTDATED) return ConnectionStatus.outdated;
  if (!i.browserOnline) return ConnectionStatus.offline;
  if (i.socket === "connected" && i.synced) return ConnectionStatus.connected;
  if (i.failedAttempts >= OFFLINE_AFTER_FAILED_ATTEMPTS) return ConnectionStatus.offline;
  if (i.everSynced || i.failedAttempts > 0) return ConnectionStatus.reconnecting;
  return ConnectionStatus.connecting;
}

/** The banner's full text: the status, plus the unsent edits when there are any. */
export function connectionLabel(status: ConnectionStatus, unsyncedChanges: number): string {
  if (unsyncedChanges <= 0 || status === ConnectionStatus.denied || status === ConnectionStatus.outdated) return status;
  const edits = unsyncedChanges === 1 ? "1 change" : `${unsyncedChanges} changes`;
  return status === ConnectionStatus.connected ? `${status} · sending ${edits}` : `${status} · ${edits} not yet sent`;
}

/**
 * The banner's text for someone who cannot edit (a player): never "sending" or "edits saved" — their document is
 * written only by the server, so any unsent count is the provider's own bookkeeping, not their work (LAYOUT8).
 */
export function viewerLabel(status: ConnectionStatus): string {
  if (status === ConnectionStatus.offline) return "offline — showing the last map you received";
  return status;
}
