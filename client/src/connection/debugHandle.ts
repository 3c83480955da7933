/**
 * A read-only window handle for end-to-end tests and debugging (`window.__hexcrawl`), installed only
 * in `vite dev` and in builds made with `--mode test` — never in a production build. It reads state;
 * it has no way to change it, so tests still drive the app through the UI.
 */
export interface DebugHandle {
  /** Document this page has open. */
  documentName: string;
  role: "dm" | "player";
  /** Plain copies of the document's per-hex maps (DM: also dmNotes and reveals). */
  read(): Record<string, unknown>;
  /** Viewport point of a hex centre on the main map, or null when off screen. */
  clientPointOf(key: string): { x: number; y: number } | null;
}

declare global {
  interface Window {
    __hexcrawl?: DebugHandle;
  }
}

/** True where the handle may exist. */
export const DEBUG_HANDLE_ENABLED = import.meta.env.MODE === "development" || import.meta.env.MODE === "test";

/** Install the handle; returns the cleanup. A no-op in production builds. */
export function installDebugHandle(handle: DebugHandle): () => void {
  if (!DEBUG_HANDLE_ENABLED || typeof window === "undefined") return () => {};
  window.__hexcrawl = handle;
  return () => {
    if (window.__hexcrawl === handle) delete window.__hexcrawl;
  };
}
