import * as Y from "yjs";
import { readText } from "@hexcrawl/shared/model";
import { applyTextDiff, transformIndex, writeText, type TextDelta } from "@hexcrawl/shared/text";

/** An input or textarea whose caret the binding keeps through remote edits. */
type TextElement = HTMLInputElement | HTMLTextAreaElement;

/**
 * One text field of one hex (e.g. `notes["3,-2"]`) bound to an input as collaborative text (EDIT10): the user's
 * keystrokes are written as the smallest diff into the field's Y.Text (created on the first keystroke; a legacy
 * plain string is converted then), a co-DM's typing shows at once — also while this field has focus — and the
 * caret and selection stay on the same characters (transformIndex over the change's delta). The value is
 * reactive; one binding per field and hex, destroyed when the inspector moves on.
 */
export class TextBinding {
  readonly #doc: Y.Doc;
  readonly #map: Y.Map<unknown>;
  readonly #key: string;
  readonly #origin: unknown;
  readonly #beforeWrite: () => void;
  #value = $state("");
  #text: Y.Text | null = null;
  #element: TextElement | null = null;
  readonly #onMap: (event: Y.YMapEvent<unknown>) => void;
  readonly #onText: (event: Y.YTextEvent, tx: Y.Transaction) => void;

  /**
   * @param origin the transaction origin of the user's edits (the editor's undo manager tracks it)
   * @param beforeWrite called before every local write (the editor starts a new undo step per field)
   */
  constructor(doc: Y.Doc, map: Y.Map<unknown>, key: string, origin: unknown, beforeWrite: () => void = () => {}) {
    this.#doc = doc;
    this.#map = map;
    this.#key = key;
    this.#origin = origin;
    this.#beforeWrite = beforeWrite;
    this.#onText = (event, tx) => this.#textChanged(event, tx);
    this.#onMap = (event) => {
      if (event.keysChanged.has(this.#key)) this.#follow();
    };
    map.observe(this.#onMap);
    this.#follow();
  }

  /** The field's text as the document has it now. Reactive. */
  get value(): string {
    return this.#value;
  }

  /** Keep this element's caret through remote edits while it is attached (a Svelte attachment calls this). */
  attach(element: TextElement): () => void {
    this.#element = element;
    if (element.value !== this.#value) element.value = this.#value;
    return () => {
      if (this.#element === element) this.#element = null;
    };
  }

  /** The user typed: write the smallest change. "" clears the field (the key goes). */
  write(next: string): void {
    if (next === this.#value) return;
    this.#beforeWrite();
    this.#doc.transact(() => {
      const current = this.#map.get(this.#key);
      if (current instanceof Y.Text && next !== "") applyTextDiff(current, next);
      else writeText(this.#map, this.#key, next);
    }, this.#origin);
    this.#follow();
  }

  /** The map's value for our key may be another object now (created, replaced, deleted): observe that one. */
  #follow(): void {
    const current = this.#map.get(this.#key);
    const text = current instanceof Y.Text ? current : null;
    if (text !== this.#text) {
      this.#text?.unobserve(this.#onText);
      this.#text = text;
      text?.observe(this.#onText);
    }
    this.#show(readText(current) ?? "", null);
  }

  #textChanged(event: Y.YTextEvent, tx: Y.Transaction): void {
    // Our own keystrokes are already in the element; a remote edit moves the caret with the text.
    this.#show(event.target.toString(), tx.origin === this.#origin ? null : (event.delta as TextDelta));
  }

  #show(value: string, delta: TextDelta | null): void {
    this.#value = value;
    const el = this.#element;
    if (!el || el.value === value) return;
    const focused = typeof document !== "undefined" && document.activeElement === el;
    if (!focused || delta === null) {
      el.value = value;
      return;
    }
    const start = el.selectionStart ?? 0;
    const end = el.selectionEnd ?? start;
    el.value = value;
    el.setSelectionRange(transformIndex(delta, start, true), transformIndex(delta, end, start === end));
  }

  destroy(): void {
    this.#map.unobserve(this.#onMap);
    this.#text?.unobserve(this.#onText);
    this.#text = null;
    this.#element = null;
  }
}
