import type { Extension } from "@hocuspocus/server";
import { UpdateGuard } from "./UpdateGuard.ts";
import { AnnotationGuard } from "./AnnotationGuard.ts";
import type pg from "pg";
import { getMembership } from "../db/repos.ts";

/** Options of the inbound-message guards (malformed updates, awareness caps). */
export interface GuardOptions {
  maxPayloadBytes: number;
  /** Where a writer's role is re-read for the documents the players write (NOTES3). */
  pool?: pg.Pool;
}

/**
 * Extensions that vet inbound messages before Hocuspocus applies them (HARD1–HARD5 in SPEC.md), and the write rules
 * of the documents the players write (NOTES4–NOTES9).
 * The frame size itself is capped by the socket (`maxPayload`, close 1009) before any of this runs.
 */
export function createGuards(opts: GuardOptions): Extension[] {
  const pool = opts.pool;
  return [new UpdateGuard(), new AnnotationGuard(pool ? (campaignId, userId) => getMembership(pool, campaignId, userId) : null)];
}
