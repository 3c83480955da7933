import { apiRoutes, authRoutes, type InviteRole } from "@hexcrawl/shared/httpApi";
import { createApiCaller, type ApiCaller } from "@hexcrawl/shared/httpCaller";

/**
 * A tiny cookie-keeping HTTP client for one user against a running app (tests and bench). `call` is the
 * contract's caller (answers parsed with the route's schema, failures thrown as ApiError); `request` is raw,
 * for sending what the contract does not allow and reading exactly what came back.
 */
export class HttpUser {
  cookie = "";
  id = "";
  name = "";

  readonly baseUrl: string;
  readonly email: string;
  readonly password: string;

  constructor(baseUrl: string, email: string, password = "correct horse battery") {
    this.baseUrl = baseUrl;
    this.email = email;
    this.password = password;
  }

  /** Call a route of the contract as this user. */
  readonly call: ApiCaller = createApiCaller((path, init) => this.send(path, init));

  /** Reuse a session cookie (e.g. against another instance). */
  withCookie(cookie: string): this {
    this.cookie = cookie;
    return this;
  }

  /** Send as a browser would: the session cookie, and an Origin on writes; keep what Set-Cookie says. */
  private async send(path: string, init: RequestInit): Promise<Response> {
    const method = init.method ?? "GET";
    const headers = new Headers(init.headers);
    if (this.cookie && !headers.has("cookie")) headers.set("cookie", this.cookie);
    // A browser sends Origin on every non-GET request; better-auth's CSRF check relies on it.
    if (method !== "GET" && method !== "HEAD" && !headers.has("origin")) headers.set("origin", this.baseUrl);
    const res = await fetch(this.baseUrl + path, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) this.absorbCookie(c);
    return res;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
    const res = await this.send(path, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  }

  private absorbCookie(setCookie: string): void {
    const [pair] = setCookie.split(";");
    if (!pair) return;
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const jar = new Map(
      this.cookie
        .split(";")
        .map((c) => c.trim())
        .filter(Boolean)
        .map((c) => [c.slice(0, c.indexOf("=")), c.slice(c.indexOf("=") + 1)] as const),
    );
    if (value === "" || /max-age=0/i.test(setCookie)) jar.delete(name);
    else jar.set(name, value);
    this.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async signUp(name = this.email.split("@")[0] ?? "user"): Promise<this> {
    const { user } = await this.call(authRoutes.signUp, { body: { name, email: this.email, password: this.password } });
    this.id = user.id;
    this.name = user.name;
    return this;
  }

  async signIn(): Promise<number> {
    const r = await this.request(authRoutes.signIn.method, authRoutes.signIn.path, { email: this.email, password: this.password });
    return r.status;
  }

  async createCampaign(name: string): Promise<string> {
    return (await this.call(apiRoutes.createCampaign, { body: { name } })).campaign.id;
  }

  async invite(campaignId: string, role: InviteRole): Promise<string> {
    return (await this.call(apiRoutes.createInvite, { params: { id: campaignId }, body: { role } })).code;
  }

  async accept(code: string): Promise<void> {
    await this.call(apiRoutes.acceptInvite, { params: { code } });
  }
}

let counter = 0;
/** A unique email for this test run. */
export function uniqueEmail(prefix = "user"): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}@example.test`;
}

/** Poll until `check` stops throwing, or fail with its last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw lastError;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
