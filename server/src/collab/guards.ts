import type { Extension } from "@hocuspocus/server";
import { UpdateGuard } from "./UpdateGuard.ts";

/** Options of the inbound-message guards (malformed updates, awareness caps). */
export interface GuardOptions {
  maxPayloadBytes: number;
}

/**
 * Extensions that vet inbound messages before Hocuspocus applies them (HARD1–HARD5 in SPEC.md).
 * The frame size itself is capped by the socket (`maxPayload`, close 1009) before any of this runs.
 */
export function createGuards(_opts: GuardOptions): Extension[] {
  return [new UpdateGuard()];
}
