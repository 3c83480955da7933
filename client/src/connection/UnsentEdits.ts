import type * as Y from "yjs";
import type { HocuspocusProvider } from "@hocuspocus/provider";

/**
 * Counts this device's own edits the server has not acknowledged, and keeps the count in localStorage
 * so it survives a reload while offline (the provider's own `unsyncedChanges` starts at 0 in a new
 * page even though IndexedDB holds unsent edits). The count resets once the provider is synced with
 * nothing outstanding: at that point the server has every local change (sync step 2 carried them).
 */
export class UnsentEdits {
  readonly #key: string;
  readonly #cleanups: Array<() => void> = [];
  #count: number;

  constructor(documentName: string, doc: Y.Doc, provider: HocuspocusProvider, ignoredOrigins: readonly unknown[], onChange: (n: number) => void) {
    this.#key = `hexcrawl:unsent:${documentName}`;
    this.#count = this.#read();
    onChange(this.#count);
    const set = (n: number) => {
      if (n === this.#count) return;
      this.#count = n;
      this.#write(n);
      onChange(n);
    };
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      // Remote changes (the provider) and the IndexedDB load are not this user's edits.
      if (origin === provider || ignoredOrigins.includes(origin)) return;
      set(this.#count + 1);
    };
    const settle = () => {
      if (provider.isSynced && provider.unsyncedChanges === 0) set(0);
    };
    doc.on("update", onUpdate);
    provider.on("synced", settle);
    provider.on("unsyncedChanges", settle);
    this.#cleanups.push(() => {
      doc.off("update", onUpdate);
      provider.off("synced", settle);
      provider.off("unsyncedChanges", settle);
    });
  }

  #read(): number {
    try {
      const n = Number(localStorage.getItem(this.#key));
      return Number.isSafeInteger(n) && n > 0 ? n : 0;
    } catch {
      return 0;
    }
  }

  #write(n: number): void {
    try {
      if (n === 0) localStorage.removeItem(this.#key);
      else localStorage.setItem(this.#key, String(n));
    } catch {
      // Storage unavailable: the count is then only as good as the provider's.
    }
  }

  destroy(): void {
    for (const c of this.#cleanups.splice(0)) c();
  }
}
