import * as Y from "yjs";
import { CloseCode } from "@hexcrawl/shared/protocol";

/**
 * Pure checks of inbound Hocuspocus messages (HARD1–HARD6, HARD8 in SPEC.md). No Hocuspocus import:
 * the extension (UpdateGuard) and the socket bridge call these and close the socket on a verdict.
 *
 * Why decode before applying: Y.applyUpdate integrates the structs first and reads the delete set last, so an
 * update truncated or corrupted in its delete set leaves the structs applied (partial state) before it throws.
 * Y.decodeUpdate reads the whole V1 update without touching any document; on V1 every read advances through the
 * input (lib0's readVarUint throws at the end of the array), so the work is bounded by the frame size. The known
 * yjs hang payloads are V2 ones (run-length decoders that repeat a value without consuming input); Hocuspocus speaks
 * V1 only, so V2 bytes are decoded as V1 here and fail or decode as a bounded V1 update.
 */

/**
 * A bounds-checked reader of lib0's varint encoding (the Hocuspocus/y-protocols wire format), so this module needs
 * nothing beyond yjs. Every read throws past the end; varints beyond 2^53 throw.
 */
class WireReader {
  private pos = 0;
  private static readonly text = new TextDecoder();
  private readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  varUint(): number {
    let num = 0;
    let mult = 1;
    while (this.pos < this.bytes.length) {
      const r = this.bytes[this.pos++] ?? 0;
      num += (r & 0x7f) * mult;
      if (r < 0x80) return num;
      mult *= 128;
      if (num > Number.MAX_SAFE_INTEGER || mult > 2 ** 56) throw new RangeError("varint out of range");
    }
    throw new RangeError("unexpected end of message");
  }

  varBytes(): Uint8Array {
    const len = this.varUint();
    if (len > this.bytes.length - this.pos) throw new RangeError("length beyond the message");
    const out = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  varString(): string {
    return WireReader.text.decode(this.varBytes());
  }

  get hasContent(): boolean {
    return this.pos < this.bytes.length;
  }

  uint8(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new RangeError("unexpected end of message");
    return b;
  }

  skip(n: number): void {
    if (n > this.bytes.length - this.pos) throw new RangeError("unexpected end of message");
    this.pos += n;
  }

  /** lib0 signed varint: first byte carries continuation (0x80), sign (0x40) and 6 bits. */
  varInt(): void {
    let r = this.uint8();
    let bytes = 1;
    while (r & 0x80) {
      r = this.uint8();
      if (++bytes > 9) throw new RangeError("varint out of range");
    }
  }
}

/** Deepest nesting of arrays/objects in a ContentAny / ContentDoc value (real values are flat). */
const MAX_ANY_DEPTH = 64;

/** Skip one lib0 `writeAny` value. */
function skipAny(r: WireReader, depth: number): void {
  if (depth > MAX_ANY_DEPTH) throw new RangeError("value nested too deep");
  const tag = r.uint8();
  switch (tag) {
    case 127: // undefined
    case 126: // null
    case 121: // false
    case 120: // true
      return;
    case 125:
      return r.varInt();
    case 124:
      return r.skip(4);
    case 123:
    case 122:
      return r.skip(8);
    case 119:
    case 116:
      r.varBytes();
      return;
    case 118: {
      const n = r.varUint();
      for (let i = 0; i < n; i++) {
        r.varBytes();
        skipAny(r, depth + 1);
      }
      return;
    }
    case 117: {
      const n = r.varUint();
      for (let i = 0; i < n; i++) skipAny(r, depth + 1);
      return;
    }
    default:
      throw new RangeError(`unknown value tag ${tag}`);
  }
}

/**
 * Walk a V1 update byte by byte (yjs UpdateEncoderV1 layout) and require that it ends exactly at the last byte.
 * Y.decodeUpdate ignores trailing bytes — a V2 update read as V1 decodes as an empty update plus junk — and this
 * walk also bounds every count by the bytes left, so it cannot loop or allocate beyond the frame.
 */
function walkUpdateV1(update: Uint8Array): void {
  const r = new WireReader(update);
  const clients = r.varUint();
  for (let c = 0; c < clients; c++) {
    const structs = r.varUint();
    r.varUint(); // client
    r.varUint(); // first clock
    for (let i = 0; i < structs; i++) {
      const info = r.uint8();
      const ref = info & 0x1f;
      if (ref === 0 || ref === 10) {
        r.varUint(); // GC / Skip length
        continue;
      }
      if (info & 0x80) (r.varUint(), r.varUint()); // origin
      if (info & 0x40) (r.varUint(), r.varUint()); // right origin
      if ((info & 0xc0) === 0) {
        if (r.varUint() === 1) r.varBytes(); // parent: root type name
        else (r.varUint(), r.varUint()); // parent: ID of a nested type
        if (info & 0x20) r.varBytes(); // parentSub (map key)
      }
      switch (ref) {
        case 1: // Deleted
          r.varUint();
          break;
        case 2: {
          // JSON
          const n = r.varUint();
          for (let k = 0; k < n; k++) r.varBytes();
          break;
        }
        case 3: // Binary
        case 4: // String
        case 5: // Embed
          r.varBytes();
          break;
        case 6: // Format
          r.varBytes();
          r.varBytes();
          break;
        case 7: {
          // Type
          const typeRef = r.varUint();
          if (typeRef > 6) throw new RangeError(`unknown type ref ${typeRef}`);
          if (typeRef === 3 || typeRef === 5) r.varBytes(); // XmlElement / XmlHook name
          break;
        }
        case 8: {
          // Any
          const n = r.varUint();
          for (let k = 0; k < n; k++) skipAny(r, 0);
          break;
        }
        case 9: // Doc (sub-document): guid, options
          r.varBytes();
          skipAny(r, 0);
          break;
        default:
          throw new RangeError(`unknown content ref ${ref}`);
      }
    }
  }
  const dsClients = r.varUint();
  for (let c = 0; c < dsClients; c++) {
    r.varUint(); // client
    const ranges = r.varUint();
    for (let i = 0; i < ranges; i++) (r.varUint(), r.varUint());
  }
  if (r.hasContent) throw new RangeError("trailing bytes after update");
}

/** Hocuspocus message types (wire values, @hocuspocus/server MessageType). */
export const WireType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  SyncReply: 4,
  Stateless: 5,
  BroadcastStateless: 6,
  Close: 7,
  SyncStatus: 8,
} as const;

