import type { ServerResponse } from "node:http";
import type { z } from "zod";
import type { ApiError } from "@hexcrawl/shared/httpApi";

// The error codes, their statuses and the ApiError class are the contract's (shared/src/httpApi.ts):
// handlers throw ApiError, the app turns it into `{error: {code, message}}` with its status here.

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
  sendJson(res, err.status, err.toBody());
}

/** Turn a zod failure into one readable sentence: "name: Required; role: Invalid option". */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}
