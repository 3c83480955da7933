import { describe, expect, it } from "vitest";
import type { Push } from "./protocol.ts";
import { ProtocolClient, type StatelessTransport } from "./protocolClient.ts";

/** An in-memory transport: records what was sent, lets the test answer as the server. */
class FakeTransport implements StatelessTransport {
  sent: string[] = [];
  #handlers = new Set<(payload: string) => void>();
  send(payload: string): void {
    this.sent.push(payload);
  }
  listen(handler: (payload: string) => void): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }
  deliver(message: unknown): void {
    for (const h of this.#handlers) h(JSON.stringify(message));
  }
  lastId(): string {
    const last = this.sent.at(-1);
    if (!last) throw new Error("nothing sent");
    return (JSON.parse(last) as { id: string }).id;
  }
  get listeners(): number {
    return this.#handlers.size;
  }
}

describe("protocol client", () => {
  it("[OFF3] offline, a command fails at once with OFFLINE and nothing is sent", async () => {
    const t = new FakeTransport();
    const c = new ProtocolClient(t);
    expect(await c.send({ type: "publish" }, { online: false })).toMatchObject({ ok: false, error: { code: "OFFLINE" } });
    expect(t.sent).toEqual([]);
  });

  it("[PROTO12] an answer settles the request with the same id, checked against the result schema; pushes go to onPush", async () => {
    const t = new FakeTransport();
    const pushes: Push[] = [];
    const c = new ProtocolClient(t, { onPush: (p) => pushes.push(p) });
    const pending = c.send({ type: "session", action: "start" });
    expect(JSON.parse(t.sent[0] ?? "")).toMatchObject({ v: 1, cmd: { type: "session", action: "start" } });
    t.deliver({ v: 1, id: "someone-else", ok: true, result: { status: "paused" } });
    t.deliver({ v: 1, type: "session", status: "active" });
    t.deliver({ v: 1, id: t.lastId(), ok: true, result: { status: "active" } });
    expect(await pending).toMatchObject({ ok: true, result: { status: "active" } });
    expect(pushes).toEqual([{ v: 1, type: "session", status: "active" }]);

    const bad = c.send({ type: "drop", hex: "1,1" });
    t.deliver({ v: 1, id: t.lastId(), ok: true, result: { nonsense: true } });
    expect(await bad).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });

    const refused = c.send({ type: "publish" });
    t.deliver({ v: 1, id: t.lastId(), ok: false, error: { code: "READ_ONLY", message: "no" } });
    expect(await refused).toEqual({ ok: false, error: { code: "READ_ONLY", message: "no" } });
    await expect(
      (async () => {
        const r = c.request({ type: "publish" });
        t.deliver({ v: 1, id: t.lastId(), ok: false, error: { code: "FORBIDDEN", message: "no" } });
        return r;
      })(),
    ).rejects.toThrow("publish failed: FORBIDDEN no");
  });

  it("[PROTO12] no answer in time is TIMEOUT (the command may or may not have run); destroy settles what waits and stops listening", async () => {
    const t = new FakeTransport();
    const c = new ProtocolClient(t, { timeoutMs: 20 });
    expect(await c.send({ type: "pending" })).toMatchObject({ ok: false, error: { code: "TIMEOUT" } });
    const waiting = c.send({ type: "pending" }, { timeoutMs: 10_000 });
    c.destroy();
    expect(await waiting).toMatchObject({ ok: false, error: { code: "OFFLINE" } });
    expect(t.listeners).toBe(0);
  });
});
