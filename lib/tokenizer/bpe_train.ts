/**
 * Training a GPT-2-style byte-level BPE tokenizer.
 *
 * 1. Split every text with the GPT-2 regex and count each distinct
 *    pre-token (merges never cross pre-tokens, so a word's count is all
 *    that matters).
 * 2. Start every distinct word as its UTF-8 bytes, count adjacent id pairs
 *    weighted by word frequency, and remember which words hold each pair.
 * 3. Repeatedly merge the most frequent pair (ties: the smaller left id,
 *    then the smaller right id), rewriting only the words that hold it and
 *    updating pair counts by the difference, until the vocabulary reaches
 *    its target size or no pair occurs `minFrequency` times.
 *
 * A max-heap with lazy invalidation finds the best pair: counts only fall,
 * except for pairs that touch the new token, which are pushed afresh; a
 * popped entry whose count is stale is pushed back with its true count.
 *
 * ```ts
 * const bpe = trainBpe(documents, { vocabSize: 4096 });
 * await saveTokenizer(bpe, "checkpoints/tiny-base");
 * ```
 *
 * @module
 */
import { preTokenize, utf8 } from "./bpe_bytes.ts";
import { ByteLevelBpe, pairKey } from "./bpe_model.ts";
import { PairHeap } from "./bpe_heap.ts";

/** The special tokens of tunebook's tokenizers, in id order. */
export const DEFAULT_SPECIAL_TOKENS = [
  "<|endoftext|>",
  "<|im_start|>",
  "<|im_end|>",
] as const;

/** Options of {@link trainBpe}. */
export interface BpeTrainOptions {
  /** Target vocabulary size, special tokens and the 256 bytes included (default 4096). */
  vocabSize?: number;
  /** Special tokens, given the first ids (default {@link DEFAULT_SPECIAL_TOKENS}). */
  specialTokens?: readonly string[];
  /** Stop when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number;
  /** Called now and then with (vocabulary size so far, target). */
  onProgress?: (size: number, target: number) => void;
}

/** Counts of each distinct GPT-2 pre-token over `texts` (added to `counts` when given). */
export function countPreTokens(
  texts: Iterable<string>,
  counts: Map<string, number> = new Map(),
): Map<string, number> {
  for (const text of texts) {
    for (const piece of preTokenize(text)) {
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
  return counts;
}

/** Trains a byte-level BPE on `texts` (see the module comment). Deterministic. */
export function trainBpe(
  texts: Iterable<string>,
  options: BpeTrainOptions = {},
): ByteLevelBpe {
  return trainBpeFromCounts(countPreTokens(texts), options);
}

/**
 * Trains from pre-token counts (from {@link countPreTokens}). The result
 * does not depend on the order of `counts`.
 */
export function trainBpeFromCounts(
  counts: ReadonlyMap<string, number>,
  options: BpeTrainOptions = {},
): ByteLevelBpe {
  const specials = [...(options.specialTokens ?? DEFAULT_SPECIAL_TOKENS)];
  const vocabSize = options.vocabSize ?? 4096;
  const minFrequency = options.minFrequency ?? 2;
  const base = specials.length + 256;
  if (!Number.isInteger(vocabSize) || vocabSize < base) {
    throw new Error(
      `vocabSize must be an integer of at least ${base} (${specials.length} special tokens + 256 bytes), got ${vocabSize}`,
    );
  }
  if (vocabSize > 65536) {
    throw new Error(`vocabSize must be at most 65536, got ${vocabSize}`);
  }
  // Sorting makes word indices, and so everything after, independent of input order.
  const pieces = [...counts.keys()].sort();
  const words = pieces.map((p) =>
    Array.from(utf8(p), (b) => b + specials.length)
  );
  const freq = pieces.map((p) => counts.get(p)!);

  const pairCount = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  words.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i], word[i + 1]);
      pairCount.set(key, (pairCount.get(key) ?? 0) + freq[w]);
      let set = where.get(key);
      if (!set) where.set(key, set = new Set());
      set.add(w);
    }
  });
  const heap = new PairHeap();
  for (const [key, count] of pairCount) heap.push(count, key);

  // Token strings as byte sequences joined by commas: enough to detect two
  // merges that spell the same token, which then share an id (as in HF).
  const spelled = new Map<string, number>();
  const spelling: string[] = [];
  for (let b = 0; b < 256; b++) {
    spelling[specials.length + b] = String(b);
    spelled.set(String(b), specials.length + b);
  }
  let size = base;
  const merges: [number, number][] = [];
  const delta = new Map<number, number>();
  while (size < vocabSize && heap.size > 0) {
    const { count, key } = heap.pop();
    const actual = pairCount.get(key) ?? 0;
    if (count !== actual) {
      if (actual > 0) heap.push(actual, key);
      continue;
    }
    if (count < minFrequency) break;
    const left = Math.floor(key / 65536), right = key % 65536;
    const text = spelling[left] + "," + spelling[right];
    let merged = spelled.get(text);
    if (merged === undefined) {
      merged = size++;
      spelled.set(text, merged);
      spelling[merged] = text;
    }
    merges.push([left, right]);

    delta.clear();
    for (const w of where.get(key)!) {
      rewriteWord(words, w, freq[w], left, right, merged, delta, where);
    }
    where.delete(key);
    for (const [k, d] of delta) {
      if (d === 0) continue;
      const next = (pairCount.get(k) ?? 0) + d;
      if (next > 0) pairCount.set(k, next);
      else pairCount.delete(k);
      if (d > 0) heap.push(next, k);
    }
    if (merges.length % 256 === 0) options.onProgress?.(size, vocabSize);
  }
  options.onProgress?.(size, vocabSize);
  return new ByteLevelBpe(specials, merges);
}

/**
 * Replaces (left, right) by `merged` in word `w`, left to right without
 * overlaps, adding the pair-count changes (times the word's frequency) to
 * `delta` and registering the word under the pairs it gains.
 */
function rewriteWord(
  words: number[][],
  w: number,
  freq: number,
  left: number,
  right: number,
  merged: number,
  delta: Map<number, number>,
  where: Map<number, Set<number>>,
): void {
  const word = words[w];
  const out: number[] = [];
  for (let i = 0; i < word.length; i++) {
    if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
      out.push(merged);
      i++;
    } else out.push(word[i]);
  }
  if (out.length === word.length) return; // listed under a pair it no longer has
  const add = (key: number, d: number) =>
    delta.set(key, (delta.get(key) ?? 0) + d);
  for (let i = 0; i + 1 < word.length; i++) {
    add(pairKey(word[i], word[i + 1]), -freq);
  }
  for (let i = 0; i + 1 < out.length; i++) {
    const key = pairKey(out[i], out[i + 1]);
    add(key, freq);
    if (out[i] === merged || out[i + 1] === merged) {
      let set = where.get(key);
      if (!set) where.set(key, set = new Set());
      set.add(w);
    }
  }
  words[w] = out;
}
