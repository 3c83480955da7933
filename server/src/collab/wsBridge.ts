import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { randomUUID } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";
import type { Hocuspocus } from "@hocuspocus/server";
import { isOriginAllowed } from "./origin.ts";
import { WindowCounter, type CollabLimits } from "./limits.ts";
import { checkEnvelope } from "./messageChecks.ts";

/** The WebSocket path (DESIGN.md). `?campaign={id}` may follow, for load-balancer hashing. */
export const COLLAB_PATH = "/collab";

/** Close codes we send ourselves (Hocuspocus sends its own 4xxx codes too). */
export const BridgeCloseCode = {
  TOO_MANY_AUTH_FAILURES: 4429, // this socket failed authentication too often
  SIGNED_OUT: 4401, // the session behind this socket was signed out
} as const;

interface SocketInfo {
  ws: WebSocket;
  address: string;
  sessionIds: Set<string>;
  authFailures: number;
}

export interface BridgeOptions {
  hocuspocus: Hocuspocus;
  maxPayloadBytes: number;
  allowedOrigins: readonly string[] | undefined;
  limits: CollabLimits;
  clientAddress(req: IncomingMessage): string;
}

function refuse(socket: Duplex, status: number, text: string): void {
  // Answer with a plain HTTP response and drop the socket. Never throw here: an exception
  // in an `upgrade` listener would take the whole process down.
  try {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
  } catch {
    socket.destroy();
  }
}

/**
 * Connects `ws` sockets to Hocuspocus with our own checks in front: path, Origin allowlist,
 * per-address rate and concurrency limits, frame size cap; and behind: per-socket auth-failure
 * limit and closing the sockets of a signed-out session.
 */
export class WsBridge {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<string, SocketInfo>();
  private readonly perAddress = new Map<string, number>();
  private readonly upgrades: WindowCounter;
  private readonly authFailures: WindowCounter;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(private readonly opts: BridgeOptions) {
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayloadBytes, perMessageDeflate: false });
    this.upgrades = new WindowCounter(opts.limits.upgradeWindowMs);
    this.authFailures = new WindowCounter(opts.limits.authFailureWindowMs);
    this.sweepTimer = setInterval(() => {
      this.upgrades.sweep();
      this.authFailures.sweep();
    }, 60_000);
    this.sweepTimer.unref();
  }

  /** `server.on("upgrade", bridge.handleUpgrade)`. Never throws. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      this.upgrade(req, socket, head);
    } catch (err) {
      console.error("[ws] upgrade failed", err);
      refuse(socket, 500, "Internal Server Error");
    }
  };

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== COLLAB_PATH) return refuse(socket, 404, "Not Found");
    const origin = req.headers.origin;
    if (!isOriginAllowed(origin, req.headers.host, this.opts.allowedOrigins)) {
      return refuse(socket, 403, "Forbidden");
    }
    const address = this.opts.clientAddress(req);
    const { limits } = this.opts;
    if (this.authFailures.count(address) >= limits.authFailuresPerAddress) return refuse(socket, 429, "Too Many Requests");
    if (this.upgrades.hit(address) > limits.upgradesPerWindow) return refuse(socket, 429, "Too Many Requests");
    if ((this.perAddress.get(address) ?? 0) >= limits.connectionsPerAddress) return refuse(socket, 429, "Too Many Requests");

    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, address));
  }

  private accept(ws: WebSocket, req: IncomingMessage, address: string): void {
    this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const request = new Request(new URL(req.url ?? "/", "http://localhost"), { headers });
    // Hocuspocus keeps its socket id private; our own key travels in the default context.
    const socketId = randomUUID();
    const connection = this.opts.hocuspocus.handleConnection(ws, request, { socketKey: socketId });
    this.sockets.set(socketId, { ws, address, sessionIds: new Set(), authFailures: 0 });

    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        ws.close(1003, "Binary frames only");
        return;
      }
      // Garbage never reaches Hocuspocus (it would queue it before authentication): HARD1 in SPEC.md.
      const envelopeRejection = checkEnvelope(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (envelopeRejection) return ws.close(envelopeRejection.code, envelopeRejection.reason);
      try {
        connection.handleMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      } catch (err) {
        console.error("[ws] message handling failed", err);
        ws.close(1011, "Internal error");
      }
    });
    ws.on("error", (err) => {
      // Oversized frames land here (ws closes with 1009); nothing to do but log quietly.
      if (!String(err.message).includes("Max payload")) console.warn("[ws] socket error:", err.message);
    });
    ws.on("close", (code, reason) => {
      this.sockets.delete(socketId);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
      connection.handleClose({ code, reason: reason.toString("utf8") });
    });
  }

  /** Count a failed authentication on a socket; close the socket past the per-socket limit. */
  recordAuthFailure(socketId: string): void {
    const info = this.sockets.get(socketId);
    if (!info) return;
    info.authFailures += 1;
    this.authFailures.hit(info.address);
    if (info.authFailures >= this.opts.limits.authFailuresPerSocket) {
      info.ws.close(BridgeCloseCode.TOO_MANY_AUTH_FAILURES, "Too many failed authentications");
    }
  }

  recordAuthSuccess(socketId: string, sessionId: string): void {
    this.sockets.get(socketId)?.sessionIds.add(sessionId);
  }

  /** Close every socket that authenticated with this session (sign-out). Returns how many. */
  closeSession(sessionId: string): number {
    let closed = 0;
    for (const info of this.sockets.values()) {
      if (info.sessionIds.has(sessionId)) {
        info.ws.close(BridgeCloseCode.SIGNED_OUT, "Signed out");
        closed += 1;
      }
    }
    return closed;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Close every socket (shutdown). */
  close(): void {
    clearInterval(this.sweepTimer);
    for (const info of this.sockets.values()) info.ws.terminate();
    this.wss.close();
  }
}