/** Types a client may send. BroadcastStateless is server-internal; SyncStatus flows server → client only. */
const CLIENT_TYPES: ReadonlySet<number> = new Set([
  WireType.Sync,
  WireType.Awareness,
  WireType.Auth,
  WireType.QueryAwareness,
  WireType.SyncReply,
  WireType.Stateless,
  WireType.Close,
]);

/** y-protocols sync sub-types. */
const SyncStep = { step1: 0, step2: 1, update: 2 } as const;

/** Longest document name accepted in a message envelope (UTF-16 units). Real names are < 100. */
export const MAX_DOC_NAME_CHARS = 256;
/** Largest awareness update one message may carry. A full state (cursor, 200-hex selection, user) is < 4 KB. */
export const MAX_AWARENESS_BYTES = 16 * 1024;
/** Most client states one awareness message may carry (a client sends its own; a tab may hold a few). */
export const MAX_AWARENESS_STATES = 8;
/** Largest struct length or clock accepted in an update: far beyond any real document, far below 2^53. */
export const MAX_CLOCK = 2 ** 40;
/** Longest stateless payload (UTF-16 units): a DM command is at most protocol MAX_COMMAND_CHARS (512 Ki). */
export const MAX_STATELESS_CHARS = 512 * 1024;

/**
 * Largest sync step 2 or update a read-only connection may send (W5, LIMIT3). Such a connection never changes the
 * document: its step 2 is the diff of its copy against the server's state vector — empty or tiny for a real client.
 * Larger ones are refused before any decoding (Hocuspocus would decode a read-only step 2 to answer it).
 */
export const MAX_READ_ONLY_UPDATE_BYTES = 64 * 1024;

/** Why a message is refused, and the close code the socket gets. */
export interface Rejection {
  code: number;
  reason: string;
}

const reject = (reason: string, code: number = CloseCode.BAD_REQUEST): Rejection => ({ code, reason });

/**
 * The envelope every message shares: a document name, then a known client message type. Cheap; checked on every
 * frame before Hocuspocus sees it (also before authentication, where Hocuspocus would queue garbage).
 */
