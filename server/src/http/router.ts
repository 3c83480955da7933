import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import {
  ApiError,
  matchPath,
  type AnyRoute,
  type RouteBodyOut,
  type RouteParams,
  type RouteQueryOut,
} from "@hexcrawl/shared/httpApi";
import type { AppContext, SessionUser } from "../context.ts";
import { readJsonBody } from "./body.ts";
import { describeZodError, sendJson } from "./errors.ts";
import { CLIENT_IP_HEADER } from "../auth.ts";

/**
 * Serves the routes of the HTTP contract (shared/src/httpApi.ts). Per request, in this order: the session
 * (401 on a signed-in route), the path parameters (decoded; 400 on bad encoding, 404 when they fail their
 * schema), the query (400), the body (400 / 413 / 415); then the handler, whose answer is parsed with the
 * route's response schema before it is sent — nothing outside the contract leaves (API6).
 */

/** What a handler gets: everything already checked against the route's schemas. */
export interface HandlerInput<T extends AnyRoute> {
  ctx: AppContext;
  /** The signed-in caller on a `signedIn` route; null on the others (the session is not read there). */
  user: T["signedIn"] extends true ? SessionUser : null;
  params: RouteParams<T>;
  query: RouteQueryOut<T>;
  body: RouteBodyOut<T>;
  /** The client's address as the server decided it (PROXY1–PROXY3). */
  address: string;
}

/** A route's handler: it can only answer what the route's response schema allows. Errors: throw ApiError. */
export type Handler<T extends AnyRoute> = (input: HandlerInput<T>) => Promise<z.input<T["response"]>>;

/** One handler per route of a table: a route without a handler (or a handler without a route) does not compile. */
export type Handlers<Routes extends Record<string, AnyRoute>> = { [K in keyof Routes]: Handler<Routes[K]> };

/** A route with its handler, as the dispatcher sees them (inputs checked at run time by serve()). */
interface BoundRoute {
  route: AnyRoute;
  handler: (input: { ctx: AppContext; user: SessionUser | null; params: Record<string, string>; query: unknown; body: unknown; address: string }) => Promise<unknown>;
}

function bind<Routes extends Record<string, AnyRoute>, K extends keyof Routes>(
  routes: Routes,
  handlers: Handlers<Routes>,
  name: K,
): BoundRoute {
  const route: AnyRoute = routes[name] as Routes[K];
  const handler = handlers[name];
  // Sound: serve() builds the input from this very route's schemas.
  return { route, handler: (input) => handler(input as unknown as HandlerInput<Routes[K]>) };
}

/** The request handler for a route table. Always answers or throws ApiError (or a bug: a plain Error). */
export function createRouter<Routes extends Record<string, AnyRoute>>(
  routes: Routes,
  handlers: Handlers<Routes>,
): (ctx: AppContext, req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const bound = Object.keys(routes).map((name) => bind(routes, handlers, name));
  return async (ctx, req, res, url) => {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    let pathMatched = false;
    for (const b of bound) {
      const raw = matchPath(b.route.path, path);
      if (!raw) continue;
      pathMatched = true;
      if (b.route.method !== req.method) continue;
      await serve(ctx, req, res, url, b, raw);
      return;
    }
    if (pathMatched) throw new ApiError("METHOD_NOT_ALLOWED", `${req.method ?? "?"} is not allowed on ${path}`);
    throw new ApiError("NOT_FOUND", `No route ${req.method ?? "?"} ${path}`);
  };
}

async function serve(
  ctx: AppContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  { route, handler }: BoundRoute,
  rawParams: Record<string, string>,
): Promise<void> {
  let user: SessionUser | null = null;
  if (route.signedIn) {
    user = await ctx.userFromHeaders(req);
    if (!user) throw new ApiError("UNAUTHENTICATED", "Sign in first");
  }
  let params: Record<string, string> = {};
  if (route.params) {
    const parsed = route.params.safeParse(decodeParams(rawParams));
    // An id that cannot exist is answered like an unknown one: no oracle on the id format.
    if (!parsed.success) throw new ApiError("NOT_FOUND", `No such ${route.params.description ?? "resource"}`);
    params = parsed.data;
  }
  let query: unknown;
  if (route.query) {
    const parsed = route.query.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) throw new ApiError("BAD_REQUEST", describeZodError(parsed.error));
    query = parsed.data;
  }
  const body = route.body ? await readJsonBody(req, route.body, route.maxBodyBytes) : undefined;
  const forwarded = req.headers[CLIENT_IP_HEADER];
  const address = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? req.socket.remoteAddress ?? "";
  const answer = await handler({ ctx, user, params, query, body, address });
  const checked = route.response.safeParse(answer);
  if (!checked.success) {
    // A server bug: answered as INTERNAL by the app, with this in the log.
    throw new Error(`${route.method} ${route.path}: answer outside the contract: ${describeZodError(checked.error)}`);
  }
  sendJson(res, route.status, checked.data);
}

function decodeParams(raw: Record<string, string>): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      throw new ApiError("BAD_REQUEST", "Malformed URL encoding");
    }
  }
  return decoded;
}
