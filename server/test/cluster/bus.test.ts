import { afterAll, describe, expect, it } from "vitest";
import { LocalBus, RedisBus, busChannel } from "../../src/cluster/ClusterBus.ts";
import { Redis } from "ioredis";
import { eventually } from "../support/http.ts";
import { missingServices, TEST_REDIS_URL } from "../faults/support.ts";

const missing = await missingServices({ redis: true });

describe("[BUS] cluster bus", () => {
  it("[BUS1] one process: a subscriber hears every publish at once; a throwing subscriber hurts nobody", async () => {
    const bus = new LocalBus();
    const heard: string[] = [];
    bus.subscribe("members", () => {
      throw new Error("a bug in one subscriber");
    });
    const stop = bus.subscribe("members", (m) => heard.push(m.campaignId));
    bus.publish("members", { campaignId: "c1" });
    stop();
    bus.publish("members", { campaignId: "c2" });
    expect(heard).toEqual(["c1"]);
    await bus.close();
  });

  const buses: RedisBus[] = [];
  afterAll(async () => {
    for (const b of buses) await b.close();
  });

  it.skipIf(missing)("[BUS2] over Redis: every instance hears a publish once — its own at once, not again through Redis; malformed messages are dropped", async () => {
    const a = new RedisBus(TEST_REDIS_URL, `bus-a-${process.pid}`);
    const b = new RedisBus(TEST_REDIS_URL, `bus-b-${process.pid}`);
    buses.push(a, b);
    const heardA: string[] = [];
    const heardB: string[] = [];
    a.subscribe("members", (m) => heardA.push(m.campaignId));
    b.subscribe("members", (m) => heardB.push(m.campaignId));
    // Subscriptions are set up asynchronously: wait until a publish from A reaches B.
    await eventually(() => {
      a.publish("members", { campaignId: "warmup" });
      expect(heardB).toContain("warmup");
    }, 5000, 200);
    // Warm-up messages still in flight may arrive late: leave them out of what is compared below.
    const real = (heard: string[]) => heard.filter((c) => c !== "warmup");
    heardA.length = 0;
    heardB.length = 0;
    a.publish("members", { campaignId: "camp-1" });
    expect(heardA).toEqual(["camp-1"]);
    await eventually(() => expect(real(heardB)).toEqual(["camp-1"]));
    // Garbage on the channel (a foreign writer): parsed with the topic's schema and dropped.
    const raw = new Redis(TEST_REDIS_URL);
    try {
      await raw.publish(busChannel("members"), "not json");
      await raw.publish(busChannel("members"), JSON.stringify({ from: "x", message: { campaignId: "bad id!" } }));
      await raw.publish(busChannel("members"), JSON.stringify({ from: "x", message: { campaignId: "camp-2" } }));
    } finally {
      raw.disconnect();
    }
    await eventually(() => expect(real(heardB)).toEqual(["camp-1", "camp-2"]));
    // A hears the foreign message too (on its own subscriber connection, maybe a moment after B), and its own
    // message is never delivered to it a second time through Redis.
    await eventually(() => expect(real(heardA)).toEqual(["camp-1", "camp-2"]));
    await new Promise((r) => setTimeout(r, 200));
    expect(real(heardA)).toEqual(["camp-1", "camp-2"]);
  });
});
