/**
 * Length rewards on the completion text (finetuned-llama's TLDR rewards, plus
 * normalised variants and DAPO's soft overlong punishment).
 *
 * ```ts
 * lengthReward({ unit: "chars", target: 50 });                 // finetuned-llama's reward_len
 * lengthReward({ unit: "words", target: 50, form: "asymmetric" });  // finetuned-llama's reward_token_length
 * lengthReward({ unit: "tokens", target: 50, form: "normalized", tokenizer });
 * softOverlongPunishment({ maxLength: 512, cacheLength: 128, tokenizer });
 * ```
 *
 * finetuned-llama applied these to TRL's conversational completions, which are lists
 * of messages: `len(completion)` was 1 for every sample (a constant −49) and
 * the word count read the list's repr. Here the completion is always its text
 * (`scoreRewards` rejects anything else).
 *
 * @module
 */
import { pyLen, pySplit } from "./text.ts";
import {
  perSampleReward,
  type RewardFunction,
  type RewardSample,
} from "./types.ts";

/** What to count. */
export type LengthUnit = "chars" | "words" | "tokens";

/**
 * How a length n is scored against target t:
 * - `"absolute"`: −|n − t| (finetuned-llama's `reward_len`), range (−∞, 0];
 * - `"asymmetric"`: −0.5·(t − n) when n ≤ t, else −2·(n − t)² (finetuned-llama's
 *   asymmetric `reward_token_length`), range (−∞, 0];
 * - `"normalized"`: −min(1, |n − t| / t), range [−1, 0].
 */
export type LengthForm = "absolute" | "asymmetric" | "normalized";

/** Anything that can count tokens, such as lib/tokenizer's `Tokenizer`. */
export interface TokenEncoder {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
}

/** Options for {@link lengthReward}. */
export interface LengthRewardOptions {
  unit: LengthUnit;
  /** The ideal length in `unit`s (finetuned-llama: 50). */
  target: number;
  /** Default "absolute". */
  form?: LengthForm;
  /** Required for `unit: "tokens"`. */
  tokenizer?: TokenEncoder;
  /** Metric name (default `length_<unit>_<form>`). */
  name?: string;
}

/**
 * Length of the completion: code points (Python's `len`), Python
 * `str.split()` words, or tokens from `tokenizer.encode(text,
 * { addSpecialTokens: false })`.
 */
export function completionLength(
  text: string,
  unit: LengthUnit,
  tokenizer?: TokenEncoder,
): number {
  if (unit === "chars") return pyLen(text);
  if (unit === "words") return pySplit(text).length;
  if (unit === "tokens") {
    if (!tokenizer) throw new Error("counting tokens needs a tokenizer");
    return tokenizer.encode(text, { addSpecialTokens: false }).length;
  }
  throw new Error(`unknown length unit ${JSON.stringify(unit)}`);
}

/** Scores length `n` against `target` under `form` (see {@link LengthForm}). */
export function lengthScore(
  n: number,
  target: number,
  form: LengthForm,
): number {
  let score: number;
  if (form === "absolute") score = -Math.abs(n - target);
  else if (form === "asymmetric") {
    score = n <= target ? -0.5 * (target - n) : -2 * (n - target) ** 2;
  } else if (form === "normalized") {
    score = -Math.min(1, Math.abs(n - target) / target);
  } else throw new Error(`unknown length form ${JSON.stringify(form)}`);
  return score + 0; // −0 → 0
}

/** A length reward on the completion text. */
export function lengthReward(options: LengthRewardOptions): RewardFunction {
  const { unit, target, tokenizer } = options;
  const form = options.form ?? "absolute";
  if (!(target > 0) || !Number.isFinite(target)) {
    throw new Error(
      `lengthReward: target must be a positive number, got ${target}`,
    );
  }
  if (unit === "tokens" && !tokenizer) {
    throw new Error(
      'lengthReward: unit "tokens" needs a tokenizer (e.g. loadTokenizer(folder))',
    );
  }
  const origin = form === "asymmetric"
    ? "finetuned-llama's asymmetric reward_token_length form"
    : form === "absolute"
    ? "finetuned-llama's reward_len form"
    : "normalised by the target";
  return perSampleReward({
    name: options.name ?? `length_${unit}_${form}`,
    range: form === "normalized" ? [-1, 0] : [-Infinity, 0],
    description:
      `completion length in ${unit} against a target of ${target} (${origin})`,
    scoreSample: (s) =>
      lengthScore(
        completionLength(s.completion, unit, tokenizer),
        target,
        form,
      ),
  });
}

/** finetuned-llama's `reward_len(ideal_length=50)`: −|50 − characters|. */
export function finetunedLlamaRewardLen(target = 50): RewardFunction {
  return lengthReward({ unit: "chars", target, name: "reward_len" });
}

/**
 * finetuned-llama's `reward_token_length(ideal_token_length=50)`: whitespace words
 * (not tokens, despite its name), −0.5·(50 − n) up to 50, −2·(n − 50)² above.
 */
export function finetunedLlamaRewardTokenLength(target = 50): RewardFunction {
  return lengthReward({
    unit: "words",
    target,
    form: "asymmetric",
    name: "reward_token_length",
  });
}

/** Options for {@link softOverlongPunishment}. */
export interface SoftOverlongOptions {
  /** L_max: the generation limit in tokens. */
  maxLength: number;
  /** L_cache: the soft zone before L_max where the penalty ramps up. */
  cacheLength: number;
  /** Counts tokens when a sample has no `completionIds`. */
  tokenizer?: TokenEncoder;
}

function tokenCount(sample: RewardSample, tokenizer?: TokenEncoder): number {
  if (sample.completionIds) return sample.completionIds.length;
  if (!tokenizer) {
    throw new Error(
      "the sample has no completionIds and no tokenizer was given to count its tokens",
    );
  }
  return tokenizer.encode(sample.completion, { addSpecialTokens: false })
    .length;
}

/**
 * DAPO's soft overlong punishment (TRL's `get_soft_overlong_punishment`):
 * with L tokens, 0 while L ≤ L_max − L_cache, then (L_max − L_cache − L) /
 * L_cache down to −1 at L_max, and −1 beyond. L is `completionIds.length`
 * when the trainer provides the ids (as TRL does), else the tokenizer's count.
 */
export function softOverlongPunishment(
  options: SoftOverlongOptions,
): RewardFunction {
  const { maxLength, cacheLength, tokenizer } = options;
  if (
    !Number.isInteger(maxLength) || !Number.isInteger(cacheLength) ||
    cacheLength <= 0 || cacheLength > maxLength
  ) {
    throw new Error(
      `softOverlongPunishment: need integers 0 < cacheLength ≤ maxLength, got ${cacheLength} and ${maxLength}`,
    );
  }
  const free = maxLength - cacheLength;
  return perSampleReward({
    name: "soft_overlong",
    range: [-1, 0],
    description:
      `DAPO soft overlong punishment: 0 up to ${free} tokens, linear to -1 at ${maxLength}, -1 beyond`,
    scoreSample: (s) => {
      const n = tokenCount(s, tokenizer);
      if (n <= free) return 0;
      if (n <= maxLength) return (free - n) / cacheLength;
      return -1;
    },
  });
}
