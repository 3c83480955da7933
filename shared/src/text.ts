import * as Y from "yjs";

/**
 * Text fields as collaborative text (TEXT1–TEXT5 in SPEC.md). A field of a hex is a Y.Text value in a flat map
 * (`notes["q,r"]`), so two DMs typing in it — online, or one offline — both keep every character: Yjs merges edits
 * inside one Y.Text. Two things need care:
 *
 * - **Writes are diffs.** Replacing a whole text (delete all, insert all) turns concurrent typing into "one text
 *   wins" and moves every cursor. `applyTextDiff` changes only the part between the common prefix and suffix.
 * - **Two Y.Texts created at once.** When two DMs both start an empty field (or convert the same legacy string)
 *   before seeing each other's, each creates its own Y.Text under the same map key; the map keeps one and the
 *   other's characters are gone from the document. `rescueLostTexts` repairs that on the device that authored the
 *   lost text — the only place it is known for sure — by merging its characters into the text that won.
 */

/** The smallest edit turning `ytext` into `next`: keep the common prefix and suffix, replace the middle. */
export function applyTextDiff(ytext: Y.Text, next: string): void {
  const current = ytext.toString();
  if (current === next) return;
  let start = 0;
  const max = Math.min(current.length, next.length);
  while (start < max && current.charCodeAt(start) === next.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && current.charCodeAt(current.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++;
  // Never split a surrogate pair: back off to a character boundary.
  if (start > 0 && isHighSurrogate(current.charCodeAt(start - 1))) start--;
  if (end > 0 && isLowSurrogate(current.charCodeAt(current.length - end))) end--;
  const removed = current.length - start - end;
  const inserted = next.slice(start, next.length - end);
  if (removed > 0) ytext.delete(start, removed);
  if (inserted.length > 0) ytext.insert(start, inserted);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * Write a text value into a map (call inside a transaction): undefined or "" deletes the key; an existing Y.Text is
 * edited in place by the smallest diff; a legacy plain string, or nothing, becomes a new Y.Text holding `value`.
 */
export function writeText(map: Y.Map<unknown>, key: string, value: string | undefined): void {
  const current = map.get(key);
  if (value === undefined || value === "") {
    if (map.has(key)) map.delete(key);
    return;
  }
  if (current instanceof Y.Text) {
    applyTextDiff(current, value);
    return;
  }
  map.set(key, new Y.Text(value));
}

/**
 * The Y.Text of a field, for an editor bound to it: the existing one, or — on first edit — a new one holding the
 * legacy plain string (or nothing), created in `origin`'s transaction.
 */
export function editableText(doc: Y.Doc, map: Y.Map<unknown>, key: string, origin: unknown): Y.Text {
  const current = map.get(key);
  if (current instanceof Y.Text) return current;
  const text = new Y.Text(typeof current === "string" ? current : "");
  doc.transact(() => map.set(key, text), origin);
  return text;
}

/**
 * The characters a Y.Text held before it was deleted: its items are marked deleted but keep their content until
 * the transaction's garbage collection, which runs after observers. Read only inside an observer of the deletion.
 */
export function deletedTextContent(text: Y.Text): string {
  let out = "";
  for (let item = text._start; item !== null; item = item.right) {
    if (item.content instanceof Y.ContentString) out += item.content.str;
  }
  return out;
}

/** Word chunks with their trailing whitespace; leading whitespace is a chunk of its own. */
function chunks(text: string): string[] {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}

/** Above this many chunk pairs the texts are merged by appending (the alignment would cost too much). */
const MERGE_ALIGN_MAX_PAIRS = 1_000_000;

/**
 * Merge `lost` into `winner` keeping every character of both (TEXT3). The two are aligned word by word (longest
 * common subsequence); words only one side has are kept in place, the winner's before the lost one's where both
 * changed the same spot — so two edits of one start ("Old Tower" → "Haunted Old Tower" and "Old Tower (ruined)")
 * become "Haunted Old Tower (ruined)". Texts that share less than half of the lost text's words are unrelated:
 * the lost one is appended on a new line.
 */
export function mergeLostText(winner: string, lost: string): string {
  if (lost === "" || winner.includes(lost)) return winner;
  if (winner === "" || lost.includes(winner)) return lost;
  const a = chunks(winner);
  const b = chunks(lost);
  const append = () => `${winner.replace(/\s*$/, "")}\n${lost}`;
  if (a.length * b.length > MERGE_ALIGN_MAX_PAIRS) return append();
  const word = (c: string) => c.trim();
  // lcs[i][j]: common words of a[i…] and b[j…].
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] = word(a[i] as string) === word(b[j] as string) ? (lcs[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const common = lcs[0]?.[0] ?? 0;
  if (common * 2 < b.filter((c) => word(c) !== "").length) return append();
  const out: string[] = [];
  const emit = (chunk: string) => {
    const last = out.at(-1);
    // Words from the two sides meeting without whitespace between them get a space.
    if (last !== undefined && !/\s$/.test(last) && !/^\s/.test(chunk)) out.push(" ");
    out.push(chunk);
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && word(a[i] as string) === word(b[j] as string)) {
      emit(a[i] as string);
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      emit(a[i] as string);
      i++;
    } else {
      emit(b[j] as string);
      j++;
    }
  }
  return out.join("");
}

/**
 * Watch text maps of `doc` for a Y.Text this device authored being replaced by a concurrent one (TEXT4), and merge
 * its characters into the one that won, in a transaction with `origin`. Only the author repairs, so the merge
 * happens once however many replicas saw both. Returns the function that stops watching.
 */
export function rescueLostTexts(
  doc: Y.Doc,
  fields: readonly string[],
  origin: unknown,
  onRescue?: (field: string, key: string) => void,
  /**
   * Whether a Yjs client id is this device's. Default: the document's current one. A page that reloads gets a new
   * client id, so a device that keeps texts across reloads (IndexedDB) passes the ids of its earlier sessions too.
   */
  isOwnClient: (client: number) => boolean = (client) => client === doc.clientID,
): () => void {
  const stops: Array<() => void> = [];
  for (const field of fields) {
    const map = doc.getMap<unknown>(field);
    const onChange = (event: Y.YMapEvent<unknown>, tx: Y.Transaction) => {
      if (tx.local) return;
      const lost: Array<[string, string]> = [];
      for (const [key, change] of event.changes.keys) {
        if (change.action !== "update") continue;
        const old = change.oldValue as unknown;
        if (!(old instanceof Y.Text) || old._item === null || !isOwnClient(old._item.id.client)) continue;
        const content = deletedTextContent(old);
        if (content !== "") lost.push([key, content]);
      }
      if (lost.length === 0) return;
      // After this transaction: a transaction inside an observer would run inside the remote one.
      queueMicrotask(() => {
        doc.transact(() => {
          for (const [key, content] of lost) {
            const winner = map.get(key);
            const winnerText = winner instanceof Y.Text ? winner.toString() : typeof winner === "string" ? winner : "";
            const merged = mergeLostText(winnerText, content);
            if (merged === winnerText) continue;
            if (winner instanceof Y.Text) applyTextDiff(winner, merged);
            else map.set(key, new Y.Text(merged));
            onRescue?.(field, key);
          }
        }, origin);
      });
    };
    map.observe(onChange);
    stops.push(() => map.unobserve(onChange));
  }
  return () => {
    for (const stop of stops.splice(0)) stop();
  };
}

/** One step of a Y.Text change as Yjs reports it (`event.delta`). */
export type TextDelta = ReadonlyArray<{ retain?: number; insert?: string | object; delete?: number }>;

/**
 * Where a caret at `index` ends up after a remote change (TEXT5): text inserted before it pushes it right, text
 * deleted before it pulls it left (a caret inside a deleted run goes to the start of the run); an insert exactly at
 * the caret keeps the caret before it only when `stickLeft` (the end of a selection sticks right, its start left).
 */
export function transformIndex(delta: TextDelta, index: number, stickLeft = false): number {
  // `old` walks the text as it was; the caret's shift accumulates what changes before it.
  let old = 0;
  let shift = 0;
  for (const op of delta) {
    if (old > index) break;
    if (op.retain !== undefined) {
      old += op.retain;
    } else if (op.insert !== undefined) {
      const len = typeof op.insert === "string" ? op.insert.length : 1;
      if (old < index || (old === index && !stickLeft)) shift += len;
    } else if (op.delete !== undefined) {
      if (old + op.delete <= index) shift -= op.delete;
      else if (old < index) shift -= index - old;
      old += op.delete;
    }
  }
  return Math.max(0, index + shift);
}
