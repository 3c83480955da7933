import {
  CommandFailed,
  ProtocolClient,
  providerTransport,
  type Command,
  type CommandOutcome,
  type CommandResult,
  parseServerMessage,
  type Push,
} from "@hexcrawl/shared";
import type { TestClient } from "./providers.ts";

/**
 * DM commands from tests go through the one protocol client (shared/src/protocolClient.ts), like the browser and
 * the benchmark: answers are checked against the protocol's result schemas here too.
 */
const clients = new WeakMap<TestClient["provider"], ProtocolClient>();

function protocolOf(client: TestClient): ProtocolClient {
  let c = clients.get(client.provider);
  if (!c) {
    c = new ProtocolClient(providerTransport(client.provider), { idPrefix: "t" });
    clients.set(client.provider, c);
  }
  return c;
}

/** Send a DM command on a client's connection and wait for its answer (never rejects). */
export function sendCommand<C extends Command>(client: TestClient, cmd: C, timeoutMs = 10_000): Promise<CommandOutcome<C["type"]>> {
  return protocolOf(client).send(cmd as Extract<Command, { type: C["type"] }>, { timeoutMs });
}

/** Like sendCommand, but fails unless the answer is ok; returns the result. */
export async function command<C extends Command>(client: TestClient, cmd: C): Promise<CommandResult<C["type"]>> {
  const r = await sendCommand(client, cmd);
  if (!r.ok) throw new CommandFailed(cmd.type, r.error);
  return r.result;
}

/** Collect server pushes received by a client. */
export function collectPushes(client: TestClient): Push[] {
  const pushes: Push[] = [];
  providerTransport(client.provider).listen((payload) => {
    const msg = parseServerMessage(payload);
    if (msg && "type" in msg) pushes.push(msg);
  });
  return pushes;
}
