import * as Y from "yjs";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import type { Command } from "@hexcrawl/shared/protocol";
import { ProtocolClient } from "@hexcrawl/shared/protocolClient";
import { COMMAND_WINDOW_MS, COMMANDS_PER_WINDOW } from "../../server/src/game/GameExtension.ts";
import { cookieSocketClass } from "../../server/test/support/providers.ts";

/** Hard cap on any wait in the bench: nothing waits forever. */
export const DEFAULT_WAIT_MS = 30_000;

/** Poll `check` until it returns true, or throw `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = DEFAULT_WAIT_MS, intervalMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const socketClass = (cookie: string, origin: string) => cookieSocketClass(cookie, origin);

/** A real HocuspocusProvider in Node on its own socket (plus, for a player, the party document on it). */
export interface BenchClient {
  doc: Y.Doc;
  provider: HocuspocusProvider;
  /** What this client shows: `doc`, then the documents of `alsoOpen` (a player: own over party). */
  view: readonly Y.Doc[];
  /** Resolves when synced; rejects on permission denied. */
  synced: Promise<void>;
  destroy(): void;
}

/**
 * Connect a provider. `wsUrl` is the full socket URL (Hex Crawl: `ws://…/collab?campaign=…`).
 * `onStateless` receives the server's stateless messages (command responses, pushes).
 */
export function connectClient(
  wsUrl: string,
  documentName: string,
  opts: { cookie?: string; origin: string; onStateless?: (payload: string) => void; alsoOpen?: readonly string[] },
): BenchClient {
  const socket = new HocuspocusProviderWebsocket({
    url: wsUrl,
    WebSocketPolyfill: socketClass(opts.cookie ?? "", opts.origin),
    delay: 100,
    minDelay: 100,
    maxDelay: 1000,
  });
  const main = openOnSocket(socket, documentName, { ...(opts.onStateless ? { onStateless: opts.onStateless } : {}) });
  // Further documents on the same socket, as the browser opens them (no awareness: a player's party document).
  const extra = (opts.alsoOpen ?? []).map((name) => openOnSocket(socket, name, { awareness: false }));
  const all = [main, ...extra];
  return {
    doc: main.doc,
    provider: main.provider,
    view: all.map((o) => o.doc),
    synced: Promise.all(all.map((o) => o.synced)).then(() => undefined),
    destroy() {
      for (const o of all) {
        o.provider.destroy();
        o.doc.destroy();
      }
      socket.destroy();
    },
  };
}

/** One document on a socket: its provider, and a promise of the first sync (rejects on permission denied). */
function openOnSocket(
  socket: HocuspocusProviderWebsocket,
  name: string,
  opts: { awareness?: boolean; onStateless?: (payload: string) => void },
): { doc: Y.Doc; provider: HocuspocusProvider; synced: Promise<void> } {
  const doc = new Y.Doc();
  let resolve: () => void = () => {};
  let reject: (e: Error) => void = () => {};
  const synced = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name,
    document: doc,
    token: "cookie",
    ...(opts.awareness === false ? { awareness: null } : {}),
    onSynced: () => resolve(),
    onAuthenticationFailed: ({ reason }) => reject(new Error(`${name}: authentication failed (${reason})`)),
    ...(opts.onStateless ? { onStateless: ({ payload }: { payload: string }) => opts.onStateless?.(payload) } : {}),
  });
  provider.attach();
  return { doc, provider, synced };
}

/** Connect many clients a few at a time (each connection authenticates against the database). */
export async function connectMany<T>(items: T[], connect: (item: T) => BenchClient, parallel = 20, timeoutMs = 60_000): Promise<BenchClient[]> {
  const out: BenchClient[] = [];
  for (let i = 0; i < items.length; i += parallel) {
    const batch = items.slice(i, i + parallel).map(connect);
    out.push(...batch);
    await withTimeout(Promise.all(batch.map((c) => c.synced)), timeoutMs, `sync of clients ${i}..${i + batch.length - 1}`);
  }
  return out;
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Outcome of a DM command as the bench sees it. */
export type CommandOutcome =
  | { kind: "ok"; result: unknown; ms: number }
  | { kind: "error"; code: string; message: string }
  | { kind: "timeout" };

/**
 * DM commands for the bench: the one protocol client (shared/src/protocolClient.ts) on the DM provider, plus
 * client-side pacing so the bench never hits the server's per-connection command limit.
 */
export class CommandChannel {
  readonly #handlers = new Set<(payload: string) => void>();
  readonly #client: ProtocolClient;
  /** Send times (Date.now) of recent commands, for the client-side pacing below. */
  private readonly recent: number[] = [];

  /** Feed every stateless payload from the DM provider here. */
  readonly onStateless = (payload: string): void => {
    for (const handler of this.#handlers) handler(payload);
  };

  constructor(provider: () => HocuspocusProvider) {
    this.#client = new ProtocolClient(
      {
        send: (payload) => provider().sendStateless(payload),
        listen: (handler) => {
          this.#handlers.add(handler);
          return () => this.#handlers.delete(handler);
        },
      },
      { idPrefix: "bench-", timeoutMs: DEFAULT_WAIT_MS },
    );
  }

  /**
   * Wait until sending one more command stays within the server's per-connection command limit. A
   * sliding window with the server's numbers is never looser than its fixed window, so the bench is
   * never answered RATE_LIMITED; the wait happens before a round's clock starts.
   */
  async pace(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.recent.length > 0 && now - (this.recent[0] ?? now) > COMMAND_WINDOW_MS) this.recent.shift();
      // One command of headroom: the server counts its window from its own clock.
      if (this.recent.length < COMMANDS_PER_WINDOW - 1) return;
      await sleep(COMMAND_WINDOW_MS - (now - (this.recent[0] ?? now)) + 50);
    }
  }

  /** Send `cmd` (call `pace` first); resolves with the answer, or `timeout` after `timeoutMs`. Never rejects. */
  async send(cmd: Command, timeoutMs = DEFAULT_WAIT_MS): Promise<CommandOutcome> {
    this.recent.push(Date.now());
    const r = await this.#client.send(cmd, { timeoutMs });
    if (r.ok) return { kind: "ok", result: r.result, ms: r.ms };
    if (r.error.code === "TIMEOUT") return { kind: "timeout" };
    return { kind: "error", code: r.error.code, message: r.error.message };
  }
}

/** Wait until the server has acknowledged every local edit of this provider. */
export function waitAcked(client: BenchClient, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  return waitFor("server ack of local edits", () => !client.provider.hasUnsyncedChanges, timeoutMs, 2);
}