export function checkEnvelope(frame: Uint8Array): Rejection | null {
  try {
    const decoder = new WireReader(frame);
    const name = decoder.varString();
    if (name.length === 0 || name.length > MAX_DOC_NAME_CHARS) return reject("bad document name");
    const type = decoder.varUint();
    if (!CLIENT_TYPES.has(type)) return reject(`message type ${type} not accepted from clients`);
    return null;
  } catch {
    return reject("malformed message envelope");
  }
}

/** The message type of a frame whose envelope passed checkEnvelope (null when it does not parse). */
export function messageTypeOf(frame: Uint8Array): number | null {
  try {
    const d = new WireReader(frame);
    d.varString();
    return d.varUint();
  } catch {
    return null;
  }
}

/** A V1 Yjs update is well-formed and within bounds: decodes completely, no absurd clocks or lengths. */
export function checkUpdateV1(update: Uint8Array): Rejection | null {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    walkUpdateV1(update);
    decoded = Y.decodeUpdate(update);
  } catch {
    return reject("malformed update");
  }
  for (const struct of decoded.structs) {
    if (!Number.isSafeInteger(struct.id.clock) || struct.id.clock > MAX_CLOCK || struct.length > MAX_CLOCK || struct.length < 0) {
      return reject("update out of bounds");
    }
  }
  for (const ranges of decoded.ds.clients.values()) {
    for (const r of ranges) {
      if (r.clock > MAX_CLOCK || r.len > MAX_CLOCK || r.len < 0) return reject("update out of bounds");
    }
  }
  return null;
}

/**
 * An update may build on and delete only changes that exist (HARD8): ones the server's document holds (integrated, or
 * pending itself), or ones the update brings. Yjs keeps what it cannot place yet and applies it when the missing
 * clocks arrive, so a forged update naming another client's *future* clocks would take them over:
 * - a delete set naming them silently erases that client's next edits — on the DM document a co-DM's prep, on the
 *   table document another member's markers, past the author rule (NOTES7);
 * - a struct starting past the client's known clocks (a gap) claims them, and that client's real edits at those
 *   clocks are then dropped as already known.
 * A legitimate client sends each client's structs contiguously from what the server has (its own edits in order on
 * one connection; a sync step 2 encodes from the server's state vector), and deletes only what came through the
 * server or what it made itself; a client forwarding what the server itself holds pending (out-of-order delivery
 * during a Redis outage) passes. Pure apart from reading `doc`.
 */
export function checkKnownClocks(doc: Y.Doc, update: Uint8Array): Rejection | null {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return reject("malformed update");
  }
  /** Per client: the clock below which something is known (the server's, its pending, or this update's). */
  const known = new Map<number, number>();
  const raise = (client: number, end: number) => {
    if (end > (known.get(client) ?? 0)) known.set(client, end);
  };
  let pendingRead = false;
  const knownEnd = (client: number, needed: number): boolean => {
    if (needed <= Math.max(Y.getState(doc.store, client), known.get(client) ?? 0)) return true;
    if (pendingRead) return false;
    pendingRead = true;
    raisePending(doc, raise);
    return needed <= (known.get(client) ?? 0);
  };
  // Structs come per client in clock order: each must start where the known clocks (with the update's own) end.
  for (const s of decoded.structs) {
    if (s instanceof Y.Skip) continue;
    if (!knownEnd(s.id.client, s.id.clock)) return reject("update skips changes the server does not have");
    raise(s.id.client, s.id.clock + s.length);
  }
  for (const [client, ranges] of decoded.ds.clients) {
    for (const range of ranges) {
      if (!knownEnd(client, range.clock + range.len)) return reject("update deletes changes the server does not have");
    }
  }
  return null;
}

/** What the server's document itself holds pending (structs waiting for their dependencies, deletes of them). */
function raisePending(doc: Y.Doc, raise: (client: number, end: number) => void): void {
  const { pendingDs, pendingStructs } = doc.store;
  if (pendingDs) {
    for (const [client, ranges] of Y.decodeUpdateV2(pendingDs).ds.clients) for (const r of ranges) raise(client, r.clock + r.len);
  }
  if (pendingStructs) {
    for (const s of Y.decodeUpdateV2(pendingStructs.update).structs) raise(s.id.client, s.id.clock + s.length);
  }
}

