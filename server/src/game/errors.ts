import type { ErrorCode } from "@hexcrawl/shared";

/** A command failure with a protocol error code (answered as `{ok: false, error: {code, message}}`). */
export class CommandError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
