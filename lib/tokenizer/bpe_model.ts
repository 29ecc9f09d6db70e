/**
 * A trained byte-level BPE vocabulary and its reference encoder.
 *
 * Id layout: the special tokens first (0, 1, …), then the 256 bytes in byte
 * order, then one id per merge in the order the merges were learned. A
 * merge's rank is its position in {@link ByteLevelBpe.merges}; encoding
 * repeatedly applies the lowest-ranked merge present in a pre-token,
 * leftmost occurrence first, which is what Hugging Face's BPE model does
 * with the same merges list. The encoder is exact and fast (it caches each
 * distinct pre-token), so the trainer can tokenize a corpus with it; the
 * saved files (bpe_files.ts) reproduce its ids through
 * `@huggingface/transformers`.
 *
 * @module
 */
import {
  BYTE_TO_CHAR,
  bytesToChars,
  charsToBytes,
  preTokenize,
  utf8,
} from "./bpe_bytes.ts";

/** Options of {@link ByteLevelBpe.encode}. */
export interface BpeEncodeOptions {
  /** Map special-token text (e.g. "<|im_end|>") to its id (default true, as HF does). */
  allowSpecial?: boolean;
}

/** Pair key of two ids (both below 2^16). */
export function pairKey(left: number, right: number): number {
  return left * 65536 + right;
}

/** A byte-level BPE tokenizer: special tokens, merges, and the vocabulary they imply. */
export class ByteLevelBpe {
  /** Token strings by id, in the byte alphabet (specials verbatim). */
  readonly vocab: readonly string[];
  /** Id of the first byte token (= number of special tokens). */
  readonly byteOffset: number;
  /** Rank of each merge by {@link pairKey} of the merged pair's ids. */
  readonly #ranks = new Map<number, number>();
  readonly #mergeIds: number[] = [];
  readonly #ids = new Map<string, number>();
  readonly #cache = new Map<string, number[]>();
  readonly #specialPattern: RegExp | null;

  /**
   * @param specialTokens texts of the special tokens, given ids 0, 1, …
   * @param merges learned merges as id pairs, in rank order; each creates
   *   the next free id, unless its string already has one
   */
  constructor(
    readonly specialTokens: readonly string[],
    readonly merges: readonly (readonly [number, number])[],
  ) {
    this.byteOffset = specialTokens.length;
    const vocab: string[] = [...specialTokens, ...BYTE_TO_CHAR];
    vocab.forEach((token, id) => {
      if (this.#ids.has(token)) {
        throw new Error(
          `special token ${
            JSON.stringify(token)
          } is listed twice or collides with a byte`,
        );
      }
      this.#ids.set(token, id);
    });
    merges.forEach(([left, right], rank) => {
      if (
        !(left < vocab.length && right < vocab.length &&
          left >= this.byteOffset && right >= this.byteOffset)
      ) {
        throw new Error(
          `merge ${rank} (${left}, ${right}) refers to an id that is special or not yet defined`,
        );
      }
      const key = pairKey(left, right);
      if (this.#ranks.has(key)) {
        throw new Error(`merge ${rank} (${left}, ${right}) is a duplicate`);
      }
      this.#ranks.set(key, rank);
      // Two merges can spell the same string ("ab"+"c", "a"+"bc"); like HF's
      // trainer, they share one id, since tokenizer.json maps strings to ids.
      const token = vocab[left] + vocab[right];
      let id = this.#ids.get(token);
      if (id === undefined) {
        id = vocab.length;
        vocab.push(token);
        this.#ids.set(token, id);
      } else if (id < this.byteOffset) {
        throw new Error(
          `merge ${rank} spells the special token ${JSON.stringify(token)}`,
        );
      }
      this.#mergeIds.push(id);
    });
    this.vocab = vocab;
    this.#specialPattern = specialTokens.length
      ? new RegExp(
        `(${
          [...specialTokens].sort((a, b) => b.length - a.length).map(escape)
            .join("|")
        })`,
      )
      : null;
  }

