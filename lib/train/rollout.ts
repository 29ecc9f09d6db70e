/**
 * RL rollouts (GRPO, PPO): G sampled completions per prompt from the current policy,
 * the prompts encoded by the prompt stage (lib/prompt: chat template with
 * the generation prompt, cut from the left to max_prompt_length).
 *
 * Completion g of group p draws from its own random stream, seeded by
 * (the step's seed, p, g): what it samples depends on its prompt and its
 * place, not on how many rows are generated together or when the other
 * rows of the batch stop (lib/generate/generate.ts `seeds`).
 *
 * @module
 */
import { generate } from "../generate/generate.ts";
import type { SamplingOptions } from "../generate/presets.ts";
import type { CausalLM } from "../model/decoder.ts";
import { encodePrompt } from "../prompt/encode.ts";
import type { PromptExample } from "../prompt/examples.ts";
import type { RewardSample } from "../rewards/types.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { deriveSeed } from "../util/random.ts";

/** One sampled completion. */
export interface Rollout {
  /** Index of its prompt in the step's prompt list. */
  group: number;
  promptIds: number[];
  completionIds: number[];
  /** Decoded completion without special tokens. */
  text: string;
  /** True when max_completion_length ended it (no stop token). */
  truncated: boolean;
  /** Per-token entropy of the sampling distribution (nats). */
  entropies: number[];
}

/** Sampling settings of a rollout. */
export interface RolloutOptions {
  numGenerations: number;
  maxCompletionLength: number;
  maxPromptLength: number;
  sampling: SamplingOptions;
  /** The step's seed; each completion's stream is derived from it. */
  seed: number;
  /**
   * Token ids that end a completion (kept as its last token); default the
   * tokenizer's EOS ids. [] generates max_completion_length tokens always.
   */
  stopTokens?: readonly number[];
}

/** Samples `numGenerations` completions for each prompt, groups consecutive. */
export function rollout(
  model: CausalLM,
  tok: Tokenizer,
  prompts: readonly PromptExample[],
  o: RolloutOptions,
): Rollout[] {
  const encoded = prompts.map((p) =>
    encodePrompt(tok, p.prompt, o.maxPromptLength)
  );
  const inputs = encoded.flatMap((ids) =>
    Array.from({ length: o.numGenerations }, () => ids)
  );
  const completions = generate(model, inputs, {
    maxNewTokens: o.maxCompletionLength,
    sampling: o.sampling,
    stopTokens: [...(o.stopTokens ?? tok.eosIds)],
    seeds: inputs.map((_, i) =>
      deriveSeed(o.seed, Math.floor(i / o.numGenerations), i % o.numGenerations)
    ),
    padTokenId: tok.padId,
    recordEntropy: true,
  });
  return completions.map((c, i) => ({
    group: Math.floor(i / o.numGenerations),
    promptIds: inputs[i],
    completionIds: c.tokens,
    text: tok.decode(c.tokens, { skipSpecialTokens: true }),
    truncated: c.finishReason === "length",
    entropies: c.entropies ?? [],
  }));
}

/** What the reward functions see of a rollout of prompt `p`. */
export function rolloutSample(r: Rollout, p: PromptExample): RewardSample {
  return {
    prompt: p.prompt,
    completion: r.text,
    messages: typeof p.prompt === "string"
      ? undefined
      : [...p.prompt, { role: "assistant", content: r.text }],
    columns: p.row,
    completionIds: r.completionIds,
  };
}
