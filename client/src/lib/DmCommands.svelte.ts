import type { Command, CommandResult, Push } from "@hexcrawl/shared/protocol";
import { allowedActions, type SessionAction, type SessionStatus } from "@hexcrawl/shared/session";
import { CommandChannel, type CommandOutcome, type StatelessChannel } from "./commandChannel.ts";

/** Pending changes of one player (the server's `pending` result). */
export type PendingPlayer = CommandResult<"pending">["players"][number];

/** Why commands are off while the connection is not `connected` (shown next to the disabled buttons). */
export const OFFLINE_COMMANDS_REASON = "Publishing and session controls need the server: reconnect first (your map edits are kept).";

/** A pending-list refresh waits this long after the last document change, so a drag stroke asks once. */
export const PENDING_REFRESH_DEBOUNCE_MS = 400;

/**
 * The DM's commands to the server (publish, pending, drop, session lifecycle) and what they report:
 * the session status (pushed on connect and on every change), the pending list, the last error.
 * Commands are only sent while connected — offline they fail at once with OFFLINE and the UI shows
 * `offlineReason` instead of queueing a publish nobody asked to run later (OFF3).
 */
export class DmCommands {
  readonly #channel: CommandChannel;
  readonly #isOnline: () => boolean;
  #status = $state<SessionStatus | null>(null);
  #pending = $state<PendingPlayer[] | null>(null);
  #busy = $state<string | null>(null);
  #error = $state<string | null>(null);
  #lastPublish = $state<CommandResult<"publish"> | null>(null);
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;

  /** @param isOnline reactive: true while the DM document's connection is `connected`. */
  constructor(channel: StatelessChannel, isOnline: () => boolean) {
    this.#isOnline = isOnline;
    this.#channel = new CommandChannel(channel, (push) => this.#onPush(push));
  }

  #onPush(push: Push): void {
    if (push.type === "session") this.#status = push.status;
  }

  /** True while commands can be sent. */
  get online(): boolean {
    return this.#isOnline();
  }
  /** Why commands are disabled, or null when they are not. */
  get offlineReason(): string | null {
    return this.#isOnline() ? null : OFFLINE_COMMANDS_REASON;
  }
  /** Current session status as the server last said; null before it said. */
  get status(): SessionStatus | null {
    return this.#status;
  }
  /** Lifecycle actions the current status allows. */
  get allowed(): SessionAction[] {
    return this.#status === null ? [] : allowedActions(this.#status);
  }
  /** Pending changes per player, null before the first answer. */
  get pending(): PendingPlayer[] | null {
    return this.#pending;
  }
  /** Number of distinct hexes pending for anyone. */
  get pendingHexCount(): number {
    const hexes = new Set<string>();
    for (const p of this.#pending ?? []) for (const c of p.changes) hexes.add(c.hex);
    return hexes.size;
  }
  /** The command in flight (its type), or null. */
  get busy(): string | null {
    return this.#busy;
  }
  /** The last command's error message, null after a success. */
  get error(): string | null {
    return this.#error;
  }
  get lastPublish(): CommandResult<"publish"> | null {
    return this.#lastPublish;
  }

  async #run<T extends Command["type"]>(cmd: Extract<Command, { type: T }>, quiet = false): Promise<CommandOutcome<T>> {
    if (!quiet) this.#busy = cmd.type;
    try {
      const outcome = await this.#channel.send(cmd, this.#isOnline());
      if (!quiet || !outcome.ok) this.#error = outcome.ok ? null : `${outcome.error.message} (${outcome.error.code})`;
      return outcome;
    } finally {
      if (!quiet) this.#busy = null;
    }
  }

  /** Ask the server for the pending list now. Silent when offline (the list just stays as it was). */
  async refreshPending(): Promise<void> {
    if (!this.#isOnline()) return;
    const r = await this.#run({ type: "pending" }, true);
    if (r.ok) this.#pending = r.result.players;
  }

  /** Refresh the pending list a moment after the document stops changing. */
  schedulePendingRefresh(): void {
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => void this.refreshPending(), PENDING_REFRESH_DEBOUNCE_MS);
  }

  /** Publish every pending change, or only `hexes` (for every player). */
  async publish(hexes?: string[]): Promise<boolean> {
    const r = await this.#run(hexes ? { type: "publish", hexes } : { type: "publish" });
    if (r.ok) this.#lastPublish = r.result;
    await this.refreshPending();
    return r.ok;
  }

  /** Drop the pending change of one hex: the server reverts it in the DM document. */
  async drop(hex: string): Promise<boolean> {
    const r = await this.#run({ type: "drop", hex });
    await this.refreshPending();
    return r.ok;
  }

  /** Move the session lifecycle. */
  async session(action: SessionAction): Promise<boolean> {
    const r = await this.#run({ type: "session", action });
    if (r.ok) this.#status = r.result.status;
    return r.ok;
  }

  destroy(): void {
    clearTimeout(this.#refreshTimer);
    this.#channel.destroy();
  }
}
