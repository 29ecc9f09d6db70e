/**
 * Automatic text metrics of the alignment-paradigms study, per sample so that
 * paradigms can be compared with paired bootstrap intervals per prompt:
 *
 * - **ROUGE-1, ROUGE-2, ROUGE-L** (precision, recall, F-measure on a 0–1
 *   scale) exactly as Google's `rouge_score` computes them with
 *   `RougeScorer([...], use_stemmer=True)`: its default tokenizer (lowercase,
 *   every run of characters outside [a-z0-9] becomes a space, split on
 *   whitespace, NLTK's Porter stemmer on tokens longer than 3 characters),
 *   n-gram overlap with clipped counts, and the sentence-level LCS for ROUGE-L
 *   (`rougeL`, not the newline-split `rougeLsum`).
 * - **BLEU** on sacrebleu's 0–100 scale, as `sacrebleu.sentence_bleu` (per
 *   sample: 13a tokenizer, 4-gram, brevity penalty, "exp" smoothing, effective
 *   order) and `sacrebleu.corpus_bleu` (corpus: the same statistics summed
 *   over samples, "exp" smoothing, no effective order) compute it, from
 *   per-sample sufficient statistics ({@link bleuStatistics}) that a
 *   bootstrap can resample.
 * - **exact match** after trimming and collapsing whitespace, **distinct-1 /
 *   distinct-2** (unique ÷ total n-grams of lowercased whitespace words, over
 *   a set of outputs or per output) and **length** in whitespace words.
 *
 * ROUGE lives in `rouge.ts`, BLEU in `bleu.ts`, NLTK's Porter stemmer in
 * `porter_stemmer.ts`; this module re-exports them beside its own metrics.
 *
 * "Whitespace" in the BLEU, distinct and length functions is Python's
 * (`str.split()`): the Unicode spaces plus U+001C–U+001F and U+0085, as the
 * reference implementations split.
 *
 * ```ts
 * const r = rouge("The quick brown dog jumps on the log.",
 *                 "The quick brown fox jumps over the lazy dog");
 * r.rouge1.fmeasure; // 0.70588…
 * sentenceBleu("the cat sat on the mat", "the cat sat on a mat").score; // 0–100
 * textMetrics(prediction, reference); // every per-sample value at once
 * ```
 *
 * @module
 */
import { sentenceBleu } from "./bleu.ts";
import { whitespaceWords } from "./ngrams.ts";
import { rouge } from "./rouge.ts";

export {
  bleuFromStatistics,
  type BleuOptions,
  type BleuScore,
  type BleuSmoothing,
  type BleuStatistics,
  bleuStatistics,
  type BleuTokenizer,
  corpusBleu,
  sentenceBleu,
  sumBleuStatistics,
  tokenize13a,
} from "./bleu.ts";
export { whitespaceWords } from "./ngrams.ts";
export { porterStem } from "./porter_stemmer.ts";
export {
  lcsLength,
  rouge,
  rougeL,
  rougeN,
  type RougeOptions,
  type RougeScore,
  type RougeScores,
  rougeTokenize,
} from "./rouge.ts";

/** Trims and collapses every whitespace run to one space. */
export function normalizeWhitespace(text: string): string {
  return whitespaceWords(text).join(" ");
}

/**
 * 1 when the prediction equals the reference after trimming and collapsing
 * whitespace (case and punctuation count), else 0.
 */
export function exactMatch(prediction: string, reference: string): number {
  return normalizeWhitespace(prediction) === normalizeWhitespace(reference)
    ? 1
    : 0;
}

function ngramKeys(text: string, n: number): string[] {
  const words = whitespaceWords(text.toLowerCase());
  const keys: string[] = [];
  for (let i = 0; i + n <= words.length; i++) {
    keys.push(words.slice(i, i + n).join(" "));
  }
  return keys;
}

/**
 * distinct-n over a set of outputs: the number of distinct n-grams ÷ the
 * number of n-grams, words being the lowercased whitespace-separated words
 * and n-grams not crossing outputs (the original study's
 * `compute_diversity`); 0 when there is no n-gram.
 */
export function distinctN(outputs: readonly string[], n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`distinct-n needs an integer n ≥ 1, got ${n}`);
  }
  const seen = new Set<string>();
  let count = 0;
  for (const output of outputs) {
    for (const key of ngramKeys(output, n)) {
      seen.add(key);
      count++;
    }
  }
  return count === 0 ? 0 : seen.size / count;
}

/** distinct-n of a single output (see {@link distinctN}); 0 when it has no n-gram. */
export function sampleDistinctN(output: string, n: number): number {
  return distinctN([output], n);
}

/** Length in whitespace-separated words (Python's `len(text.split())`). */
export function wordCount(text: string): number {
  return whitespaceWords(text).length;
}

/** Mean length in whitespace-separated words; 0 for no outputs. */
export function meanLength(outputs: readonly string[]): number {
  if (outputs.length === 0) return 0;
  let sum = 0;
  for (const output of outputs) sum += wordCount(output);
  return sum / outputs.length;
}

// ---------------------------------------------------------------------------
// Everything per sample

/** Every per-sample text metric of one prediction against its reference. */
export interface TextMetricValues {
  /** ROUGE-1 F-measure (0–1). */
  rouge1: number;
  /** ROUGE-2 F-measure (0–1). */
  rouge2: number;
  /** ROUGE-L F-measure (0–1). */
  rougeL: number;
  /** Sentence BLEU (0–100). */
  bleu: number;
  /** 1 or 0. */
  exactMatch: number;
  /** distinct-1 of the prediction alone. */
  distinct1: number;
  /** distinct-2 of the prediction alone. */
  distinct2: number;
  /** Whitespace words of the prediction. */
  length: number;
}

/**
 * All per-sample metrics of `prediction` against `reference`: ROUGE F-measures
 * (stemmed), sentence BLEU, exact match, per-output distinct-1/2 and length.
 * Corpus-level values (corpus BLEU, distinct-n over a set) come from
 * {@link corpusBleu} / {@link bleuStatistics} and {@link distinctN}.
 */
export function textMetrics(
  prediction: string,
  reference: string,
): TextMetricValues {
  const r = rouge(prediction, reference);
  return {
    rouge1: r.rouge1.fmeasure,
    rouge2: r.rouge2.fmeasure,
    rougeL: r.rougeL.fmeasure,
    bleu: sentenceBleu(prediction, reference).score,
    exactMatch: exactMatch(prediction, reference),
    distinct1: sampleDistinctN(prediction, 1),
    distinct2: sampleDistinctN(prediction, 2),
    length: wordCount(prediction),
  };
}
