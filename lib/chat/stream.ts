/**
 * Turning generated token ids into text as they arrive. Decoding ids one by
 * one breaks multi-byte characters and BPE merges that span tokens, so the
 * pending ids are decoded together and only text that cannot change any
 * more is emitted (the approach of transformers' `TextStreamer`).
 *
 * @module
 */
import type { Tokenizer } from "../tokenizer/mod.ts";

/** Incremental decoder of one completion: push ids, get the new text. */
export class TextStream {
  #pending: number[] = [];
  #emitted = 0;
  #text = "";

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly stopIds: ReadonlySet<number> = new Set(),
  ) {}

  /** Adds one token; returns the text that became final ("" when none did). */
  push(id: number): string {
    if (this.stopIds.has(id)) return "";
    this.#pending.push(id);
    const text = this.tokenizer.decode(this.#pending, {
      skipSpecialTokens: true,
    });
    // A trailing U+FFFD is half a multi-byte character: wait for the rest.
    if (text.endsWith("\uFFFD")) return "";
    const fresh = text.slice(this.#emitted);
    if (text.endsWith("\n")) {
      // Nothing merges across a newline, so the pending window can restart.
      this.#pending = [];
      this.#emitted = 0;
    } else this.#emitted = text.length;
    this.#text += fresh;
    return fresh;
  }

  /** Emits whatever is still held back (e.g. an incomplete character) and returns it. */
  flush(): string {
    const text = this.tokenizer.decode(this.#pending, {
      skipSpecialTokens: true,
    });
    const rest = text.slice(this.#emitted);
    this.#pending = [];
    this.#emitted = 0;
    this.#text += rest;
    return rest;
  }

  /** All text emitted so far. */
  get text(): string {
    return this.#text;
  }
}