/** What checkMessage needs to know about the connection. */
export interface MessageContext {
  readOnly: boolean;
}

/** The awareness payload's size and shape; returns the number of states it carries. */
function checkAwareness(payload: Uint8Array): Rejection | number {
  if (payload.byteLength > MAX_AWARENESS_BYTES) return reject("awareness update too large", CloseCode.TOO_LARGE);
  try {
    const d = new WireReader(payload);
    const count = d.varUint();
    if (count > MAX_AWARENESS_STATES) return reject("too many awareness states");
    for (let i = 0; i < count; i++) {
      d.varUint(); // clientID
      d.varUint(); // clock
      JSON.parse(d.varString());
    }
    if (d.hasContent) return reject("trailing bytes after awareness update");
    return count;
  } catch {
    return reject("malformed awareness update");
  }
}

/** What kind of message passed the check (the extension rate-limits awareness). */
export type CheckedKind = "sync" | "syncStep1" | "awareness" | "queryAwareness" | "stateless" | "other";

/**
 * Full check of one frame from an authenticated connection: envelope, then the payload of its type.
 * Returns the rejection, or the kind of an accepted message.
 */
export function checkMessage(frame: Uint8Array, ctx: MessageContext): Rejection | CheckedKind {
  const envelope = checkEnvelope(frame);
  if (envelope) return envelope;
  try {
    const d = new WireReader(frame);
    d.varString();
    const type = d.varUint();
    switch (type) {
      case WireType.Sync:
      case WireType.SyncReply: {
        const step = d.varUint();
        const payload = d.varBytes();
        if (d.hasContent) return reject("trailing bytes after sync message");
        if (step === SyncStep.step1) {
          // A state vector: pairs of varUints, each at least one byte, so the loop is bounded by the payload.
          const sv = Y.decodeStateVector(payload);
          for (const clock of sv.values()) if (clock > MAX_CLOCK) return reject("state vector out of bounds");
          return "syncStep1";
        }
        if (ctx.readOnly && (step === SyncStep.step2 || step === SyncStep.update)) {
          // LIMIT3: sized before anything decodes it. Hocuspocus applies nothing from a read-only connection and does
          // not decode its updates; only a step 2 is decoded (snapshotContainsUpdate), and that one is small.
          if (payload.byteLength > MAX_READ_ONLY_UPDATE_BYTES) return reject("update on a read-only document", CloseCode.TOO_LARGE);
          if (step === SyncStep.update) return "sync";
        }
        // Read-only connections are refused by Hocuspocus, but only after it decoded the update
        // (Y.snapshotContainsUpdate): the check protects them too.
        if (step === SyncStep.step2 || step === SyncStep.update) return checkUpdateV1(payload) ?? "sync";
        return reject(`unknown sync step ${step}`);
      }
      case WireType.Awareness: {
        const payload = d.varBytes();
        const result = checkAwareness(payload);
        return typeof result === "number" ? "awareness" : result;
      }
      case WireType.QueryAwareness:
        return "queryAwareness";
      case WireType.Stateless: {
        const payload = d.varString();
        if (payload.length > MAX_STATELESS_CHARS) return reject("stateless message too large", CloseCode.TOO_LARGE);
        return "stateless";
      }
      default:
        return "other";
    }
  } catch {
    return reject("malformed message");
  }
}

/**
 * The document update a client frame carries — the payload of a sync step 2 or an update message (Sync or
 * SyncReply) — or null: other message types, sync step 1, the empty update (`[0, 0]`, what a client with nothing
 * new answers), and frames that do not parse. Used to journal client updates (DUR9); the frame has already passed
 * checkMessage. Pure.
 */
export function documentUpdateOf(frame: Uint8Array): Uint8Array | null {
  try {
    const d = new WireReader(frame);
    d.varString();
    const type = d.varUint();
    if (type !== WireType.Sync && type !== WireType.SyncReply) return null;
    const step = d.varUint();
    if (step !== SyncStep.step2 && step !== SyncStep.update) return null;
    const update = d.varBytes();
    if (update.byteLength === 0 || (update.byteLength === 2 && update[0] === 0 && update[1] === 0)) return null;
    return update;
  } catch {
    return null;
  }
}
