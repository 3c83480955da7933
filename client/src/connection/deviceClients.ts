/**
 * The Yjs client ids this device used for a document across page loads. Yjs draws a new client id per load, so a
 * device that keeps a document in IndexedDB and edits it offline before a reload writes under several ids; the
 * rescue of a text it started (TEXT4, `rescueLostTexts`) must recognise all of them as its own.
 */

/** Most client ids of earlier sessions remembered per document (a session that wrote nothing costs one entry). */
const MAX_REMEMBERED_CLIENTS = 64;

/** The client ids this device used for the document `name`, this load's `current` included (localStorage). */
export function deviceClientIds(name: string, current: number): Set<number> {
  const key = `hexcrawl:clients:${name}`;
  let ids: number[] = [];
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key) ?? "[]");
    if (Array.isArray(parsed)) ids = parsed.filter((n): n is number => Number.isSafeInteger(n));
  } catch {
    ids = [];
  }
  ids = [...ids.filter((n) => n !== current), current].slice(-MAX_REMEMBERED_CLIENTS);
  try {
    localStorage.setItem(key, JSON.stringify(ids));
  } catch {
    // storage unavailable: this session's id still counts
  }
  return new Set(ids);
}
