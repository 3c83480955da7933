import * as Y from "yjs";
import {
  ANNOTATION_MAPS,
  ANNOTATION_NOTE_MAX_CHARS,
  AnnotationMap,
  ItemIdSchema,
  MAX_ENTRIES,
  itemProblem,
  type AnnotationDocKind,
} from "@hexcrawl/shared/annotations";
import { parseHexKey } from "@hexcrawl/shared/hex";
import { CloseCode } from "@hexcrawl/shared/protocol";
import type { Rejection } from "./messageChecks.ts";

/**
 * The write rules of the documents the players write (NOTES4–NOTES7 in SPEC.md), checked on the decoded update
 * before Hocuspocus applies it. Pure: a Y.Doc (the server's copy) and the update in, a verdict out.
 *
 * Every new item of the update is placed — top-level name, map key, and for note characters the Y.Text they go
 * into — from its own parent fields or, when Yjs left those out (an item with a left or right neighbour inherits
 * the neighbour's parent), from the neighbour, looked up in the update itself or in the document. Items whose
 * neighbour was garbage-collected are turned into GC by Yjs on integration (nothing lands), so they pass. Deletions
 * are checked against the items they remove. An update that depends on items the server does not have is refused:
 * a client only builds on what it has from the server or made itself, so such an update is forged.
 */

/** Who writes: their user id, and whether they may remove other members' items (a DM on the table). */
export interface AnnotationWriter {
  userId: string;
  moderator: boolean;
}

/** Where an item lands. `text`: a character run inside the Y.Text `typeId` of note `key`. */
type Place =
  | { kind: "gc" }
  | { kind: "entry"; root: string; key: string | null }
  | { kind: "text"; root: string; key: string | null; typeId: string };

type Struct = Y.Item | Y.GC | Y.Skip;

const reject = (reason: string, code: number = CloseCode.BAD_REQUEST): Rejection => ({ code, reason });

class Refused extends Error {
  readonly rejection: Rejection;
  constructor(rejection: Rejection) {
    super(rejection.reason);
    this.rejection = rejection;
  }
}

const idKey = (id: Y.ID): string => `${id.client}:${id.clock}`;

/** A struct of the update or the document containing `id`, or null. */
function finder(doc: Y.Doc, structs: readonly Struct[]): (id: Y.ID) => { struct: Struct; inDoc: boolean } | null {
  const byClient = new Map<number, Struct[]>();
  for (const s of structs) {
    let list = byClient.get(s.id.client);
    if (!list) byClient.set(s.id.client, (list = []));
    list.push(s);
  }
  return (id) => {
    for (const s of byClient.get(id.client) ?? []) {
      if (s.id.clock <= id.clock && id.clock < s.id.clock + s.length && !(s instanceof Y.Skip)) return { struct: s, inDoc: false };
    }
    if (Y.getState(doc.store, id.client) <= id.clock) return null;
    const list = doc.store.clients.get(id.client);
    if (!list) return null;
    const s = list[Y.findIndexSS(list, id.clock)];
    return s ? { struct: s, inDoc: true } : null;
  };
}

/** The root name of a top-level type of `doc`. */
function rootNameOf(doc: Y.Doc, type: Y.AbstractType<unknown>): string | null {
  for (const [name, t] of doc.share) if (t === type) return name;
  return null;
}

/**
 * Check one update against the document it is about to be applied to. Returns the rejection (close code and a
 * short reason for the writer), or null to let it through.
 */
export function checkAnnotationUpdate(
  doc: Y.Doc,
  update: Uint8Array,
  kind: AnnotationDocKind,
  writer: AnnotationWriter,
): Rejection | null {
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return reject("malformed update");
  }
  try {
    check(doc, decoded.structs, decoded.ds, kind, writer);
    return null;
  } catch (err) {
    if (err instanceof Refused) return err.rejection;
    return reject("update refused");
  }
}

