import { errorResponse, okResponse, parseResult, type Command, type CommandResult, type CommandType, type ErrorCode, type Push } from "@hexcrawl/shared";
import type { CampaignRoom } from "./CampaignRoom.ts";
import { CommandError } from "./errors.ts";

/** Who sent a command. */
export interface CommandActor {
  userId: string;
}

/** One command's handler: it gets the room, the validated command and the actor; it returns the typed result. */
type Handler<T extends CommandType> = (room: CampaignRoom, cmd: Extract<Command, { type: T }>, actor: CommandActor) => Promise<CommandResult<T>>;

/**
 * The DM commands as a table (CMD1, CMD3 in SPEC.md): each command type has exactly one handler, and its result
 * type is the protocol's result schema for that type. A new command is one schema in `shared/src/protocol.ts` and
 * one line here; TypeScript refuses a table that misses one.
 */
export const COMMAND_HANDLERS: { readonly [T in CommandType]: Handler<T> } = {
  publish: (room, cmd, actor) => room.publish(cmd.hexes, actor.userId),
  pending: (room) => room.pending(),
  drop: (room, cmd, actor) => room.drop(cmd.hex, actor.userId),
  session: (room, cmd, actor) => room.session(cmd.action, actor.userId),
};

/**
 * What every DM (on every instance) is told after a command succeeded, besides the sender's own answer: the new
 * session status, and that a publish happened (LIFE1, PUSH3).
 */
const ANNOUNCEMENTS: { readonly [T in CommandType]?: (result: CommandResult<T>, actor: CommandActor) => Push } = {
  session: (r) => ({ v: 1, type: "session", status: r.status }),
  publish: (r, actor) => ({ v: 1, type: "published", hexes: r.hexes, players: r.players, by: actor.userId, at: r.at }),
};

/** The push announcing a successful command to every DM, if that command has one. */
export function announcement<T extends CommandType>(type: T, result: CommandResult<T>, actor: CommandActor): Push | null {
  const announce = ANNOUNCEMENTS[type] as ((result: CommandResult<T>, actor: CommandActor) => Push) | undefined;
  return announce ? announce(result, actor) : null;
}

/** How a command ended, ready to send. */
export type CommandAnswer<T extends CommandType> =
  | { ok: true; result: CommandResult<T>; json: string }
  | { ok: false; code: ErrorCode; message: string; json: string };

export interface RunOptions {
  /** Check every result against the protocol's schema before sending it (tests; a mismatch answers INTERNAL). */
  verifyAnswers: boolean;
  /** Classifies an unexpected error: UNAVAILABLE when the store is unreachable, INTERNAL otherwise. */
  isUnavailable(err: unknown): boolean;
  onInternalError(err: unknown): void;
}

function fail<T extends CommandType>(id: string, code: ErrorCode, message: string): CommandAnswer<T> {
  return { ok: false, code, message, json: errorResponse(id, code, message) };
}

/** Run one command on a room and build its answer. Never throws. */
export async function runCommand<T extends CommandType>(
  room: CampaignRoom,
  id: string,
  cmd: Extract<Command, { type: T }>,
  actor: CommandActor,
  opts: RunOptions,
): Promise<CommandAnswer<T>> {
  // The table is keyed by command type; TypeScript cannot follow T through the lookup.
  const handler = COMMAND_HANDLERS[cmd.type] as unknown as Handler<T>;
  try {
    const result = await handler(room, cmd, actor);
    if (opts.verifyAnswers) {
      const checked = parseResult(cmd.type, result);
      if (!checked.ok) {
        opts.onInternalError(new Error(`${cmd.type} answered outside its schema: ${checked.issue}`));
        return fail(id, "INTERNAL", "The server's answer did not match the protocol");
      }
    }
    return { ok: true, result, json: okResponse(id, result) };
  } catch (err) {
    if (err instanceof CommandError) return fail(id, err.code, err.message);
    if (opts.isUnavailable(err)) return fail(id, "UNAVAILABLE", "The database is unreachable; try again (repeating a command is safe)");
    opts.onInternalError(err);
    return fail(id, "INTERNAL", "The command failed on the server");
  }
}
