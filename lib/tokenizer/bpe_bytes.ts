/**
 * The byte level of GPT-2-style BPE: the regex that splits text into
 * pre-tokens, and the reversible map from bytes to printable characters
 * that lets a vocabulary of strings hold any byte sequence.
 *
 * Both must match what Hugging Face's `ByteLevel` pre-tokenizer and decoder
 * do (`@huggingface/tokenizers`, and the Rust `tokenizers` crate), or the
 * ids tunebook's trainer computes would differ from the ids the saved
 * `tokenizer.json` produces when loaded.
 *
 * @module
 */

/**
 * GPT-2's pre-tokenizer split: English contractions, an optional space plus
 * a run of letters, of digits, or of other symbols, and whitespace (a run
 * followed by a non-space keeps its last space for the next word).
 */
export const GPT2_SPLIT =
  /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/**
 * The 256 characters standing for bytes 0–255: printable Latin-1 bytes map
 * to themselves, the rest (control bytes, space, 0x7f–0xa0, 0xad) to
 * U+0100 upwards, so a space becomes "Ġ" and a newline "Ċ".
 */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) ||
    (b >= 0xae && b <= 0xff);
  const chars: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) {
    chars.push(String.fromCharCode(printable(b) ? b : next++));
  }
  return chars;
})();

/** Inverse of {@link BYTE_TO_CHAR}. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(
  BYTE_TO_CHAR.map((c, b) => [c, b]),
);

/** Pre-tokens of `text` under {@link GPT2_SPLIT}, in order; they concatenate back to `text`. */
export function preTokenize(text: string): string[] {
  return text.match(GPT2_SPLIT) ?? [];
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A byte sequence written in the byte alphabet (how BPE vocabularies store tokens). */
export function bytesToChars(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += BYTE_TO_CHAR[b];
  return out;
}

/** The bytes a byte-alphabet string stands for. Throws on a character outside the alphabet. */
export function charsToBytes(chars: string): Uint8Array {
  const out = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) {
    const b = CHAR_TO_BYTE.get(chars[i]);
    if (b === undefined) {
      throw new Error(
        `character ${JSON.stringify(chars[i])} (U+${
          chars.charCodeAt(i).toString(16)
        }) is not in the byte alphabet`,
      );
    }
    out[i] = b;
  }
  return out;
}
