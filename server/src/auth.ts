import { betterAuth } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import type pg from "pg";
import { boundText, displayNameProblem, MAX_DISPLAY_NAME_CHARS } from "@hexcrawl/shared/names";

/** Window of the sign-in / sign-up rate limits. */
const AUTH_LIMIT_WINDOW_S = 60;
/** Header our own HTTP layer sets (after deleting any client-sent copy) to the client address. */
export const CLIENT_IP_HEADER = "x-hexcrawl-client-ip";
/** Session lifetime; refreshed daily while used. */
const SESSION_TTL_S = 60 * 60 * 24 * 30;

export interface AuthOptions {
  pool: pg.Pool;
  secret: string;
  baseURL: string;
  trustedOrigins: string[];
  signInAttemptsPerMinute: number;
  signUpsPerMinute: number;
}

/**
 * better-auth with email + password on the project's Postgres pool.
 * Cookie: HttpOnly, SameSite=Lax, Secure when baseURL is https (better-auth's default), signed.
 * Every sign-in creates a new session row (new id and token) — no session fixation.
 */
export function createAuth(opts: AuthOptions) {
  return betterAuth({
    appName: "Hex Crawl",
    database: opts.pool,
    secret: opts.secret,
    baseURL: opts.baseURL,
    basePath: "/api/auth",
    trustedOrigins: opts.trustedOrigins,
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
    session: { expiresIn: SESSION_TTL_S, updateAge: 60 * 60 * 24, cookieCache: { enabled: false } },
    rateLimit: {
      enabled: true,
      storage: "database",
      window: 60,
      max: 300,
      customRules: {
        "/sign-in/email": { window: AUTH_LIMIT_WINDOW_S, max: opts.signInAttemptsPerMinute },
        "/sign-up/email": { window: AUTH_LIMIT_WINDOW_S, max: opts.signUpsPerMinute },
      },
    },
    advanced: {
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
    },
    telemetry: { enabled: false },
    // NAME1: a display name is 1–64 characters after trimming, without control characters (400 otherwise) — on
    // sign-up and on update-user, the two routes that set it. Stored trimmed.
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/sign-up/email" && ctx.path !== "/update-user") return;
        const body: unknown = ctx.body;
        if (typeof body !== "object" || body === null || !("name" in body)) return;
        if (ctx.path === "/update-user" && body.name === undefined) return;
        const problem = displayNameProblem(body.name);
        if (problem) throw new APIError("BAD_REQUEST", { code: "INVALID_NAME", message: problem });
        return { context: { body: { ...body, name: String(body.name).trim() } } };
      }),
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** The signed-in user behind a request's cookie, or null. Throws only on a database failure. */
export async function sessionUser(
  auth: Auth,
  headers: Headers,
): Promise<{ id: string; name: string; email: string; sessionId: string } | null> {
  const result = await auth.api.getSession({ headers, query: { disableCookieCache: true } });
  if (!result) return null;
  // NAME3: an account named before the checks existed still reaches awareness and the event log bounded.
  return { id: result.user.id, name: boundText(result.user.name, MAX_DISPLAY_NAME_CHARS), email: result.user.email, sessionId: result.session.id };
}
