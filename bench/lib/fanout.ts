import type * as Y from "yjs";
import { sleep } from "./clients.ts";

/**
 * What one receiver shows: its documents, read together (a Hex Crawl player: their own document and
 * the party document; a baseline reader: one document).
 */
export type Receiver = readonly Y.Doc[];

/** The value a receiver shows for `key` of top-level map `map`: the first of its documents that has it. */
export function shown(receiver: Receiver, map: string, key: string): unknown {
  for (const doc of receiver) {
    const m = doc.getMap<unknown>(map);
    if (m.has(key)) return m.get(key);
  }
  return undefined;
}

/**
 * Timing of a change fanning out to many receivers: every receiver is checked on each update of any of
 * its documents, so the time recorded is when the last receiver's provider applied the change.
 */
export class Arrival {
  private check: ((index: number) => void) | null = null;

  private readonly docs: readonly Receiver[];

  constructor(docs: readonly Receiver[]) {
    this.docs = docs;
    docs.forEach((r, i) => {
      for (const doc of r) doc.on("update", () => this.check?.(i));
    });
  }

  /**
   * Start watching for `predicate` on every receiver. Resolves with performance.now() when the last one
   * satisfies it; rejects after `timeoutMs`. Arm before making the change.
   */
  arm(predicate: (receiver: Receiver) => boolean, timeoutMs: number): Promise<number> {
    const done = new Array<boolean>(this.docs.length).fill(false);
    let remaining = this.docs.length;
    const promise = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.check = null;
        reject(new Error(`${remaining} of ${this.docs.length} receivers did not get the change in ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = () => {
        this.check = null;
        clearTimeout(timer);
        resolve(performance.now());
      };
      this.check = (i) => {
        if (done[i]) return;
        const doc = this.docs[i];
        if (!doc || !predicate(doc)) return;
        done[i] = true;
        remaining -= 1;
        if (remaining === 0) finish();
      };
      for (let i = 0; i < this.docs.length && remaining > 0; i++) this.check(i);
      if (this.docs.length === 0) finish();
    });
    // A caller that fails before awaiting this must not turn its timeout into an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  }
}

/** Outcome of a typing run. */
export interface TypingResult {
  keystrokes: number;
  /** Per keystroke: from the writer's transaction to the last receiver showing it. */
  latenciesMs: number[];
  /** Keystrokes that never reached every receiver before the deadline. */
  lost: number;
  windowMs: number;
}

/**
 * Type `keystrokes` characters at `perSecond`, and time each one to the last receiver whose visible text
 * length covers it. `visibleLength(doc)` reads a receiver's text length (any representation).
 */
export async function typeAndTrack(opts: {
  receivers: readonly Receiver[];
  visibleLength: (receiver: Receiver) => number;
  type: (ch: string) => void;
  keystrokes: number;
  perSecond: number;
  tailTimeoutMs: number;
}): Promise<TypingResult> {
  const { receivers, keystrokes } = opts;
  const base = receivers.map((d) => opts.visibleLength(d));
  const seen = receivers.map(() => 0);
  const reached = new Array<number>(keystrokes + 1).fill(0);
  const sentAt = new Array<number>(keystrokes + 1).fill(0);
  const latency = new Array<number>(keystrokes + 1).fill(Number.NaN);
  let sent = 0;
  let complete = 0;
  const onUpdate = (i: number) => {
    const doc = receivers[i];
    if (!doc) return;
    const now = performance.now();
    const have = Math.min(sent, opts.visibleLength(doc) - (base[i] ?? 0));
    for (let k = (seen[i] ?? 0) + 1; k <= have; k++) {
      reached[k] = (reached[k] ?? 0) + 1;
      if (reached[k] === receivers.length) {
        latency[k] = now - (sentAt[k] ?? now);
        complete += 1;
      }
    }
    if (have > (seen[i] ?? 0)) seen[i] = have;
  };
  const handlers = receivers.map((r, i) => {
    const h = () => onUpdate(i);
    for (const doc of r) doc.on("update", h);
    return h;
  });
  const intervalMs = 1000 / opts.perSecond;
  const started = performance.now();
  try {
    for (let k = 1; k <= keystrokes; k++) {
      // Paced against the start time, so a slow iteration does not stretch the run.
      const due = started + (k - 1) * intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sent = k;
      sentAt[k] = performance.now();
      opts.type(String.fromCharCode(97 + (k % 26)));
    }
    const deadline = performance.now() + opts.tailTimeoutMs;
    while (complete < keystrokes && performance.now() < deadline) await sleep(5);
  } finally {
    receivers.forEach((r, i) => {
      const h = handlers[i];
      if (h) for (const doc of r) doc.off("update", h);
    });
  }
  const latenciesMs = latency.slice(1).filter((x) => !Number.isNaN(x));
  return { keystrokes, latenciesMs, lost: keystrokes - latenciesMs.length, windowMs: performance.now() - started };
}

/**
 * Many changes in flight on one receiver at once (a co-DM's edits, one a second, while earlier ones may still be on
 * their way): each is resolved with performance.now() on the first update of the receiver after which `check` holds.
 * At most `maxPending` are watched; older ones are dropped unresolved (their sample then counts its age).
 */
export class Watch {
  private readonly pending: { check: () => boolean; done: (at: number) => void }[] = [];
  private readonly onUpdate = () => this.scan();
  private readonly receiver: Receiver;
  private readonly maxPending: number;

  constructor(receiver: Receiver, maxPending = 1000) {
    this.receiver = receiver;
    this.maxPending = maxPending;
    for (const doc of receiver) doc.on("update", this.onUpdate);
  }

  /** Watch for `check`; `done` gets the time the receiver first showed it (at once if it already does). */
  add(check: () => boolean, done: (at: number) => void): void {
    if (check()) {
      done(performance.now());
      return;
    }
    this.pending.push({ check, done });
    if (this.pending.length > this.maxPending) this.pending.shift();
  }

  get size(): number {
    return this.pending.length;
  }

  private scan(): void {
    const now = performance.now();
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i];
      if (p && p.check()) {
        this.pending.splice(i, 1);
        p.done(now);
      }
    }
  }

  /** Stop watching (unresolved changes stay unresolved). */
  close(): void {
    for (const doc of this.receiver) doc.off("update", this.onUpdate);
    this.pending.length = 0;
  }
}
