import type { ServerResponse } from "node:http";
import type { z } from "zod";

/** Error codes of the HTTP API. Every error body is `{ error: { code, message } }`. */
export const ApiErrorCode = {
  BAD_REQUEST: "BAD_REQUEST", // body or parameters failed validation
  UNAUTHENTICATED: "UNAUTHENTICATED", // no valid session cookie
  FORBIDDEN: "FORBIDDEN", // signed in, but not allowed (role, foreign origin)
  NOT_FOUND: "NOT_FOUND", // unknown route or id (also: a campaign you are not a member of)
  CONFLICT: "CONFLICT", // state does not allow it (e.g. already a member)
  GONE: "GONE", // used or expired invite
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
  RATE_LIMITED: "RATE_LIMITED",
  INTERNAL: "INTERNAL", // a bug or an outage; details are logged, never sent
  UNAVAILABLE: "UNAVAILABLE", // a dependency (database) is down
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

const STATUS: Record<ApiErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

/** Thrown by route handlers; turned into a JSON error response by the router. */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, { error: { code: err.code, message: err.message } });
}

/** Turn a zod failure into one readable sentence: "name: Required; role: Invalid option". */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}
