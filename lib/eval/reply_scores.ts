/**
 * What studies compute on sampled replies besides their text: a
 * one-sample KL estimate to a reference model (Σ log π − log π_ref over the
 * reply's sampled tokens, at T = 1) and a reward function's score of
 * prompt + reply — one value per reply, in the order of
 * `outputs[prompt].samples`, and regrouped per prompt for a scorer.
 *
 * ```ts
 * const { outputs } = sampleCompletions(model, tokenizer, prompts, options);
 * const kl = klEstimates(model, reference, tokenizer, prompts, outputs);
 * const rm = await rewardScores(reward, prompts, outputs);
 * perPrompt(kl, k)[0]; // the k values of the first prompt
 * ```
 *
 * @module
 */
import type { CausalLM } from "../model/decoder.ts";
import { completionLogProbSums } from "../model/score.ts";
import { encodePrompt } from "../prompt/encode.ts";
import type { RewardFunction } from "../rewards/types.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";
import type { PromptSamples } from "./generate_samples.ts";

/** Σ log π − log π_ref of every sampled reply (its stop token included). */
export function klEstimates(
  model: CausalLM,
  reference: CausalLM,
  tokenizer: Tokenizer,
  prompts: readonly (string | ChatMessage[])[],
  outputs: readonly PromptSamples[],
): number[] {
  const replies = outputs.flatMap((o, i) =>
    o.tokens.map((completionIds) => ({
      promptIds: encodePrompt(tokenizer, prompts[i], 0),
      completionIds,
    }))
  );
  const own = completionLogProbSums(model, replies, tokenizer.padId);
  const ref = completionLogProbSums(reference, replies, tokenizer.padId);
  return own.map((x, i) => x - ref[i]);
}

/** `reward`'s score of every reply (trimmed) after its prompt (null where it gives none). */
export async function rewardScores(
  reward: RewardFunction,
  prompts: readonly (string | ChatMessage[])[],
  outputs: readonly PromptSamples[],
): Promise<(number | null)[]> {
  const scores = await reward.score(
    outputs.flatMap((o, i) =>
      o.samples.map((text) => ({
        prompt: prompts[i],
        completion: text.trim(),
        columns: {},
      }))
    ),
  );
  return scores.map((s) => s ?? null);
}

/** Flat per-reply values regrouped per prompt, `k` replies each. */
export function perPrompt<T>(flat: readonly T[], k: number): T[][] {
  return Array.from(
    { length: flat.length / k },
    (_, i) => flat.slice(i * k, (i + 1) * k),
  );
}
