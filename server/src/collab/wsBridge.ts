import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createHash, randomUUID } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";
import type { Hocuspocus } from "@hocuspocus/server";
import { isOriginAllowed } from "./origin.ts";
import { WindowCounter, type CollabLimits } from "./limits.ts";
import { checkEnvelope, messageTypeOf, WireType } from "./messageChecks.ts";
import { TokenBucket } from "./UpdateGuard.ts";

/** The WebSocket path (SPEC.md SEC1). `?campaign={id}` may follow, for load-balancer hashing. */
export const COLLAB_PATH = "/collab";

/** Close codes we send ourselves (Hocuspocus sends its own 4xxx codes too). */
export const BridgeCloseCode = {
  TOO_MANY_AUTH_FAILURES: 4429, // this socket failed authentication too often
  SIGNED_OUT: 4401, // the session behind this socket was signed out, revoked or expired (REVOKE1)
  TOO_MANY_OPENS: 4429, // documents opened faster than LIMIT1 allows
  UNAUTHENTICATED_TOO_LARGE: 4413, // more bytes before the first authentication than LIMIT4 allows (this socket)
  UNAUTHENTICATED_ADDRESS_FULL: 4429, // the address' sockets together sent more than LIMIT4 allows before authenticating
} as const;

/** How long a socket we closed may take to answer the closing handshake before it is cut. */
const CLOSE_GRACE_MS = 1_000;

interface SocketInfo {
  ws: WebSocket;
  address: string;
  /** A digest of the upgrade's Cookie header: failures of a signed-in user count against it (W7). */
  cookieKey: string | null;
  sessionIds: Set<string>;
  authFailures: number;
  opens: TokenBucket;
  /** Bytes received before the first successful authentication (counted in `unauthBytes` of the address too). */
  unauthBytes: number;
  authenticated: boolean;
}

/** A short digest of a Cookie header (never kept in clear: it is a credential). */
function cookieKeyOf(req: IncomingMessage): string | null {
  const cookie = req.headers.cookie;
  return cookie ? createHash("sha256").update(cookie).digest("base64url").slice(0, 22) : null;
}

export interface BridgeOptions {
  hocuspocus: Hocuspocus;
  maxPayloadBytes: number;
  allowedOrigins: readonly string[] | undefined;
  limits: CollabLimits;
  clientAddress(req: IncomingMessage): string;
}

