/**
 * BLEU on sacrebleu's 0–100 scale, as `sacrebleu.sentence_bleu` (per sample:
 * 13a tokenizer, 4-gram, brevity penalty, "exp" smoothing, effective order)
 * and `sacrebleu.corpus_bleu` (the same statistics summed over samples, "exp"
 * smoothing, no effective order) compute it, from per-sample sufficient
 * statistics ({@link bleuStatistics}) that a bootstrap can resample and sum
 * ({@link sumBleuStatistics}, {@link bleuFromStatistics}).
 *
 * ```ts
 * sentenceBleu("the cat sat on the mat", "the cat sat on a mat").score; // 0–100
 * corpusBleu(predictions, references).score;
 * ```
 *
 * @module
 */
import {
  ngramCounts,
  stripTrailingWhitespace,
  whitespaceWords,
} from "./ngrams.ts";

/** sacrebleu's smoothing methods (Chen & Cherry 2014). */
export type BleuSmoothing = "none" | "floor" | "add-k" | "exp";

/** How BLEU segments are tokenized: sacrebleu's "13a" (default) or "none". */
export type BleuTokenizer = "13a" | "none";

/** Options of the BLEU functions; the defaults are sacrebleu's. */
export interface BleuOptions {
  /** Default "exp" (NIST smoothing, sacrebleu's default for both sentence and corpus BLEU). */
  smoothMethod?: BleuSmoothing;
  /** Value for "floor" (default 0.1) and "add-k" (default 1); unused otherwise. */
  smoothValue?: number;
  /** Default "13a". */
  tokenize?: BleuTokenizer;
  /** Lowercase before tokenizing; default false. */
  lowercase?: boolean;
  /** Highest n-gram order; default 4. */
  maxNgramOrder?: number;
  /**
   * Average only over the orders the hypothesis has n-grams of (sacrebleu's
   * `effective_order`). Default: true for {@link sentenceBleu}, false for
   * {@link corpusBleu} and {@link bleuFromStatistics}, as in sacrebleu.
   */
  effectiveOrder?: boolean;
}

/**
 * BLEU's sufficient statistics of one hypothesis: its length, the closest
 * reference length (ties go to the shorter), and per order n = 1…N the
 * clipped matched n-grams and the hypothesis n-grams. Sums of these over
 * samples give corpus BLEU (see {@link bleuFromStatistics}).
 */
export interface BleuStatistics {
  hypLen: number;
  refLen: number;
  /** Matched n-grams, index n − 1. */
  correct: number[];
  /** Hypothesis n-grams, index n − 1. */
  total: number[];
}

/** A BLEU score with its parts, as sacrebleu's `BLEUScore` reports them. */
export interface BleuScore {
  /** BLEU on the 0–100 scale. */
  score: number;
  /** Matched n-grams per order. */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** n-gram precisions (0–100, smoothed) per order. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  sysLen: number;
  refLen: number;
}

const SMOOTH_DEFAULTS: Record<BleuSmoothing, number | null> = {
  none: null,
  floor: 0.1,
  "add-k": 1,
  exp: null,
};

/** The 13a tokenizer's regular expressions (mteval-v13a.pl, as sacrebleu has them). */
const TOKENIZE_13A: readonly [RegExp, string][] = [
  // symbols: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/gu, " $1 "],
  // period and comma unless preceded by a digit
  [/([^0-9])([.,])/gu, "$1 $2 "],
  // period and comma unless followed by a digit
  [/([.,])([^0-9])/gu, " $1 $2"],
  // dash when preceded by a digit
  [/([0-9])(-)/gu, "$1 $2 "],
];

/**
 * sacrebleu's "13a" tokenizer (mteval-v13a.pl): drops `<skipped>`, joins
 * `-`+newline, turns newlines into spaces, unescapes `&quot; &amp; &lt;
 * &gt;`, splits off punctuation and symbols (a period or comma only next to
 * a non-digit, a dash only after a digit), and leaves single spaces.
 */