function check(doc: Y.Doc, structs: readonly Struct[], ds: ReturnType<typeof Y.decodeUpdate>["ds"], kind: AnnotationDocKind, writer: AnnotationWriter): void {
  const allowed: readonly string[] = ANNOTATION_MAPS[kind];
  const find = finder(doc, structs);
  const places = new Map<Struct, Place>();

  const placeOfDocItem = (item: Y.Item): Place => {
    const parent = item.parent;
    if (!(parent instanceof Y.AbstractType)) return { kind: "gc" };
    if (parent._item === null) {
      const root = rootNameOf(doc, parent);
      if (root === null) throw new Refused(reject("update builds on an unknown type"));
      return { kind: "entry", root, key: item.parentSub };
    }
    const outer = placeOf(parent._item);
    if (outer.kind === "gc") return outer;
    if (outer.kind === "text") throw new Refused(reject("nested too deep"));
    return { kind: "text", root: outer.root, key: outer.key, typeId: idKey(parent._item.id) };
  };

  /** The place of a struct of the update or the document (memoised; the update's parents resolve first). */
  const placeOf = (s: Struct, inDoc = false, depth = 0): Place => {
    const known = places.get(s);
    if (known) return known;
    if (depth > 10_000) throw new Refused(reject("update too deeply chained"));
    let place: Place;
    if (!(s instanceof Y.Item)) place = { kind: "gc" };
    else if (inDoc || s.parent instanceof Y.AbstractType) place = placeOfDocItem(s);
    else if (typeof s.parent === "string") place = { kind: "entry", root: s.parent, key: s.parentSub };
    else if (s.parent instanceof Y.ID) {
      const found = find(s.parent);
      if (!found) throw new Refused(reject("update depends on changes the server does not have"));
      const outer = found.struct;
      // A parent that is gone (GC, or an item whose content was deleted): Yjs integrates the item as GC, nothing lands.
      if (!(outer instanceof Y.Item) || !(outer.content instanceof Y.ContentType)) place = { kind: "gc" };
      else {
        const op = placeOf(outer, found.inDoc, depth + 1);
        if (op.kind === "gc") place = op;
        else if (op.kind === "text") throw new Refused(reject("nested too deep"));
        else place = { kind: "text", root: op.root, key: op.key, typeId: idKey(outer.id) };
      }
    } else {
      const neighbour = s.origin ?? s.rightOrigin;
      if (!neighbour) throw new Refused(reject("item without a parent"));
      const found = find(neighbour);
      if (!found) throw new Refused(reject("update depends on changes the server does not have"));
      const np = placeOf(found.struct, found.inDoc, depth + 1);
      place = np.kind === "entry" ? { ...np, key: found.struct instanceof Y.Item ? found.struct.parentSub : np.key } : np;
    }
    places.set(s, place);
    return place;
  };

  const rootEntries = (root: string): Map<string, Y.Item> => doc.share.get(root)?._map ?? new Map<string, Y.Item>();
  const newKeys = new Map<string, Set<string>>();
  /** Characters each note's Y.Text gains (inserts minus deletions), by the text's item id. */
  const textGrowth = new Map<string, number>();
  const grow = (typeId: string, n: number) => textGrowth.set(typeId, (textGrowth.get(typeId) ?? 0) + n);

  for (const s of structs) {
    if (!(s instanceof Y.Item)) continue;
    // Already integrated (a resend): nothing new lands.
    if (s.id.clock + s.length <= Y.getState(doc.store, s.id.client)) continue;
    const place = placeOf(s);
    if (place.kind === "gc") continue;
    if (!allowed.includes(place.root)) throw new Refused(reject(`top-level "${place.root.slice(0, 40)}" is not allowed in a ${kind} document`));
    const content = s.content;
    if (place.kind === "text") {
      if (place.root !== AnnotationMap.notes) throw new Refused(reject(`${place.root}: values must be plain`));
      if (s.parentSub !== null) throw new Refused(reject("notes: a note is text, not a map"));
      if (content instanceof Y.ContentString) grow(place.typeId, content.str.length);
      else if (!(content instanceof Y.ContentDeleted)) throw new Refused(reject("notes: only plain text"));
      continue;
    }
    const key = place.key;
    if (key === null) throw new Refused(reject(`${place.root} must be a map`));
    if (content instanceof Y.ContentDeleted) continue;
    if (place.root === AnnotationMap.notes) {
      if (!parseHexKey(key)) throw new Refused(reject("notes: key is not a hex"));
      if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Text)) throw new Refused(reject("notes: a note must be text"));
      grow(idKey(s.id), 0);
    } else {
      const map = place.root === AnnotationMap.markers ? "markers" : "drawings";
      if (!ItemIdSchema.safeParse(key).success) throw new Refused(reject(`${map}: bad id`));
      if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) throw new Refused(reject(`${map}: values must be plain`));
      const problem = itemProblem(map, content.arr[0], writer.userId);
      if (problem) throw new Refused(reject(problem, /larger than/.test(problem) ? CloseCode.TOO_LARGE : CloseCode.BAD_REQUEST));
      // Replacing a value: the one it replaces must be the writer's own (or the writer a DM on the table).
      const current = rootEntries(place.root).get(key);
      if (current && !current.deleted && !writer.moderator && authorOf(current) !== writer.userId) {
        throw new Refused(reject(`${map}: only its author may change it`, CloseCode.FORBIDDEN));
      }
    }
    if (!rootEntries(place.root).has(key) || rootEntries(place.root).get(key)?.deleted) {
      let set = newKeys.get(place.root);
      if (!set) newKeys.set(place.root, (set = new Set()));
      set.add(key);
    }
  }

  // Deletions: other members' markers and drawings only by a DM; note characters shrink their note.
  for (const [client, ranges] of ds.clients) {
    const list = doc.store.clients.get(client);
    if (!list) continue;
    const state = Y.getState(doc.store, client);
    for (const range of ranges) {
      if (range.clock >= state) continue;
      const end = range.clock + range.len;
      for (let i = Y.findIndexSS(list, range.clock); i < list.length; i++) {
        const s = list[i];
        if (!s || s.id.clock >= end) break;
        if (!(s instanceof Y.Item) || s.deleted) continue;
        const place = placeOf(s, true);
        if (place.kind === "text" && s.content instanceof Y.ContentString) {
          const from = Math.max(s.id.clock, range.clock);
          const to = Math.min(s.id.clock + s.length, end);
          grow(place.typeId, -(to - from));
        } else if (place.kind === "entry" && place.root !== AnnotationMap.notes && !writer.moderator && authorOf(s) !== writer.userId) {
          throw new Refused(reject(`${place.root}: only its author may remove it`, CloseCode.FORBIDDEN));
        }
      }
    }
  }

  for (const [typeId, delta] of textGrowth) {
    if (delta <= 0) continue;
    const [client, clock] = typeId.split(":").map(Number);
    let current = 0;
    if (client !== undefined && clock !== undefined) {
      const found = find(new Y.ID(client, clock));
      if (found?.inDoc && found.struct instanceof Y.Item && found.struct.content instanceof Y.ContentType) {
        current = found.struct.content.type._length;
      }
    }
    if (current + delta > ANNOTATION_NOTE_MAX_CHARS) {
      throw new Refused(reject(`notes: a note longer than ${ANNOTATION_NOTE_MAX_CHARS} characters`, CloseCode.TOO_LARGE));
    }
  }

  for (const [root, keys] of newKeys) {
    const max = MAX_ENTRIES[kind][root as AnnotationMap];
    let live = 0;
    for (const item of rootEntries(root).values()) if (!item.deleted) live++;
    if (live + keys.size > max) throw new Refused(reject(`${root}: more than ${max} entries`, CloseCode.TOO_LARGE));
  }
}

/** The author field of a marker or drawing item, if it has one. */
function authorOf(item: Y.Item): string | null {
  if (!(item.content instanceof Y.ContentAny)) return null;
  const value: unknown = item.content.arr[0];
  if (value !== null && typeof value === "object" && "author" in value && typeof value.author === "string") return value.author;
  return null;
}
