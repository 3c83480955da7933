import type * as Y from "yjs";
import { dmDocName, ensureDmDoc, partyDocName, playerDocName } from "@hexcrawl/shared";
import type { Player } from "../ports.ts";
import { CampaignRoom } from "../CampaignRoom.ts";
import { EventLog } from "../EventLog.ts";
import { ManualClock, MemoryDocumentHost, MemoryEvents, MemoryMembers, MemorySessions, type MemoryDocument } from "./MemoryPorts.ts";

/** A campaign room on memory ports, with the handles a test needs to drive it. */
export interface MemoryTable {
  campaignId: string;
  room: CampaignRoom;
  clock: ManualClock;
  host: MemoryDocumentHost;
  members: MemoryMembers;
  sessions: MemorySessions;
  events: MemoryEvents;
  log: EventLog;
  /** Background errors the room reported. */
  errors: Array<{ where: string; err: unknown }>;
  dm: MemoryDocument;
  party: MemoryDocument;
  player(userId: string): MemoryDocument;
  /** Apply `fn` to the DM document as an edit arriving from `userId`'s connection on this instance. */
  edit(fn: (doc: Y.Doc) => void, userId?: string): void;
  /** Apply `fn` as an edit that arrived from another instance over Redis. */
  remoteEdit(fn: (doc: Y.Doc) => void): void;
}

/** The transaction origin Hocuspocus gives an update from a client connection of `userId`. */
export function connectionOrigin(userId: string): unknown {
  return { source: "connection", connection: { context: { user: { id: userId } } } };
}

/** A room with a DM document attached and `players` players (ids p0, p1, …). */
export function memoryTable(players: number | Player[] = 2, campaignId = "camp1"): MemoryTable {
  const clock = new ManualClock();
  const host = new MemoryDocumentHost();
  const members = new MemoryMembers();
  const sessions = new MemorySessions(clock);
  const events = new MemoryEvents();
  const errors: MemoryTable["errors"] = [];
  const list = typeof players === "number" ? Array.from({ length: players }, (_, i) => ({ userId: `p${i}`, name: `Player ${i}` })) : players;
  members.set(campaignId, list);
  const log = new EventLog(events, { isUnavailable: () => true, onError: (_c, where, err) => errors.push({ where, err }), clock });
  const room = new CampaignRoom({
    campaignId,
    documents: host,
    members,
    sessions,
    events: log,
    onError: (_c, where, err) => errors.push({ where, err }),
    clock,
  });
  const dm = host.get(dmDocName(campaignId));
  ensureDmDoc(dm, { name: "Memory map" });
  room.attach(dm);
  return {
    campaignId,
    room,
    clock,
    host,
    members,
    sessions,
    events,
    log,
    errors,
    dm,
    party: host.get(partyDocName(campaignId)),
    player: (userId) => host.get(playerDocName(campaignId, userId)),
    edit: (fn, userId = "dm1") => dm.transact(() => fn(dm), connectionOrigin(userId)),
    remoteEdit: (fn) => dm.transact(() => fn(dm), { source: "redis" }),
  };
}