/** Close with a code; a peer that never answers the closing handshake is cut off after CLOSE_GRACE_MS. */
function closeAndCut(ws: WebSocket, code: number, reason: string): void {
  ws.close(code, reason);
  setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
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
  private readonly sessionAuthFailures: WindowCounter;
  private readonly sessionOpens = new WindowCounter(60_000);
  private readonly unauthBytes = new Map<string, number>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly opts: BridgeOptions;

  constructor(opts: BridgeOptions) {
    this.opts = opts;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayloadBytes, perMessageDeflate: false });
    this.upgrades = new WindowCounter(opts.limits.upgradeWindowMs);
    this.authFailures = new WindowCounter(opts.limits.authFailureWindowMs);
    this.sessionAuthFailures = new WindowCounter(opts.limits.authFailureWindowMs);
    this.sweepTimer = setInterval(() => {
      this.upgrades.sweep();
      this.authFailures.sweep();
      this.sessionAuthFailures.sweep();
      this.sessionOpens.sweep();
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
    const cookieKey = cookieKeyOf(req);
    if (cookieKey && this.sessionAuthFailures.count(cookieKey) >= limits.authFailuresPerAddress) return refuse(socket, 429, "Too Many Requests");
    if (this.upgrades.hit(address) > limits.upgradesPerWindow) return refuse(socket, 429, "Too Many Requests");
    if ((this.perAddress.get(address) ?? 0) >= limits.connectionsPerAddress) return refuse(socket, 429, "Too Many Requests");

    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req, address, cookieKey));
  }

  private releaseUnauthBytes(info: SocketInfo): void {
    if (info.unauthBytes === 0) return;
    const left = (this.unauthBytes.get(info.address) ?? 0) - info.unauthBytes;
    if (left <= 0) this.unauthBytes.delete(info.address);
    else this.unauthBytes.set(info.address, left);
    info.unauthBytes = 0;
  }

  private accept(ws: WebSocket, req: IncomingMessage, address: string, cookieKey: string | null): void {
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
    const { limits } = this.opts;
    const info: SocketInfo = {
      ws,
      address,
      cookieKey,
      sessionIds: new Set(),
      authFailures: 0,
      opens: new TokenBucket(limits.documentOpensBurst, limits.documentOpensPerSecond),
      unauthBytes: 0,
      authenticated: false,
    };
    this.sockets.set(socketId, info);

    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        ws.close(1003, "Binary frames only");
        return;
      }
      // Garbage never reaches Hocuspocus (it would queue it before authentication): HARD1 in SPEC.md.
      const envelopeRejection = checkEnvelope(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (envelopeRejection) return ws.close(envelopeRejection.code, envelopeRejection.reason);
      // LIMIT1: every Auth message opens a document (a load, hooks, a join event): a burst, then a steady rate.
      if (messageTypeOf(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) === WireType.Auth && !info.opens.take()) {
        return closeAndCut(ws, BridgeCloseCode.TOO_MANY_OPENS, "Too many documents opened");
      }
      // LIMIT4: until something is authenticated, Hocuspocus queues what arrives; bound it per socket and per address.
      if (!info.authenticated) {
        info.unauthBytes += data.byteLength;
        const addressBytes = (this.unauthBytes.get(address) ?? 0) + data.byteLength;
        this.unauthBytes.set(address, addressBytes);
        if (info.unauthBytes > limits.unauthenticatedBytesPerSocket) {
          return closeAndCut(ws, BridgeCloseCode.UNAUTHENTICATED_TOO_LARGE, "Too much data before authentication");
        }
        if (addressBytes > limits.unauthenticatedBytesPerAddress) {
          return closeAndCut(ws, BridgeCloseCode.UNAUTHENTICATED_ADDRESS_FULL, "Too much data before authentication from this address");
        }
      }
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
      this.releaseUnauthBytes(info);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
      connection.handleClose({ code, reason: reason.toString("utf8") });
    });
  }

  /**
   * Count a failed authentication on a socket; close the socket past the per-socket limit. A signed-in user's failure
   * counts against their session (their cookie), an anonymous one against the address (W7).
   */
  recordAuthFailure(socketId: string, userId: string | null = null): void {
    const info = this.sockets.get(socketId);
    if (!info) return;
    info.authFailures += 1;
    if (userId && info.cookieKey) this.sessionAuthFailures.hit(info.cookieKey);
    else this.authFailures.hit(info.address);
    if (info.authFailures >= this.opts.limits.authFailuresPerSocket) {
      info.ws.close(BridgeCloseCode.TOO_MANY_AUTH_FAILURES, "Too many failed authentications");
    }
  }

  recordAuthSuccess(socketId: string, sessionId: string): void {
    const info = this.sockets.get(socketId);
    if (!info) return;
    info.sessionIds.add(sessionId);
    // LIMIT1 per session: a fresh socket gets a fresh open budget, the session does not.
    if (this.sessionOpens.hit(sessionId) > this.opts.limits.documentOpensPerSessionPerMinute) {
      closeAndCut(info.ws, BridgeCloseCode.TOO_MANY_OPENS, "Too many documents opened by this session");
    }
    if (!info.authenticated) {
      info.authenticated = true;
      this.releaseUnauthBytes(info);
    }
  }

  /** Close one socket (by its key) with a code: its session ended (AccessWatch, REVOKE1). */
  closeSocket(socketId: string, code: number, reason: string): void {
    const info = this.sockets.get(socketId);
    if (info) closeAndCut(info.ws, code, reason);
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