export function tokenize13a(line: string): string {
  let text = line.replaceAll("<skipped>", "").replaceAll("-\n", "").replaceAll(
    "\n",
    " ",
  );
  if (text.includes("&")) {
    text = text.replaceAll("&quot;", '"').replaceAll("&amp;", "&")
      .replaceAll("&lt;", "<").replaceAll("&gt;", ">");
  }
  text = ` ${text} `;
  for (const [pattern, replacement] of TOKENIZE_13A) {
    text = text.replace(pattern, replacement);
  }
  return whitespaceWords(text).join(" ");
}

/** sacrebleu's segment preprocessing: optional lowercase, strip trailing whitespace, tokenize. */
function bleuTokens(segment: string, options: BleuOptions): string[] {
  let text = options.lowercase ? segment.toLowerCase() : segment;
  text = stripTrailingWhitespace(text);
  const tokenized = (options.tokenize ?? "13a") === "13a"
    ? tokenize13a(text)
    : text;
  return whitespaceWords(tokenized);
}

function maxOrder(options: BleuOptions): number {
  const order = options.maxNgramOrder ?? 4;
  if (!Number.isInteger(order) || order < 1) {
    throw new Error(`maxNgramOrder must be an integer ≥ 1, got ${order}`);
  }
  return order;
}

function referenceList(
  references: string | readonly string[],
): readonly string[] {
  const list = typeof references === "string" ? [references] : references;
  if (list.length === 0) {
    throw new Error("BLEU needs at least one reference per hypothesis");
  }
  return list;
}

/**
 * The BLEU statistics of one hypothesis against its reference(s): what
 * sacrebleu's `_compute_segment_statistics` returns. With several
 * references, a hypothesis n-gram is clipped at its largest count in any one
 * reference, and the reference length is the one closest to the
 * hypothesis length (the shorter on a tie).
 */
export function bleuStatistics(
  hypothesis: string,
  references: string | readonly string[],
  options: BleuOptions = {},
): BleuStatistics {
  const order = maxOrder(options);
  const refs = referenceList(references).map((r) => bleuTokens(r, options));
  const hyp = bleuTokens(hypothesis, options);

  let refLen = -1;
  let closest = -1;
  for (const ref of refs) {
    const diff = Math.abs(hyp.length - ref.length);
    if (
      closest === -1 || diff < closest ||
      (diff === closest && ref.length < refLen)
    ) {
      closest = diff;
      refLen = ref.length;
    }
  }

  const correct: number[] = [];
  const total: number[] = [];
  for (let n = 1; n <= order; n++) {
    const maxRef = new Map<string, number>();
    for (const ref of refs) {
      for (const [gram, count] of ngramCounts(ref, n)) {
        maxRef.set(gram, Math.max(maxRef.get(gram) ?? 0, count));
      }
    }
    let matched = 0;
    let count = 0;
    for (const [gram, c] of ngramCounts(hyp, n)) {
      count += c;
      matched += Math.min(c, maxRef.get(gram) ?? 0);
    }
    correct.push(matched);
    total.push(count);
  }
  return { hypLen: hyp.length, refLen, correct, total };
}

/** The element-wise sum of per-sample BLEU statistics (the corpus statistics). */
export function sumBleuStatistics(
  stats: readonly BleuStatistics[],
): BleuStatistics {
  if (stats.length === 0) throw new Error("no BLEU statistics to sum");
  const order = stats[0].correct.length;
  const sum: BleuStatistics = {
    hypLen: 0,
    refLen: 0,
    correct: new Array(order).fill(0),
    total: new Array(order).fill(0),
  };
  for (const s of stats) {
    if (s.correct.length !== order || s.total.length !== order) {
      throw new Error(
        "BLEU statistics of different n-gram orders cannot be summed",
      );
    }
    sum.hypLen += s.hypLen;
    sum.refLen += s.refLen;
    for (let i = 0; i < order; i++) {
      sum.correct[i] += s.correct[i];
      sum.total[i] += s.total[i];
    }
  }
  return sum;
}

