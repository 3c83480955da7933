import { expect } from "vitest";

/** A tiny cookie-keeping HTTP client for one user against a running app. */
export class HttpUser {
  cookie = "";
  id = "";
  name = "";

  constructor(
    readonly baseUrl: string,
    readonly email: string,
    readonly password = "correct horse battery",
  ) {}

  /** Reuse a session cookie (e.g. against another instance). */
  withCookie(cookie: string): this {
    this.cookie = cookie;
    return this;
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        // A browser sends Origin on every non-GET request; better-auth's CSRF check relies on it.
        ...(method !== "GET" && method !== "HEAD" ? { origin: this.baseUrl } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      redirect: "manual",
    });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) this.absorbCookie(c);
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
    const r = await this.request("POST", "/api/auth/sign-up/email", { name, email: this.email, password: this.password });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const body = r.json as { user: { id: string; name: string } };
    this.id = body.user.id;
    this.name = body.user.name;
    return this;
  }

  async signIn(): Promise<number> {
    const r = await this.request("POST", "/api/auth/sign-in/email", { email: this.email, password: this.password });
    return r.status;
  }

  async createCampaign(name: string): Promise<string> {
    const r = await this.request("POST", "/api/campaigns", { name });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    return (r.json as { campaign: { id: string } }).campaign.id;
  }

  async invite(campaignId: string, role: "player" | "dm"): Promise<string> {
    const r = await this.request("POST", `/api/campaigns/${campaignId}/invites`, { role });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    return (r.json as { code: string }).code;
  }

  async accept(code: string): Promise<void> {
    const r = await this.request("POST", `/api/invites/${code}/accept`);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
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
