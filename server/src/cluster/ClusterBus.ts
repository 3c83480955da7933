import { EventEmitter } from "node:events";
import { Redis } from "ioredis";
import { z } from "zod";
import { IdSchema } from "@hexcrawl/shared";
import { REDIS_CLIENT_OPTIONS, type RedisEventSource } from "../collab/redisClientOptions.ts";

/**
 * Facts one instance learns that every instance must act on (BUS1–BUS3 in SPEC.md): the members of a campaign
 * changed (a player joined, a member was removed, a role changed) — rooms re-read their roster and push the new
 * list, and connections the change no longer allows are closed. Each topic's message is a zod schema, checked on
 * the way in: a message from Redis is untrusted input like any other.
 */
export const BusTopics = {
  /** The members (or their roles) of a campaign changed. */
  members: z.strictObject({ campaignId: IdSchema }),
  /** New events are in a campaign's session log (the DMs' log views fetch them). */
  events: z.strictObject({ campaignId: IdSchema }),
  /** A user's sessions may have ended (sign-out, revoked, password changed): open sockets are checked (REVOKE2). */
  sessions: z.strictObject({ userId: z.string().min(1).max(200) }),
} as const;
export type BusTopic = keyof typeof BusTopics;
export type BusMessage<T extends BusTopic> = z.infer<(typeof BusTopics)[T]>;

/** Publish/subscribe across instances; delivery to this instance's own subscribers is immediate. */
export interface ClusterBus {
  publish<T extends BusTopic>(topic: T, message: BusMessage<T>): void;
  subscribe<T extends BusTopic>(topic: T, handler: (message: BusMessage<T>) => void): () => void;
  close(): Promise<void>;
}

/** The Redis channel of a topic. */
export const busChannel = (topic: BusTopic): string => `hexcrawl:bus:${topic}`;

/** One process: subscribers are called synchronously after the publish. */
export class LocalBus implements ClusterBus {
  readonly #events = new EventEmitter();

  constructor() {
    this.#events.setMaxListeners(0);
  }

  publish<T extends BusTopic>(topic: T, message: BusMessage<T>): void {
    this.#events.emit(topic, message);
  }

  subscribe<T extends BusTopic>(topic: T, handler: (message: BusMessage<T>) => void): () => void {
    const safe = (message: BusMessage<T>) => {
      try {
        handler(message);
      } catch (err) {
        console.error(`[bus] ${topic} handler failed:`, err);
      }
    };
    this.#events.on(topic, safe);
    return () => void this.#events.off(topic, safe);
  }

  async close(): Promise<void> {
    this.#events.removeAllListeners();
  }
}

/**
 * Several instances over Redis pub/sub (its own two connections; the Hocuspocus Redis extension's are left to it).
 * A message reaches this instance's subscribers at once and the others' through Redis — never twice here: our own
 * messages coming back from Redis are recognised by the instance id and skipped. During a Redis outage other
 * instances miss what happened meanwhile; rooms re-read their roster on the presence heartbeat (5 s) anyway.
 */
export class RedisBus implements ClusterBus {
  readonly #local = new LocalBus();
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #instance: string;

  constructor(redisUrl: string, instance: string) {
    this.#instance = instance;
    this.#pub = new Redis(redisUrl, { ...REDIS_CLIENT_OPTIONS, lazyConnect: false });
    this.#sub = new Redis(redisUrl, { ...REDIS_CLIENT_OPTIONS, lazyConnect: false });
    const channels = (Object.keys(BusTopics) as BusTopic[]).map(busChannel);
    void this.#sub.subscribe(...channels).catch((err: unknown) => console.error("[bus] subscribe failed:", err));
    this.#sub.on("message", (channel: string, raw: string) => this.#receive(channel, raw));
  }

  /**
   * The Redis connections, for one shared error log (logRedisErrors, DUR8: one line per interval for every Redis
   * client of the process). Give them to it right after construction.
   */
  get clients(): readonly RedisEventSource[] {
    return [this.#pub, this.#sub];
  }

  #receive(channel: string, raw: string): void {
    const topic = (Object.keys(BusTopics) as BusTopic[]).find((t) => busChannel(t) === channel);
    if (!topic) return;
    let envelope: unknown;
    try {
      envelope = JSON.parse(raw);
    } catch {
      return;
    }
    const parsed = z.strictObject({ from: z.string().max(200), message: BusTopics[topic] }).safeParse(envelope);
    if (!parsed.success || parsed.data.from === this.#instance) return;
    this.#local.publish(topic, parsed.data.message as BusMessage<typeof topic>);
  }

  publish<T extends BusTopic>(topic: T, message: BusMessage<T>): void {
    this.#local.publish(topic, message);
    void this.#pub
      .publish(busChannel(topic), JSON.stringify({ from: this.#instance, message }))
      .catch((err: unknown) => console.warn(`[bus] publish ${topic} failed:`, err instanceof Error ? err.message : err));
  }

  subscribe<T extends BusTopic>(topic: T, handler: (message: BusMessage<T>) => void): () => void {
    return this.#local.subscribe(topic, handler);
  }

  async close(): Promise<void> {
    await this.#local.close();
    this.#sub.disconnect();
    this.#pub.disconnect();
  }
}
