/**
 * True when a Yjs transaction origin is a client connection's update as Hocuspocus applies it (`source:
 * "connection"`): what the journal holds (DUR14) and what the game treats as a DM's own edit on this instance.
 */
export function isConnectionOrigin(origin: unknown): boolean {
  return typeof origin === "object" && origin !== null && "source" in origin && origin.source === "connection";
}
