import WebSocket from "ws";
import { mulberry32 } from "@hexcrawl/shared/prng";

/** lib0-style varint writer for hand-built Hocuspocus frames. */
export class FrameWriter {
  private readonly bytes: number[] = [];
  varUint(n: number): this {
    let v = n;
    while (v > 0x7f) {
      this.bytes.push(0x80 | (v % 128));
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
    return this;
  }
  raw(b: Uint8Array | number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  varBytes(b: Uint8Array): this {
    return this.varUint(b.length).raw(b);
  }
  varString(s: string): this {
    return this.varBytes(new TextEncoder().encode(s));
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export const frames = {
  auth: (doc: string) => new FrameWriter().varString(doc).varUint(2).varUint(0).varString("cookie").done(),
  update: (doc: string, update: Uint8Array) => new FrameWriter().varString(doc).varUint(0).varUint(2).varBytes(update).done(),
  step1: (doc: string, sv: Uint8Array) => new FrameWriter().varString(doc).varUint(0).varUint(0).varBytes(sv).done(),
  awareness: (doc: string, payload: Uint8Array) => new FrameWriter().varString(doc).varUint(1).varBytes(payload).done(),
  type: (doc: string, type: number, rest: number[] = []) => new FrameWriter().varString(doc).varUint(type).raw(rest).done(),
};

/** An awareness update carrying one state. */
export function awarenessPayload(clientId: number, clock: number, state: unknown): Uint8Array {
  return new FrameWriter().varUint(1).varUint(clientId).varUint(clock).varString(JSON.stringify(state)).done();
}

/** A raw `ws` client speaking the Hocuspocus wire format by hand (to send what a provider never would). */
export interface RawSocket {
  ws: WebSocket;
  /** Resolves with the close code (and reason) when the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  send(frame: Uint8Array | string): void;
  /** Send an auth message for `doc` and wait for Authenticated (true) or PermissionDenied (false). */
  authenticate(doc: string, timeoutMs?: number): Promise<boolean>;
  close(): void;
}

function readVarUint(b: Uint8Array, pos: { p: number }): number {
  let num = 0;
  let mult = 1;
  for (;;) {
    const r = b[pos.p++];
    if (r === undefined) throw new Error("end");
    num += (r & 0x7f) * mult;
    if (r < 0x80) return num;
    mult *= 128;
  }
}

export async function openRawSocket(baseUrl: string, cookie: string): Promise<RawSocket> {
  const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/collab", { headers: { origin: baseUrl, cookie } });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on("error", () => undefined);
  const listeners = new Set<(data: Uint8Array) => void>();
  ws.on("message", (data: Buffer) => {
    for (const l of listeners) l(new Uint8Array(data));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return {
    ws,
    closed,
    send: (frame) => ws.send(frame),
    close: () => ws.close(),
    authenticate(doc, timeoutMs = 10_000) {
      return new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(onMessage);
          reject(new Error(`no auth answer for ${doc}`));
        }, timeoutMs);
        const onMessage = (data: Uint8Array) => {
          try {
            const pos = { p: 0 };
            const nameLen = readVarUint(data, pos);
            pos.p += nameLen;
            if (readVarUint(data, pos) !== 2) return; // not an Auth message
            const kind = readVarUint(data, pos); // 1 PermissionDenied, 2 Authenticated
            clearTimeout(timer);
            listeners.delete(onMessage);
            resolve(kind === 2);
          } catch {
            // not ours
          }
        };
        listeners.add(onMessage);
        ws.send(frames.auth(doc));
      });
    },
  };
}

/** Seeded PRNG (mulberry32): the same failures on every run. */
export const seeded = mulberry32;
