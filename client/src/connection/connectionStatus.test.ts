import { describe, expect, it } from "vitest";
import {
  ConnectionStatus,
  connectionLabel,
  connectionStatus,
  viewerLabel,
  OFFLINE_AFTER_FAILED_ATTEMPTS,
  type ConnectionInputs,
} from "./connectionStatus.ts";
import { CloseCode } from "@hexcrawl/shared/protocol";

const base: ConnectionInputs = {
  socket: "connecting",
  synced: false,
  authFailed: false,
  browserOnline: true,
  everSynced: false,
  failedAttempts: 0,
  lastCloseCode: null,
  docNewerThanClient: false,
};

describe("connection status", () => {
  it("[CLIENT6] connecting on first open, connected only after the sync handshake", () => {
    expect(connectionStatus(base)).toBe(ConnectionStatus.connecting);
    expect(connectionStatus({ ...base, socket: "connected" })).toBe(ConnectionStatus.connecting);
    expect(connectionStatus({ ...base, socket: "connected", synced: true, everSynced: true })).toBe(ConnectionStatus.connected);
  });

  it("[CLIENT6] a dropped socket after a sync is reconnecting, then offline after repeated failures", () => {
    const dropped = { ...base, socket: "disconnected" as const, everSynced: true, failedAttempts: 1 };
    expect(connectionStatus(dropped)).toBe(ConnectionStatus.reconnecting);
    expect(connectionStatus({ ...dropped, failedAttempts: OFFLINE_AFTER_FAILED_ATTEMPTS })).toBe(ConnectionStatus.offline);
    // A server that never answered is offline too, with the edits on this device.
    expect(connectionStatus({ ...base, socket: "disconnected", failedAttempts: OFFLINE_AFTER_FAILED_ATTEMPTS })).toBe(
      ConnectionStatus.offline,
    );
  });

  it("[CLIENT6] the browser going offline wins over a stale connected socket", () => {
    expect(connectionStatus({ ...base, socket: "connected", synced: true, everSynced: true, browserOnline: false })).toBe(
      ConnectionStatus.offline,
    );
  });

  it("[CLIENT6] access denied wins over everything", () => {
    expect(connectionStatus({ ...base, authFailed: true, browserOnline: false })).toBe(ConnectionStatus.denied);
  });

  it("[CLIENT6] a close code that forbids retrying is access denied; an outdated client is told to reload", () => {
    for (const code of [CloseCode.UNAUTHORIZED, CloseCode.FORBIDDEN, CloseCode.BAD_REQUEST]) {
      expect(connectionStatus({ ...base, socket: "disconnected", lastCloseCode: code, failedAttempts: 1 })).toBe(
        ConnectionStatus.denied,
      );
    }
    expect(connectionStatus({ ...base, socket: "disconnected", lastCloseCode: CloseCode.CLIENT_OUTDATED })).toBe(
      ConnectionStatus.outdated,
    );
    const synced = { ...base, socket: "connected" as const, synced: true, everSynced: true };
    expect(connectionStatus({ ...synced, docNewerThanClient: true })).toBe(ConnectionStatus.outdated);
    // A retryable close (server error) is just a reconnect.
    expect(connectionStatus({ ...base, socket: "disconnected", lastCloseCode: CloseCode.INTERNAL, everSynced: true, failedAttempts: 1 })).toBe(
      ConnectionStatus.reconnecting,
    );
  });

  it("[CLIENT15] a document newer than the client is outdated even while connected, and hides the edit count", () => {
    const synced = { ...base, socket: "connected" as const, synced: true, everSynced: true };
    const status = connectionStatus({ ...synced, docNewerThanClient: true });
    expect(status).toBe(ConnectionStatus.outdated);
    expect(connectionLabel(status, 3)).toBe("outdated — reload the page");
  });

  it("[CLIENT6] only the connected label contains the word 'connected'", () => {
    for (const s of Object.values(ConnectionStatus)) {
      expect(s.includes("connected"), s).toBe(s === ConnectionStatus.connected);
    }
  });

  it("[CLIENT7] the label counts unsent edits", () => {
    expect(connectionLabel(ConnectionStatus.connected, 0)).toBe("connected");
    expect(connectionLabel(ConnectionStatus.connected, 2)).toBe("connected · sending 2 changes");
    expect(connectionLabel(ConnectionStatus.offline, 1)).toBe("offline — edits saved on this device · 1 change not yet sent");
    expect(connectionLabel(ConnectionStatus.denied, 5)).toBe("access denied");
  });

  it("[LAYOUT8] a viewer (player) never reads about sending or saved edits", () => {
    expect(viewerLabel(ConnectionStatus.connected)).toBe("connected");
    expect(viewerLabel(ConnectionStatus.offline)).not.toMatch(/edits|sending|saved/);
    expect(viewerLabel(ConnectionStatus.reconnecting)).toBe("reconnecting…");
  });
});
