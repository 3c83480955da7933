import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A loopback TCP proxy for fault tests: the app talks to Postgres or Redis through it, and the test cuts the
 * link without touching the real service (which other tests and other people use).
 */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /** Destroy every open connection and refuse new ones (accepted, then destroyed at once) until `restore()`. */
  cut(): void;
  /**
   * "Blackhole": accept connections but forward nothing, in either direction, and never close them — a service
   * that accepts TCP and never answers (hung server, partition behind a load balancer). Open connections stop
   * forwarding too; their swallowed bytes are gone, so they stay dead after `restore()` (a client must time
   * them out itself). New connections after `restore()` are forwarded again.
   */
  blackhole(): void;
  /** Ends `cut()` and `blackhole()`. */
  restore(): void;
  readonly isCut: boolean;
  readonly isBlackholed: boolean;
  /** Connections currently open through the proxy. */
  readonly openConnections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpProxy> {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let cut = false;
  let blackholed = false;
  /** Sockets swallowed by the blackhole (both sides of caught pairs, and connections accepted during it). */
  const swallowed = new Set<net.Socket>();
  const swallow = (socket: net.Socket) => {
    swallowed.add(socket);
    socket.on("close", () => swallowed.delete(socket));
    socket.on("error", () => undefined);
    // Read and drop: flowing mode with no pipe; the peer's writes succeed and nothing ever comes back.
    socket.on("data", () => undefined);
    socket.resume();
  };

  const server = net.createServer((client) => {
    client.on("error", () => undefined);
    if (cut) {
      client.destroy();
      return;
    }
    if (blackholed) {
      swallow(client);
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", drop);
    upstream.on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    rewrite(url: string) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    cut() {
      cut = true;
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    blackhole() {
      blackholed = true;
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        swallow(client);
        swallow(upstream);
      }
      pairs.clear();
    },
    restore() {
      cut = false;
      blackholed = false;
    },
    get isCut() {
      return cut;
    },
    get isBlackholed() {
      return blackholed;
    },
    get openConnections() {
      return pairs.size;
    },
    close() {
      for (const socket of swallowed) socket.destroy();
      swallowed.clear();
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