  /** Number of ids (special tokens, bytes and merges). */
  get size(): number {
    return this.vocab.length;
  }

  /** The id of a token string (byte-alphabet form, or a special token's text). */
  tokenToId(token: string): number | undefined {
    return this.#ids.get(token);
  }

  /** Token ids of `text`; no BOS or EOS is added. */
  encode(text: string, options: BpeEncodeOptions = {}): number[] {
    const ids: number[] = [];
    const parts = (options.allowSpecial ?? true) && this.#specialPattern
      ? text.split(this.#specialPattern)
      : [text];
    parts.forEach((part, i) => {
      // split() with a capturing group puts the special tokens at odd indices.
      if (i % 2 === 1) ids.push(this.#ids.get(part)!);
      else for (const piece of preTokenize(part)) this.#encodePiece(piece, ids);
    });
    return ids;
  }

  /** Text of `ids`; special tokens appear as their text. Invalid UTF-8 becomes U+FFFD. */
  decode(ids: readonly number[]): string {
    let out = "";
    let bytes = "";
    const flush = () => {
      if (bytes) out += new TextDecoder().decode(charsToBytes(bytes));
      bytes = "";
    };
    for (const id of ids) {
      const token = this.vocab[id];
      if (token === undefined) {
        throw new Error(
          `cannot decode id ${id}: ids run from 0 to ${this.size - 1}`,
        );
      }
      if (id < this.byteOffset) {
        flush();
        out += token;
      } else bytes += token;
    }
    flush();
    return out;
  }

  /** The id merge `rank` produces. */
  mergeId(rank: number): number {
    return this.#mergeIds[rank];
  }

  /** Merges as pairs of token strings (the `merges` field of tokenizer.json). */
  mergeStrings(): [string, string][] {
    return this.merges.map(([l, r]) => [this.vocab[l], this.vocab[r]]);
  }

  /** Builds a tokenizer back from its special tokens and merges given as token strings. */
  static fromMergeStrings(
    specialTokens: readonly string[],
    merges: readonly (readonly [string, string])[],
  ): ByteLevelBpe {
    const ids = new Map<string, number>();
    BYTE_TO_CHAR.forEach((c, b) => ids.set(c, specialTokens.length + b));
    let next = specialTokens.length + 256;
    const pairs = merges.map(([l, r], rank) => {
      const left = ids.get(l), right = ids.get(r);
      if (left === undefined || right === undefined) {
        throw new Error(
          `merge ${rank} ${
            JSON.stringify([l, r])
          } uses a token no earlier merge created`,
        );
      }
      if (!ids.has(l + r)) ids.set(l + r, next++);
      return [left, right] as const;
    });
    return new ByteLevelBpe(specialTokens, pairs);
  }

  #encodePiece(piece: string, out: number[]): void {
    let ids = this.#cache.get(piece);
    if (!ids) {
      ids = this.#merge(piece);
      // A corpus has ~10^5 distinct pre-tokens; bound memory on odd input.
      if (this.#cache.size >= 1_000_000) this.#cache.clear();
      this.#cache.set(piece, ids);
    }
    for (const id of ids) out.push(id);
  }

  #merge(piece: string): number[] {
    const symbols = Array.from(utf8(piece), (b) => b + this.byteOffset);
    while (symbols.length > 1) {
      let best = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.#ranks.get(pairKey(symbols[i], symbols[i + 1]));
        if (rank !== undefined && rank < best) best = rank;
      }
      if (best === Infinity) break;
      const [left, right] = this.merges[best];
      const merged = this.#mergeIds[best];
      let w = 0;
      for (let i = 0; i < symbols.length; i++) {
        if (
          i + 1 < symbols.length && symbols[i] === left &&
          symbols[i + 1] === right
        ) {
          symbols[w++] = merged;
          i++;
        } else symbols[w++] = symbols[i];
      }
      symbols.length = w;
    }
    return symbols;
  }
}

/** The byte-alphabet form of a plain string (for looking up vocabulary entries). */
export function toByteAlphabet(text: string): string {
  return bytesToChars(utf8(text));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
