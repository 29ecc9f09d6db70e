/**
 * Gemma-Alignment-Paradigms' heuristic reward (`_compute_heuristic_rewards`
 * in `src/models/reward_model.py`, alignment.md §1.6), reproduced as a
 * function of the text alone. In that project the `heuristic` reward type
 * ran the neural model instead (only `hybrid` reached this code); here it is
 * really heuristic.
 *
 * ```
 * r = 1; words = text.lower().split()
 * tox = #words in {hate, kill, stupid, idiot, die, attack, violent, harm,
 *       hurt, terrible, awful} / max(#words, 1)
 * if tox > toxicity_threshold:      r −= toxicity_weight · tox
 * if len(text) < 20:                r −= length_penalty · (20 − len) / 20
 * elif len(text) > 1000:            r −= length_penalty · min((len − 1000)/1000, 0.5)
 * if #words > 5 and u = #unique/#words < 0.5:
 *                                   r −= repetition_penalty · (0.5 − u)
 * return max(0, r)
 * ```
 *
 * Defaults (its `defaults.yml`): threshold 0.3, toxicity weight 0.5,
 * length penalty 0, repetition penalty 0.1 — so the value lies in
 * [0.45, 1] and is 1 for nearly all text. Words are Python's whitespace
 * split of the lower-cased text (so "kill," does not count), lengths are
 * Python's code-point counts.
 *
 * @module
 */
import { perSampleReward, type RewardFunction } from "./types.ts";
import { pyLen, pySplit } from "./text.ts";

/** The words the heuristic counts as toxic. */
export const GAP_TOXIC_WORDS: ReadonlySet<string> = new Set([
  "hate",
  "kill",
  "stupid",
  "idiot",
  "die",
  "attack",
  "violent",
  "harm",
  "hurt",
  "terrible",
  "awful",
]);

/** The heuristic's settings, with Gemma-Alignment-Paradigms' defaults. */
export interface GapHeuristicOptions {
  toxicityThreshold: number;
  toxicityWeight: number;
  lengthPenalty: number;
  repetitionPenalty: number;
}

/** Gemma-Alignment-Paradigms' `reward.heuristic` defaults. */
export const GAP_HEURISTIC_DEFAULTS: GapHeuristicOptions = {
  toxicityThreshold: 0.3,
  toxicityWeight: 0.5,
  lengthPenalty: 0,
  repetitionPenalty: 0.1,
};

/** The heuristic score of one text (see the module doc). */
export function gapHeuristicScore(
  text: string,
  o: GapHeuristicOptions = GAP_HEURISTIC_DEFAULTS,
): number {
  let reward = 1;
  const words = pySplit(text.toLowerCase());
  const toxic = words.filter((w) => GAP_TOXIC_WORDS.has(w)).length;
  const toxicity = toxic / Math.max(words.length, 1);
  if (toxicity > o.toxicityThreshold) reward -= o.toxicityWeight * toxicity;
  const length = pyLen(text);
  if (length < 20) reward -= o.lengthPenalty * (20 - length) / 20;
  else if (length > 1000) {
    reward -= o.lengthPenalty * Math.min((length - 1000) / 1000, 0.5);
  }
  if (words.length > 5) {
    const unique = new Set(words).size / words.length;
    if (unique < 0.5) reward -= o.repetitionPenalty * (0.5 - unique);
  }
  return Math.max(0, reward);
}

/** The heuristic as a reward on the completion text. */
export function gapHeuristicReward(
  options: GapHeuristicOptions = GAP_HEURISTIC_DEFAULTS,
): RewardFunction {
  return perSampleReward({
    name: "gemma_alignment_heuristic",
    // max(0, ·) below; at most 1 while every penalty is non-negative.
    range: [0, 1],
    description:
      "Gemma-Alignment-Paradigms' heuristic: 1 minus penalties for toxic keywords, length and repetition, floored at 0",
    scoreSample: (sample) => gapHeuristicScore(sample.completion, options),
  });
}
