import {
  ErrorCode,
  parseServerMessage,
  PROTOCOL_VERSION,
  ResultSchemaByCommand,
  type Command,
  type CommandResponse,
  type CommandResult,
  type ErrorBody,
  type Push,
} from "@hexcrawl/shared/protocol";

/** The part of a HocuspocusProvider that commands travel on (stateless messages of the DM document). */
export interface StatelessChannel {
  sendStateless(payload: string): void;
  on(event: "stateless", handler: (data: { payload: string }) => void): unknown;
  off(event: "stateless", handler: (data: { payload: string }) => void): unknown;
}

/** How long a command may wait for its answer before it is reported as TIMEOUT (it may still have run). */
export const COMMAND_TIMEOUT_MS = 15_000;

/** A command's outcome: the validated result, or a typed error (server codes plus OFFLINE / TIMEOUT). */
export type CommandOutcome<T extends Command["type"]> =
  | { ok: true; result: CommandResult<T> }
  | { ok: false; error: ErrorBody };

/**
 * Request/response over stateless messages: each request gets a fresh id; the answer with that id
 * settles it. Answers are validated against the command's result schema, so a server change shows
 * as a BAD_REQUEST-style error instead of undefined fields in the UI. Pushes go to `onPush`.
 */
export class CommandChannel {
  readonly #channel: StatelessChannel;
  readonly #waiting = new Map<string, (response: CommandResponse | null) => void>();
  readonly #handler: (data: { payload: string }) => void;
  #seq = 0;

  constructor(channel: StatelessChannel, onPush: (push: Push) => void, readonly timeoutMs = COMMAND_TIMEOUT_MS) {
    this.#channel = channel;
    this.#handler = ({ payload }) => {
      const msg = parseServerMessage(payload);
      if (!msg) return;
      if ("type" in msg) {
        onPush(msg);
        return;
      }
      const settle = this.#waiting.get(msg.id);
      if (!settle) return;
      this.#waiting.delete(msg.id);
      settle(msg);
    };
    channel.on("stateless", this.#handler);
  }

  /** Send one command. `online` false answers OFFLINE at once: nothing is queued behind the user's back. */
  send<T extends Command["type"]>(cmd: Extract<Command, { type: T }>, online: boolean): Promise<CommandOutcome<T>> {
    if (!online) {
      return Promise.resolve({ ok: false, error: { code: ErrorCode.OFFLINE, message: "Not connected to the server" } });
    }
    this.#seq += 1;
    const id = `c${Date.now().toString(36)}-${this.#seq}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        resolve({ ok: false, error: { code: ErrorCode.TIMEOUT, message: "No answer from the server; the command may or may not have run" } });
      }, this.timeoutMs);
      this.#waiting.set(id, (response) => {
        clearTimeout(timer);
        if (response === null) return resolve({ ok: false, error: { code: ErrorCode.OFFLINE, message: "Closed" } });
        if (!response.ok) return resolve({ ok: false, error: response.error });
        // The schema table is keyed by command type; TypeScript cannot follow T through the lookup.
        const schema = ResultSchemaByCommand[cmd.type] as unknown as { safeParse(v: unknown): { success: true; data: CommandResult<T> } | { success: false } };
        const parsed = schema.safeParse(response.result);
        resolve(
          parsed.success
            ? { ok: true, result: parsed.data }
            : { ok: false, error: { code: ErrorCode.BAD_REQUEST, message: `Unexpected answer to ${cmd.type}` } },
        );
      });
      this.#channel.sendStateless(JSON.stringify({ v: PROTOCOL_VERSION, id, cmd }));
    });
  }

  destroy(): void {
    this.#channel.off("stateless", this.#handler);
    for (const settle of this.#waiting.values()) settle(null);
    this.#waiting.clear();
  }
}
