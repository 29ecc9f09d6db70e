/**
 * The bytes each token id stands for, from the tokenizer's own decoder
 * rules, so that generation can keep its output valid UTF-8 token by token
 * (lib/generate/text_constraint.ts):
 *
 * - byte-level BPE (GPT-2, Llama 3, SmolLM, the default model): each
 *   character of the token is one byte of the byte alphabet;
 * - SentencePiece pieces with byte fallback (Gemma, Llama 2): `<0xNN>` is
 *   the byte NN, any other piece its UTF-8 with `▁` read as a space.
 *
 * Special tokens (BOS, EOS, turn markers) have no text: `null`. Decoding a
 * single id with the tokenizer cannot give this table, because a lone byte
 * of a multi-byte character decodes to U+FFFD.
 *
 * ```ts
 * const bytes = tokenBytes(tokenizer); // bytes[id]: Uint8Array | null
 * ```
 *
 * @module
 */
import { charsToBytes, utf8 } from "./bpe_bytes.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** Bytes per token id (`null`: a special token, no text). */
export type TokenBytes = readonly (Uint8Array | null)[];

/** How a tokenizer's decoder turns tokens into bytes. */
export type ByteScheme = "byte-level" | "sentencepiece";

const cache = new WeakMap<Tokenizer, TokenBytes | null>();

/** The decoder's scheme, or null for one this module does not read (WordPiece, …). */
export function byteScheme(decoder: unknown): ByteScheme | null {
  const types: string[] = [];
  const walk = (d: unknown) => {
    if (!d || typeof d !== "object") return;
    const { type, decoders } = d as { type?: string; decoders?: unknown[] };
    if (typeof type === "string") types.push(type);
    if (Array.isArray(decoders)) decoders.forEach(walk);
  };
  walk(decoder);
  if (types.includes("ByteLevel")) return "byte-level";
  if (types.includes("ByteFallback") || types.includes("Metaspace")) {
    return "sentencepiece";
  }
  if (types.includes("Replace")) return "sentencepiece";
  return null;
}

/** The bytes of one token string under `scheme`. */
export function pieceBytes(piece: string, scheme: ByteScheme): Uint8Array {
  if (scheme === "byte-level") {
    try {
      return charsToBytes(piece);
    } catch {
      return utf8(piece); // an added token written as plain text
    }
  }
  const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
  if (byte) return Uint8Array.of(parseInt(byte[1], 16));
  return utf8(piece.replaceAll("\u2581", " "));
}

/**
 * The bytes of every id of `tokenizer` (cached per tokenizer), or null when
 * its decoder is of a kind this module does not read.
 */
export function tokenBytes(tokenizer: Tokenizer): TokenBytes | null {
  if (cache.has(tokenizer)) return cache.get(tokenizer)!;
  const json =
    (tokenizer.hf as unknown as { _tokenizerJSON?: { decoder?: unknown } })
      ._tokenizerJSON;
  const scheme = byteScheme(json?.decoder);
  let table: TokenBytes | null = null;
  if (scheme) {
    const out: (Uint8Array | null)[] = [];
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const piece = tokenizer.idToToken(id);
      out.push(
        piece === undefined || tokenizer.isSpecial(id)
          ? null
          : pieceBytes(piece, scheme),
      );
    }
    table = out;
  }
  cache.set(tokenizer, table);
  return table;
}
