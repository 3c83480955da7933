import type { Extension } from "@hocuspocus/server";

/** Options of the inbound-message guards (malformed updates, awareness caps). */
export interface GuardOptions {
  maxPayloadBytes: number;
}

/** Extensions that vet inbound messages before Hocuspocus applies them. */
export function createGuards(_opts: GuardOptions): Extension[] {
  return [];
}
