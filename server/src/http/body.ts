import type { IncomingMessage } from "node:http";
import type { z } from "zod";
import { ApiError } from "@hexcrawl/shared/httpApi";
import { describeZodError } from "./errors.ts";

/** JSON bodies of the API are small; anything larger is refused before it is buffered. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** Read a request's whole body (bounded by `maxBytes`), parse JSON, validate with `schema`. Empty body parses as `{}`. */
export async function readJsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>, maxBytes: number = MAX_JSON_BODY_BYTES): Promise<T> {
  const type = req.headers["content-type"];
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) {
    throw new ApiError("PAYLOAD_TOO_LARGE", `Body larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > maxBytes) {
      throw new ApiError("PAYLOAD_TOO_LARGE", `Body larger than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let value: unknown = {};
  if (text.trim().length > 0) {
    if (type !== undefined && !type.toLowerCase().startsWith("application/json")) {
      throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send JSON with content-type application/json");
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError("BAD_REQUEST", "Body is not valid JSON");
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ApiError("BAD_REQUEST", describeZodError(parsed.error));
  return parsed.data;
}
