import {
  ProtocolClient,
  providerTransport,
  type CommandOutcome,
  type StatelessProvider,
} from "@hexcrawl/shared/protocolClient";
import type { Command, CommandResult, CommandType, Push } from "@hexcrawl/shared/protocol";
import { pendingHexes, type PendingList } from "@hexcrawl/shared/pending";
import { allowedActions, type SessionAction, type SessionStatus } from "@hexcrawl/shared/session";
import type { Member } from "@hexcrawl/shared/httpApi";

/** Why commands are off while the connection is not `connected` (shown next to the disabled buttons). */
/** How long "Published N hexes to M players." stays on screen (LAYOUT8). */
export const PUBLISH_NOTICE_MS = 8_000;
export const OFFLINE_COMMANDS_REASON = "Publishing and session controls need the server: reconnect first (your map edits are kept).";

/** The last publish, as the server announced it to every DM. */
export type PublishNotice = Extract<Push, { type: "published" }>;

/**
 * The DM's commands to the server (publish, drop, session lifecycle) and what the server pushes: the session
 * status, the pending list (sent when a DM connects and a moment after anything changes it — never asked for
 * after an edit, PUSH1), and the last publish by any DM. Commands go through the one protocol client
 * (shared/src/protocolClient.ts) and are only sent while connected — offline they fail at once with OFFLINE and
 * the UI shows `offlineReason` instead of queueing a publish nobody asked to run later (OFF3).
 */
export class DmCommands {
  readonly #client: ProtocolClient;
  readonly #isOnline: () => boolean;
  #status = $state<SessionStatus | null>(null);
  #pending = $state<PendingList | null>(null);
  #busy = $state<CommandType | null>(null);
  #error = $state<string | null>(null);
  #lastPublish = $state<PublishNotice | null>(null);
  #members = $state<Member[] | null>(null);
  #eventsRevision = $state(0);

  /** @param isOnline reactive: true while the DM document's connection is `connected`. */
  constructor(provider: StatelessProvider, isOnline: () => boolean) {
    this.#isOnline = isOnline;
    this.#client = new ProtocolClient(providerTransport(provider), { onPush: (push) => this.#onPush(push) });
  }

  #onPush(push: Push): void {
    if (push.type === "session") this.#status = push.status;
    else if (push.type === "pending") this.#pending = push.pending;
    else if (push.type === "published") this.#showPublished(push);
    else if (push.type === "members") this.#members = push.members;
    else if (push.type === "events") this.#eventsRevision += 1;
  }

  #noticeTimer: ReturnType<typeof setTimeout> | null = null;

  /** A publish notice shows for PUBLISH_NOTICE_MS, then goes (a later publish replaces it). */
  #showPublished(notice: PublishNotice): void {
    this.#lastPublish = notice;
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => {
      this.#lastPublish = null;
      this.#noticeTimer = null;
    }, PUBLISH_NOTICE_MS);
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
  /** The pending list as the server last pushed it; null before the first push. */
  get pending(): PendingList | null {
    return this.#pending;
  }
  /** Number of distinct hexes pending for anyone. */
  get pendingHexCount(): number {
    return this.#pending ? pendingHexes(this.#pending).size : 0;
  }
  /** The command in flight, or null. */
  get busy(): CommandType | null {
    return this.#busy;
  }
  /** The last command's error message, null after a success. */
  get error(): string | null {
    return this.#error;
  }
  /** The campaign's members as the server last pushed them (live: joins, removals, roles); null before. */
  get members(): Member[] | null {
    return this.#members;
  }
  /** Bumped each time the server says new events are in the session log (the log view fetches them). */
  get eventsRevision(): number {
    return this.#eventsRevision;
  }
  /** The last publish by any DM of this campaign, for PUBLISH_NOTICE_MS after it (null otherwise). */
  get lastPublish(): PublishNotice | null {
    return this.#lastPublish;
  }

  async #run<T extends CommandType>(cmd: Extract<Command, { type: T }>): Promise<CommandOutcome<T>> {
    this.#busy = cmd.type;
    try {
      const outcome = await this.#client.send(cmd, { online: this.#isOnline() });
      this.#error = outcome.ok ? null : `${outcome.error.message} (${outcome.error.code})`;
      return outcome;
    } finally {
      this.#busy = null;
    }
  }

  /** Publish every pending change, or only `hexes` (for every player). */
  async publish(hexes?: string[]): Promise<CommandResult<"publish"> | null> {
    const r = await this.#run(hexes ? { type: "publish", hexes } : { type: "publish" });
    return r.ok ? r.result : null;
  }

  /** Drop the pending change of one hex: the server reverts it in the DM document. */
  async drop(hex: string): Promise<boolean> {
    const r = await this.#run({ type: "drop", hex });
    return r.ok;
  }

  /** Move the session lifecycle. */
  async session(action: SessionAction): Promise<boolean> {
    const r = await this.#run({ type: "session", action });
    if (r.ok) this.#status = r.result.status;
    return r.ok;
  }

  destroy(): void {
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
    this.#client.destroy();
  }
}
