import { z } from "zod";
import {
  ApiError,
  AuthErrorBodySchema,
  codeForStatus,
  isApiErrorCode,
  routePath,
  type AnyRoute,
  type RouteBodyIn,
  type RouteParams,
  type RouteQueryIn,
  type RouteResponse,
} from "./httpApi.ts";

/**
 * The one caller of the HTTP API (API7): the browser client, the tests and the bench all call routes of the
 * contract through it, each with its own transport (the browser's same-origin fetch, a test's cookie jar).
 * It builds the path and query from the route, sends the body as JSON, and resolves to the response parsed
 * with the route's schema — or throws an ApiError: the server's code and message, NETWORK when nothing
 * answered, BAD_RESPONSE when the answer does not match the contract.
 */

/** Sends one request. `path` is absolute on the server (`/api/…`); the transport adds origin and cookies. */
export type Transport = (path: string, init: RequestInit) => Promise<Response>;

/** The empty object type: `Empty extends X` holds when X has no required key. */
type Empty = Record<never, never>;
type ParamsPart<T extends AnyRoute> = T["params"] extends z.ZodType ? { params: RouteParams<T> } : { params?: undefined };
type QueryPart<T extends AnyRoute> = T["query"] extends z.ZodType
  ? Empty extends RouteQueryIn<T>
    ? { query?: RouteQueryIn<T> }
    : { query: RouteQueryIn<T> }
  : { query?: undefined };
// A route whose body has no required field (accept, sign-out) may be called without one: `{}` is sent.
type BodyPart<T extends AnyRoute> = T["body"] extends z.ZodType
  ? Empty extends RouteBodyIn<T>
    ? { body?: RouteBodyIn<T> }
    : { body: RouteBodyIn<T> }
  : { body?: undefined };

/** What a call of `T` takes: its path parameters, query and body, each only where the route has one. */
export type CallInput<T extends AnyRoute> = ParamsPart<T> & QueryPart<T> & BodyPart<T>;
type CallArgs<T extends AnyRoute> = Empty extends CallInput<T> ? [input?: CallInput<T>] : [input: CallInput<T>];

export type ApiCaller = <T extends AnyRoute>(route: T, ...args: CallArgs<T>) => Promise<RouteResponse<T>>;

/** Generous: an error body of our routes with a code this build does not know still keeps its message. */
const LenientErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string().min(1) }) });

/** The ApiError for a non-2xx answer and its (possibly non-JSON) body. Pure. */
export function errorFromResponse(status: number, body: unknown): ApiError {
  const ours = LenientErrorBodySchema.safeParse(body);
  if (ours.success) {
    const { code, message } = ours.data.error;
    return new ApiError(isApiErrorCode(code) ? code : codeForStatus(status), message, status);
  }
  const auth = AuthErrorBodySchema.safeParse(body);
  if (auth.success) return new ApiError(codeForStatus(status), auth.data.message, status);
  return new ApiError(codeForStatus(status), `The server answered ${status}.`, status);
}

/** A response text as JSON; an empty body is `null`, a non-JSON one (a proxy's HTML page) stays text. */
export function parseResponseText(text: string): unknown {
  if (text.length === 0) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function queryString(query: unknown): string {
  if (query === undefined || query === null) return "";
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A caller over `transport`. */
export function createApiCaller(transport: Transport): ApiCaller {
  return async <T extends AnyRoute>(route: T, ...[input]: CallArgs<T>): Promise<RouteResponse<T>> => {
    const parts = (input ?? {}) as { params?: RouteParams<T>; query?: unknown; body?: unknown };
    const path = routePath(route, parts.params ?? ({} as RouteParams<T>)) + queryString(parts.query);
    const headers: Record<string, string> = { accept: "application/json" };
    let body: string | null = null;
    if (route.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(parts.body ?? {});
    }
    let status: number;
    let data: unknown;
    try {
      const res = await transport(path, { method: route.method, headers, body });
      status = res.status;
      data = parseResponseText(await res.text());
    } catch {
      throw new ApiError("NETWORK", "Cannot reach the server. Check your connection.");
    }
    // Any 2xx is a success here (the contract's exact status is the server's promise, tested there).
    if (status < 200 || status >= 300) throw errorFromResponse(status, data);
    const parsed = route.response.safeParse(data);
    if (!parsed.success) throw new ApiError("BAD_RESPONSE", `Unexpected answer from ${route.method} ${route.path}.`, status);
    return parsed.data as RouteResponse<T>;
  };
}
