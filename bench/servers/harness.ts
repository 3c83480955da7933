import * as Y from "yjs";
import type { Hocuspocus, Server } from "@hocuspocus/server";
import { HEX_FIELDS, playerMaps, readText } from "@hexcrawl/shared/model";
import { pgWriteStats } from "./pgMeter.ts";
import type { CpuSample, LoadResult, MemSample, PlainCopyResult, RpcRequest, ServerMessage, StatsResult } from "../lib/ipc.ts";

/**
 * The bench-only side of a server child: answers the driver's RPCs over the IPC channel with figures
 * measured in this process. Exits as soon as the driver goes away, so no server outlives a bench run.
 */

type DirectConnection = Awaited<ReturnType<Hocuspocus["openDirectConnection"]>>;

const UNLOAD_POLL_MS = 20;
const SETTLE_STABLE_MS = 300;
const SETTLE_TIMEOUT_MS = 5000;

function send(msg: ServerMessage): void {
  process.send?.(msg);
}

function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the bench server with --expose-gc");
  // Twice: the first pass can leave finalizer-held garbage for the second.
  gc();
  gc();
}

function memNow(): MemSample {
  forceGc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

/** Bytes held by JS objects and by Yjs/ws buffers (arrayBuffers sits inside external). */
function retained(m: MemSample): number {
  return m.heapUsed + m.arrayBuffers;
}

/** Number of distinct hex keys across the player-visible field maps of a document. */
function hexCount(doc: Y.Doc): number {
  const keys = new Set<string>();
  for (const f of HEX_FIELDS) for (const k of doc.getMap<unknown>(f).keys()) keys.add(k);
  return keys.size;
}

/**
 * The counters of the update journal (Hex Crawl's persistence extension), when the server has one. Found by shape,
 * so the baseline server does not load the persistence modules.
 */
function journalStats(hocuspocus: Hocuspocus): { appended: number; batches: number } | undefined {
  for (const extension of hocuspocus.configuration.extensions) {
    const stats = (extension as { journal?: { stats?: unknown } }).journal?.stats;
    if (typeof stats === "object" && stats !== null && "appended" in stats && "batches" in stats) {
      return { appended: Number(stats.appended), batches: Number(stats.batches) };
    }
  }
  return undefined;
}

/** Wire a Hocuspocus instance to the driver. `close` stops the server. */
export function serveBenchRpc(hocuspocus: Hocuspocus, close: () => Promise<void>): void {
  const direct = new Map<string, DirectConnection>();
  /** Wait until no document is loading or unloading and the loaded set has been stable for SETTLE_STABLE_MS. */
  async function settle(): Promise<void> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    let last = "";
    let stableSince = Date.now();
    while (Date.now() < deadline) {
      hocuspocus.flushPendingStores();
      const busy = hocuspocus.loadingDocuments.size + hocuspocus.unloadingDocuments.size;
      const names = [...hocuspocus.documents.keys()].sort().join(",");
      if (busy > 0 || names !== last) {
        last = names;
        stableSince = Date.now();
      } else if (Date.now() - stableSince >= SETTLE_STABLE_MS) return;
      await new Promise((r) => setTimeout(r, UNLOAD_POLL_MS));
    }
  }

  async function handle(req: RpcRequest): Promise<unknown> {
    const args = req.args ?? {};
    switch (req.op) {
      case "cpu": {
        const c = process.cpuUsage();
        return { user: c.user, system: c.system } satisfies CpuSample;
      }
      case "mem":
        return memNow();
      case "stats": {
        const journal = journalStats(hocuspocus);
        const pgWrites = pgWriteStats();
        return {
          documents: hocuspocus.getDocumentsCount(),
          connections: hocuspocus.getConnectionsCount(),
          names: [...hocuspocus.documents.keys()],
          ...(journal ? { journal: { appended: journal.appended, batches: journal.batches } } : {}),
          ...(pgWrites ? { pgWrites } : {}),
        } satisfies StatsResult;
      }
      case "load": {
        const name = String(args["name"]);
        if (direct.has(name)) throw new Error(`${name} already held`);
        const before = memNow();
        const started = performance.now();
        const conn = await hocuspocus.openDirectConnection(name, {});
        const loadMs = performance.now() - started;
        direct.set(name, conn);
        const doc = conn.document;
        if (!doc) throw new Error(`${name} did not load`);
        // Let side effects of the load (documents the server opens or closes with it) finish first.
        await settle();
        const after = memNow();
        return {
          loadMs,
          heapBytes: retained(after) - retained(before),
          encodedBytes: Y.encodeStateAsUpdate(doc).byteLength,
          hexes: hexCount(doc),
          loadedAfter: [...hocuspocus.documents.keys()],
        } satisfies LoadResult;
      }
      case "release": {
        const name = String(args["name"]);
        const conn = direct.get(name);
        direct.delete(name);
        if (conn) await conn.disconnect();
        return null;
      }
      case "plainCopy": {
        const name = String(args["name"]);
        const source = direct.get(name)?.document;
        if (!source) throw new Error(`${name} is not held`);
        const view = playerMaps(source);
        const before = memNow();
        // The reference: the same values written once into a fresh document, no history, no server.
        const plain = new Y.Doc();
        plain.transact(() => {
          for (const f of HEX_FIELDS) {
            const target = plain.getMap<string>(f);
            view[f].forEach((value, key) => {
              const text = readText(value);
              if (text !== undefined) target.set(key, text);
            });
          }
        });
        const after = memNow();
        const result: PlainCopyResult = {
          heapBytes: retained(after) - retained(before),
          encodedBytes: Y.encodeStateAsUpdate(plain).byteLength,
          hexes: hexCount(plain),
        };
        plain.destroy();
        return result;
      }
      case "waitUnloaded": {
        const names = (args["names"] as string[] | undefined) ?? [];
        const timeoutMs = Number(args["timeoutMs"] ?? 15_000);
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          hocuspocus.flushPendingStores();
          const loaded = names.filter((n) => hocuspocus.documents.has(n) || hocuspocus.loadingDocuments.has(n));
          if (loaded.length === 0 && hocuspocus.unloadingDocuments.size === 0) return null;
          if (Date.now() > deadline) throw new Error(`still loaded after ${timeoutMs} ms: ${loaded.join(", ")}`);
          await new Promise((r) => setTimeout(r, UNLOAD_POLL_MS));
        }
      }
      case "waitQuiet": {
        const timeoutMs = Number(args["timeoutMs"] ?? 20_000);
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          hocuspocus.flushPendingStores();
          const busy = hocuspocus.documents.size + hocuspocus.loadingDocuments.size + hocuspocus.unloadingDocuments.size;
          if (busy === 0) return null;
          if (Date.now() > deadline) {
            const names = [...hocuspocus.documents.keys()];
            throw new Error(`${names.length} documents still loaded after ${timeoutMs} ms (${names.slice(0, 2).join(", ")}…)`);
          }
          await new Promise((r) => setTimeout(r, UNLOAD_POLL_MS));
        }
      }
      default:
        throw new Error(`unknown op ${String(req.op)}`);
    }
  }

  process.on("message", (raw: unknown) => {
    const req = raw as RpcRequest;
    handle(req).then(
      (result) => send({ type: "rpc", id: req.id, ok: true, result }),
      (err: unknown) => send({ type: "rpc", id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The driver died or finished: never outlive it.
  process.on("disconnect", () => {
    void close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  });
}

/** Report a startup failure to the driver and exit. */
export function failStartup(err: unknown): never {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  send({ type: "fatal", message });
  console.error("[bench server] startup failed", err);
  process.exit(1);
}

export { send as sendToDriver };

/** The end of a plain-Hocuspocus bench child's start-up: listen, answer the driver's RPC, say ready. */
export async function listenForDriver(server: Server, close: () => Promise<void> = () => server.destroy()): Promise<void> {
  await server.listen();
  serveBenchRpc(server.hocuspocus, close);
  send({ type: "ready", url: `http://127.0.0.1:${server.address.port}`, port: server.address.port });
}
