import { parseServerMessage, type Command, type CommandResponse, type Push } from "@hexcrawl/shared";
import type { TestClient } from "./providers.ts";

let seq = 0;

/** Send a DM command on a client's connection and wait for its response (by id). */
export function sendCommand(client: TestClient, cmd: Command, timeoutMs = 10_000): Promise<CommandResponse> {
  seq += 1;
  const id = `t${seq}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.provider.off("stateless", onMessage);
      reject(new Error(`no response to ${cmd.type} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = ({ payload }: { payload: string }) => {
      const msg = parseServerMessage(payload);
      if (!msg || !("id" in msg) || msg.id !== id) return;
      clearTimeout(timer);
      client.provider.off("stateless", onMessage);
      resolve(msg);
    };
    client.provider.on("stateless", onMessage);
    client.provider.sendStateless(JSON.stringify({ v: 1, id, cmd }));
  });
}

/** Like sendCommand, but fails unless the response is ok; returns the result. */
export async function command<T = unknown>(client: TestClient, cmd: Command): Promise<T> {
  const r = await sendCommand(client, cmd);
  if (!r.ok) throw new Error(`${cmd.type} failed: ${r.error.code} ${r.error.message}`);
  return r.result as T;
}

/** Collect server pushes received by a client. */
export function collectPushes(client: TestClient): Push[] {
  const pushes: Push[] = [];
  client.provider.on("stateless", ({ payload }: { payload: string }) => {
    const msg = parseServerMessage(payload);
    if (msg && "type" in msg) pushes.push(msg);
  });
  return pushes;
}
