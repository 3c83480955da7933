import { describe, expect, it } from "vitest";
import type { Push } from "@hexcrawl/shared/protocol";
import { CommandChannel, type StatelessChannel } from "./commandChannel.ts";

/** An in-memory stateless channel: records what was sent, lets the test answer as the server. */
class FakeChannel implements StatelessChannel {
  sent: string[] = [];
  #handlers = new Set<(d: { payload: string }) => void>();
  sendStateless(payload: string): void {
    this.sent.push(payload);
  }
  on(_: "stateless", h: (d: { payload: string }) => void): void {
    this.#handlers.add(h);
  }
  off(_: "stateless", h: (d: { payload: string }) => void): void {
    this.#handlers.delete(h);
  }
  deliver(message: unknown): void {
    for (const h of this.#handlers) h({ payload: JSON.stringify(message) });
  }
  lastId(): string {
    const last = this.sent.at(-1);
    if (!last) throw new Error("nothing sent");
    return (JSON.parse(last) as { id: string }).id;
  }
}

describe("DM command channel", () => {
  it("[OFF3] offline, a command fails at once with OFFLINE and nothing is sent", async () => {
    const ch = new FakeChannel();
    const c = new CommandChannel(ch, () => {});
    const r = await c.send({ type: "publish" }, false);
    expect(r).toMatchObject({ ok: false, error: { code: "OFFLINE" } });
    expect(ch.sent).toEqual([]);
  });

  it("[EDIT7] a response settles the request with the same id, validated; pushes go to onPush", async () => {
    const ch = new FakeChannel();
    const pushes: Push[] = [];
    const c = new CommandChannel(ch, (p) => pushes.push(p));
    const pending = c.send({ type: "session", action: "start" }, true);
    expect(JSON.parse(ch.sent[0] ?? "")).toMatchObject({ v: 1, cmd: { type: "session", action: "start" } });
    ch.deliver({ v: 1, id: "someone-else", ok: true, result: { status: "paused" } });
    ch.deliver({ v: 1, type: "session", status: "active" });
    ch.deliver({ v: 1, id: ch.lastId(), ok: true, result: { status: "active" } });
    expect(await pending).toEqual({ ok: true, result: { status: "active" } });
    expect(pushes).toEqual([{ v: 1, type: "session", status: "active" }]);

    const bad = c.send({ type: "drop", hex: "1,1" }, true);
    ch.deliver({ v: 1, id: ch.lastId(), ok: true, result: { nonsense: true } });
    expect(await bad).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });

    const refused = c.send({ type: "publish" }, true);
    ch.deliver({ v: 1, id: ch.lastId(), ok: false, error: { code: "READ_ONLY", message: "no" } });
    expect(await refused).toEqual({ ok: false, error: { code: "READ_ONLY", message: "no" } });
  });

  it("[EDIT7] no answer in time is TIMEOUT (the command may or may not have run)", async () => {
    const ch = new FakeChannel();
    const c = new CommandChannel(ch, () => {}, 20);
    expect(await c.send({ type: "pending" }, true)).toMatchObject({ ok: false, error: { code: "TIMEOUT" } });
  });
});
