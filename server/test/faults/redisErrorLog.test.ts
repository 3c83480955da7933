import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { App } from "../../src/app.ts";
import { REDIS_ERROR_LOG_INTERVAL_MS } from "../../src/collab/redisClientOptions.ts";
import { createTestStore, startTestApp, type TestStore } from "../support/app.ts";
import { eventually } from "../support/http.ts";
import { startTcpProxy, type TcpProxy } from "../support/tcpProxy.ts";
import { TEST_REDIS_URL, delay, missingServices } from "./support.ts";

const missing = await missingServices({ redis: true });

/** Long enough for ioredis to fail many reconnects (it retries every 50 ms, growing to 2 s). */
const OUTAGE_MS = 4_000;

describe.skipIf(missing)("Redis client errors during an outage", () => {
  let store: TestStore;
  let proxy: TcpProxy;
  let app: App;

  beforeAll(async () => {
    store = await createTestStore("pglite");
    proxy = await startTcpProxy(Number(new URL(TEST_REDIS_URL).port || 6379), new URL(TEST_REDIS_URL).hostname);
    app = await startTestApp(store, { redisUrl: proxy.rewrite(TEST_REDIS_URL), instanceName: `redis-log-${process.pid}` });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    proxy?.restore();
    await app?.close();
    await proxy?.close();
    await store?.cleanup();
  });

  it("[DUR8] an outage logs one throttled line instead of an unhandled error event per reconnect, and one line when Redis is back", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));
    };
    // Spy (and pass through nothing): ioredis prints its "Unhandled error event" with console.error.
    vi.spyOn(console, "error").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    const redisLines = () => lines.filter((l) => l.startsWith("[redis]"));

    proxy.cut();
    await delay(OUTAGE_MS);
    const unhandled = lines.filter((l) => l.includes("Unhandled error event"));
    const duringOutage = redisLines();
    proxy.restore();
    await eventually(() => expect(redisLines().some((l) => l.includes("connected again"))).toBe(true), 10_000);
    vi.restoreAllMocks();
    console.info(`[DUR8] ${OUTAGE_MS} ms outage: ${duringOutage.length} [redis] error line(s), ${unhandled.length} unhandled; then: ${redisLines().at(-1)}`);

    expect(unhandled).toEqual([]);
    // pub and sub share one throttle: one line per REDIS_ERROR_LOG_INTERVAL_MS (the outage is shorter).
    expect(OUTAGE_MS).toBeLessThan(REDIS_ERROR_LOG_INTERVAL_MS);
    expect(duringOutage).toHaveLength(1);
  });
});
