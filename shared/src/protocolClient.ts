import {
  ErrorCode,
  parseServerMessage,
  PROTOCOL_VERSION,
  ResultSchemaByCommand,
  type Command,
  type CommandResult,
  type CommandType,
  type ErrorBody,
  type Push,
} from "./protocol.ts";

/**
 * The one client of the DM command protocol (PROTO12 in SPEC.md), used by the browser client, the tests and the
 * benchmark alike: request ids, one answer per request, answers checked against the command's result schema,
 * timeouts, and pushes handed to a callback. It knows nothing of providers: it talks to a `StatelessTransport`.
 */

/** Where stateless messages go and come from (a provider's `sendStateless` and its `stateless` event). */
export interface StatelessTransport {
  send(payload: string): void;
  /** Call `handler` with every stateless payload from the server; returns the unsubscribe function. */
  listen(handler: (payload: string) => void): () => void;
}

/** The part of a HocuspocusProvider the transport needs. */
export interface StatelessProvider {
  sendStateless(payload: string): void;
  on(event: "stateless", handler: (data: { payload: string }) => void): unknown;
  off(event: "stateless", handler: (data: { payload: string }) => void): unknown;
}

/** A transport on a provider's stateless messages (the DM document's provider). */
export function providerTransport(provider: StatelessProvider): StatelessTransport {
  return {
    send: (payload) => provider.sendStateless(payload),
    listen(handler) {
      const h = ({ payload }: { payload: string }) => handler(payload);
      provider.on("stateless", h);
      return () => void provider.off("stateless", h);
    },
  };
}

/** How long a command may wait for its answer before it is reported as TIMEOUT (it may still have run). */
export const COMMAND_TIMEOUT_MS = 15_000;

/** A command's outcome: the validated result, or a typed error (server codes plus OFFLINE / TIMEOUT). */
export type CommandOutcome<T extends CommandType> =
  | { ok: true; result: CommandResult<T>; ms: number }
  | { ok: false; error: ErrorBody };

export interface ProtocolClientOptions {
  /** Server pushes (presence, session, pending, published). */
  onPush?: (push: Push) => void;
  /** Default answer timeout (ms). */
  timeoutMs?: number;
  /** Prefix of request ids (tells clients apart in server logs). */
  idPrefix?: string;
}

type Settle = (message: { ok: true; result: unknown } | { ok: false; error: ErrorBody } | null) => void;

/**
 * Request/response over stateless messages: each request gets a fresh id; the answer with that id settles it.
 * An answer that does not match the command's result schema is reported as BAD_REQUEST ("unexpected answer"),
 * so a server change shows as a readable error and never as undefined fields.
 */
export class ProtocolClient {
  readonly #transport: StatelessTransport;
  readonly #waiting = new Map<string, Settle>();
  readonly #unlisten: () => void;
  readonly #timeoutMs: number;
  readonly #idPrefix: string;
  #seq = 0;

  constructor(transport: StatelessTransport, opts: ProtocolClientOptions = {}) {
    this.#transport = transport;
    this.#timeoutMs = opts.timeoutMs ?? COMMAND_TIMEOUT_MS;
    this.#idPrefix = opts.idPrefix ?? "c";
    const onPush = opts.onPush;
    this.#unlisten = transport.listen((payload) => {
      const msg = parseServerMessage(payload);
      if (!msg) return;
      if ("type" in msg) {
        onPush?.(msg);
        return;
      }
      const settle = this.#waiting.get(msg.id);
      if (!settle) return;
      this.#waiting.delete(msg.id);
      settle(msg.ok ? { ok: true, result: msg.result } : { ok: false, error: msg.error });
    });
  }

  /**
   * Send one command. `online: false` answers OFFLINE at once: nothing is queued behind the user's back.
   * Never rejects.
   */
  send<T extends CommandType>(
    cmd: Extract<Command, { type: T }>,
    opts: { online?: boolean; timeoutMs?: number } = {},
  ): Promise<CommandOutcome<T>> {
    if (opts.online === false) {
      return Promise.resolve({ ok: false, error: { code: ErrorCode.OFFLINE, message: "Not connected to the server" } });
    }
    this.#seq += 1;
    const id = `${this.#idPrefix}${Date.now().toString(36)}-${this.#seq}`;
    const sentAt = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        resolve({ ok: false, error: { code: ErrorCode.TIMEOUT, message: "No answer from the server; the command may or may not have run" } });
      }, opts.timeoutMs ?? this.#timeoutMs);
      this.#waiting.set(id, (message) => {
        clearTimeout(timer);
        if (message === null) return resolve({ ok: false, error: { code: ErrorCode.OFFLINE, message: "Closed" } });
        if (!message.ok) return resolve({ ok: false, error: message.error });
        const parsed = parseResult(cmd.type, message.result);
        resolve(
          parsed.ok
            ? { ok: true, result: parsed.result, ms: performance.now() - sentAt }
            : { ok: false, error: { code: ErrorCode.BAD_REQUEST, message: `Unexpected answer to ${cmd.type}: ${parsed.issue}` } },
        );
      });
      this.#transport.send(JSON.stringify({ v: PROTOCOL_VERSION, id, cmd }));
    });
  }

  /** Like `send`, but resolves with the result and rejects with an Error naming the code (tests, the bench). */
  async request<T extends CommandType>(cmd: Extract<Command, { type: T }>, timeoutMs?: number): Promise<CommandResult<T>> {
    const outcome = await this.send(cmd, timeoutMs === undefined ? {} : { timeoutMs });
    if (!outcome.ok) throw new CommandFailed(cmd.type, outcome.error);
    return outcome.result;
  }

  /** Stop listening; requests still waiting settle as OFFLINE. */
  destroy(): void {
    this.#unlisten();
    for (const settle of this.#waiting.values()) settle(null);
    this.#waiting.clear();
  }
}

/** A command that did not succeed (ProtocolClient.request). */
export class CommandFailed extends Error {
  readonly error: ErrorBody;
  constructor(command: CommandType, error: ErrorBody) {
    super(`${command} failed: ${error.code} ${error.message}`);
    this.error = error;
  }
}

/** Check a command's result against its schema (the client, and the server checking its own answers). */
export function parseResult<T extends CommandType>(
  type: T,
  result: unknown,
): { ok: true; result: CommandResult<T> } | { ok: false; issue: string } {
  // The schema table is keyed by command type; TypeScript cannot follow T through the lookup.
  const schema = ResultSchemaByCommand[type] as unknown as {
    safeParse(v: unknown): { success: true; data: CommandResult<T> } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } };
  };
  const parsed = schema.safeParse(result);
  if (parsed.success) return { ok: true, result: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, issue: issue ? `${issue.path.map(String).join(".")}: ${issue.message}` : "invalid" };
}
