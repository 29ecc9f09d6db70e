/**
 * ROUGE-1, ROUGE-2 and ROUGE-L (precision, recall, F-measure on a 0–1 scale)
 * exactly as Google's `rouge_score` computes them with
 * `RougeScorer([...], use_stemmer=True)`: its default tokenizer (lowercase,
 * every run of characters outside [a-z0-9] becomes a space, split on
 * whitespace, NLTK's Porter stemmer on tokens longer than 3 characters),
 * n-gram overlap with clipped counts, and the sentence-level LCS for ROUGE-L
 * (`rougeL`, not the newline-split `rougeLsum`). Every function takes the
 * prediction first (rouge_score's `scorer.score(target, prediction)` takes
 * the reference first).
 *
 * ```ts
 * const r = rouge("The quick brown dog jumps on the log.",
 *                 "The quick brown fox jumps over the lazy dog");
 * r.rouge1.fmeasure; // 0.70588…
 * ```
 *
 * @module
 */
import { ngramCounts } from "./ngrams.ts";
import { porterStem } from "./porter_stemmer.ts";

/** Precision, recall and F-measure of one ROUGE variant, each in [0, 1]. */
export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

/** ROUGE-1, ROUGE-2 and ROUGE-L of one prediction against one reference. */
export interface RougeScores {
  rouge1: RougeScore;
  rouge2: RougeScore;
  rougeL: RougeScore;
}

/** Options of the ROUGE functions. */
export interface RougeOptions {
  /** Porter-stem tokens longer than 3 characters (rouge_score's `use_stemmer`); default true. */
  stem?: boolean;
}

/**
 * rouge_score's default tokenizer: lowercase, replace each run of characters
 * outside [a-z0-9] by a space, split on whitespace, stem tokens longer than
 * 3 characters with NLTK's Porter stemmer (when `stem`, the default), drop
 * empty tokens.
 */
export function rougeTokenize(
  text: string,
  options: RougeOptions = {},
): string[] {
  const stem = options.stem ?? true;
  const words = text.toLowerCase().replace(/[^a-z0-9]+/gu, " ").split(" ");
  const tokens: string[] = [];
  for (const word of words) {
    if (word.length === 0) continue;
    const token = stem && word.length > 3 ? porterStem(word) : word;
    if (/^[a-z0-9]+$/.test(token)) tokens.push(token);
  }
  return tokens;
}

/** rouge_score's `scoring.fmeasure`: the harmonic mean, 0 when both are 0. */
function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0
    ? (2 * precision * recall) / (precision + recall)
    : 0;
}

function scoreNgrams(
  prediction: readonly string[],
  reference: readonly string[],
  n: number,
): RougeScore {
  const predCounts = ngramCounts(prediction, n);
  const refCounts = ngramCounts(reference, n);
  let overlap = 0;
  for (const [gram, count] of refCounts) {
    overlap += Math.min(count, predCounts.get(gram) ?? 0);
  }
  const predTotal = Math.max(prediction.length - n + 1, 0);
  const refTotal = Math.max(reference.length - n + 1, 0);
  const precision = overlap / Math.max(predTotal, 1);
  const recall = overlap / Math.max(refTotal, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Int32Array(b.length + 1);
  let curr = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      curr[j] = a[i - 1] === b[j - 1]
        ? prev[j - 1] + 1
        : Math.max(prev[j], curr[j - 1]);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[b.length];
}

function scoreLcs(
  prediction: readonly string[],
  reference: readonly string[],
): RougeScore {
  if (prediction.length === 0 || reference.length === 0) {
    return { precision: 0, recall: 0, fmeasure: 0 };
  }
  const lcs = lcsLength(reference, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / reference.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * ROUGE-N of `prediction` against `reference`: clipped n-gram overlap over
 * the prediction's n-grams (precision) and the reference's (recall).
 * Note the argument order: prediction first (rouge_score's
 * `scorer.score(target, prediction)` takes the reference first).
 */
export function rougeN(
  prediction: string,
  reference: string,
  n: number,
  options: RougeOptions = {},
): RougeScore {
  if (!Number.isInteger(n) || n < 1 || n > 9) {
    throw new Error(`ROUGE-N needs an integer n from 1 to 9, got ${n}`);
  }
  return scoreNgrams(
    rougeTokenize(prediction, options),
    rougeTokenize(reference, options),
    n,
  );
}

/**
 * ROUGE-L (rouge_score's `rougeL`): the longest common subsequence of the
 * two token lists over the prediction's length (precision) and the
 * reference's (recall); newlines are ordinary whitespace. Prediction first.
 */
export function rougeL(
  prediction: string,
  reference: string,
  options: RougeOptions = {},
): RougeScore {
  return scoreLcs(
    rougeTokenize(prediction, options),
    rougeTokenize(reference, options),
  );
}

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L of one prediction against one reference,
 * tokenizing each text once; what rouge_score's
 * `RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True).score(reference, prediction)`
 * returns. Prediction first.
 */
export function rouge(
  prediction: string,
  reference: string,
  options: RougeOptions = {},
): RougeScores {
  const pred = rougeTokenize(prediction, options);
  const ref = rougeTokenize(reference, options);
  return {
    rouge1: scoreNgrams(pred, ref, 1),
    rouge2: scoreNgrams(pred, ref, 2),
    rougeL: scoreLcs(pred, ref),
  };
}