/** sacrebleu's `my_log`: log, with log(0) floored at −9999999999. */
function flooredLog(x: number): number {
  return x === 0 ? -9999999999 : Math.log(x);
}

/**
 * BLEU from (summed) statistics: sacrebleu's `BLEU.compute_bleu`. Brevity
 * penalty exp(1 − r/c) when the hypothesis is shorter (0 when it is empty);
 * no matched n-gram at all gives 0; an order with no match is smoothed per
 * `smoothMethod` ("exp": the k-th such order gets 100 / (2^k · total)); the
 * score is bp · exp(mean log precision) over the orders used (all N, or with
 * `effectiveOrder` those up to the last one the hypothesis has n-grams of).
 * Defaults as sacrebleu's BLEU class: "exp", no effective order.
 */
export function bleuFromStatistics(
  stats: BleuStatistics,
  options: BleuOptions = {},
): BleuScore {
  const method = options.smoothMethod ?? "exp";
  if (!(method in SMOOTH_DEFAULTS)) {
    throw new Error(`unknown BLEU smoothing ${method}`);
  }
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[method] ?? 0;
  const order = stats.correct.length;
  const correct = [...stats.correct];
  const total = [...stats.total];
  const { hypLen: sysLen, refLen } = stats;

  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;

  const precisions: number[] = new Array(order).fill(0);
  const result = (score: number): BleuScore => ({
    score,
    counts: correct,
    totals: total,
    precisions,
    bp,
    sysLen,
    refLen,
  });
  if (!correct.some((c) => c !== 0)) return result(0);

  let smoothMteval = 1;
  let effOrder = order;
  for (let n = 1; n <= order; n++) {
    if (method === "add-k" && n > 1) {
      correct[n - 1] += smoothValue;
      total[n - 1] += smoothValue;
    }
    if (total[n - 1] === 0) break;
    if (options.effectiveOrder) effOrder = n;
    if (correct[n - 1] === 0) {
      if (method === "exp") {
        smoothMteval *= 2;
        precisions[n - 1] = 100 / (smoothMteval * total[n - 1]);
      } else if (method === "floor") {
        precisions[n - 1] = (100 * smoothValue) / total[n - 1];
      }
    } else {
      precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1];
    }
  }
  let logSum = 0;
  for (let i = 0; i < effOrder; i++) logSum += flooredLog(precisions[i]);
  return result(bp * Math.exp(logSum / effOrder));
}

/**
 * Sentence-level BLEU of one hypothesis (0–100), as
 * `sacrebleu.sentence_bleu(hypothesis, references)` computes it: 13a
 * tokenizer, 4-gram, "exp" smoothing, effective order.
 */
export function sentenceBleu(
  hypothesis: string,
  references: string | readonly string[],
  options: BleuOptions = {},
): BleuScore {
  const opts = { ...options, effectiveOrder: options.effectiveOrder ?? true };
  return bleuFromStatistics(bleuStatistics(hypothesis, references, opts), opts);
}

/**
 * Corpus BLEU (0–100) of hypotheses against their references, as
 * `sacrebleu.corpus_bleu` computes it: per-sample statistics summed, then
 * one BLEU ("exp" smoothing, no effective order). `references[i]` is the
 * reference, or the list of references, of `hypotheses[i]` (sacrebleu's
 * `references` argument is the transpose: one list per reference stream).
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: readonly (string | readonly string[])[],
  options: BleuOptions = {},
): BleuScore {
  if (hypotheses.length !== references.length) {
    throw new Error(
      `corpus BLEU needs one reference entry per hypothesis: ${hypotheses.length} hypotheses, ${references.length} references`,
    );
  }
  if (hypotheses.length === 0) {
    throw new Error("corpus BLEU needs at least one hypothesis");
  }
  const stats = hypotheses.map((h, i) =>
    bleuStatistics(h, references[i], options)
  );
  return bleuFromStatistics(sumBleuStatistics(stats), options);
}
