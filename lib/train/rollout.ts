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
 * One rollout function, {@link sampleRollouts}, two sources of
 * completions: the policy in this process ({@link inProcessSource}), or a
 * generation server that has the policy's adapter hot-loaded
 * (server_rollouts.ts). Both get the same rows — prompt ids, per-row seed,
 * sampling, stop tokens — so the rewards, advantages and losses downstream
 * run on one code path whichever made the completions. {@link rollout} is
 * the in-process source called synchronously (notebooks).
 *
 * @module
 */
import type { TokenBatch } from "../model/batch.ts";
import {
  completionSupport,
  type TokenSupport,
} from "../model/token_support.ts";
import { type Completion, generate } from "../generate/generate.ts";
import {
  type TextConstraint,
  textConstraint,
} from "../generate/text_constraint.ts";
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
  /** Per-token entropy of the sampling distribution (nats); [] when the source does not report it. */
  entropies: number[];
  /**
   * log p(token | prefix) of each completion token as a generation server
   * computed it (the raw logits, before temperature); absent in process.
   */
  samplingLogps?: number[];
  /**
   * Per completion token, the allowed-token mask it was drawn under (null:
   * unconstrained); absent when the source applied no text constraint.
   * Trainers score the tokens under the same support.
   */
  drawMasks?: (Uint8Array | null)[];
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

/** The rows a source generates: one per completion, each with its own seed. */
export interface RolloutRows {
  /** Prompt token ids of each row (the G rows of a prompt consecutive). */
  inputs: number[][];
  /** The seed of each row's sampling stream. */
  seeds: number[];
  maxNewTokens: number;
  sampling: SamplingOptions;
  /** Token ids that end a row, exactly (kept as its last token). */
  stopTokens: number[];
  padTokenId: number;
  /** Keeps each row's text valid UTF-8 (in process; a server applies its own). */
  text: TextConstraint | null;
}

/** A completion from a source; a server adds its log-probs. */
export interface SourceCompletion extends Completion {
  /** log p(token | prefix) of each new token (a server's). */
  logprobs?: number[];
}

/** Where completions come from. */
export interface RolloutSource {
  /** How logs name it ("in-process", the server's URL). */
  readonly name: string;
  /**
   * Whether completions were drawn under the rows' text constraint, so the
   * trainer can score them under the same support (a server may apply its
   * own or none: false).
   */
  readonly drawsUnderTextConstraint?: boolean;
  /**
   * Makes the policy as it is after `step` optimizer steps the one the
   * next {@link generate} samples from (a server: save and hot-load the
   * adapter).
   */
  sync(step: number): Promise<void>;
  /** One completion per row, in order. */
  generate(rows: RolloutRows): Promise<SourceCompletion[]>;
  /** Frees what the source holds (a server: unloads the adapter). */
  close(): Promise<void>;
}

/** The policy in this process: batched generation with a KV cache. */
export function inProcessSource(model: CausalLM): RolloutSource {
  return {
    name: "in-process",
    drawsUnderTextConstraint: true,
    sync: () => Promise.resolve(),
    generate: (rows) => Promise.resolve(generateRows(model, rows)),
    close: () => Promise.resolve(),
  };
}

/**
 * Samples `numGenerations` completions for each prompt from `source`,
 * groups consecutive: what the trainers call, whichever the source.
 */
export async function sampleRollouts(
  source: RolloutSource,
  tok: Tokenizer,
  prompts: readonly PromptExample[],
  o: RolloutOptions,
): Promise<Rollout[]> {
  const rows = rolloutRows(tok, prompts, o);
  const drawn = await source.generate(rows);
  return toRollouts(tok, rows, o, drawn, source.drawsUnderTextConstraint);
}

/** {@link sampleRollouts} from `model` in this process, synchronously. */
export function rollout(
  model: CausalLM,
  tok: Tokenizer,
  prompts: readonly PromptExample[],
  o: RolloutOptions,
): Rollout[] {
  const rows = rolloutRows(tok, prompts, o);
  return toRollouts(tok, rows, o, generateRows(model, rows), true);
}

/** The rows of a rollout: each prompt encoded, G times, each with its seed. */
function rolloutRows(
  tok: Tokenizer,
  prompts: readonly PromptExample[],
  o: RolloutOptions,
): RolloutRows {
  const encoded = prompts.map((p) =>
    encodePrompt(tok, p.prompt, o.maxPromptLength)
  );
  const inputs = encoded.flatMap((ids) =>
    Array.from({ length: o.numGenerations }, () => ids)
  );
  return {
    inputs,
    seeds: inputs.map((_, i) =>
      deriveSeed(o.seed, Math.floor(i / o.numGenerations), i % o.numGenerations)
    ),
    maxNewTokens: o.maxCompletionLength,
    sampling: o.sampling,
    stopTokens: [...(o.stopTokens ?? tok.eosIds)],
    padTokenId: tok.padId,
    text: textConstraint(tok),
  };
}

function generateRows(model: CausalLM, rows: RolloutRows): Completion[] {
  return generate(model, rows.inputs, {
    maxNewTokens: rows.maxNewTokens,
    sampling: rows.sampling,
    stopTokens: rows.stopTokens,
    seeds: rows.seeds,
    padTokenId: rows.padTokenId,
    text: rows.text,
    recordEntropy: true,
  });
}

function toRollouts(
  tok: Tokenizer,
  rows: RolloutRows,
  o: RolloutOptions,
  completions: readonly SourceCompletion[],
  constrained = false,
): Rollout[] {
  const text = constrained ? rows.text : null;
  return completions.map((c, i) => ({
    group: Math.floor(i / o.numGenerations),
    promptIds: rows.inputs[i],
    completionIds: c.tokens,
    text: tok.decode(c.tokens, { skipSpecialTokens: true }),
    truncated: c.finishReason === "length",
    entropies: c.entropies ?? [],
    ...(c.logprobs ? { samplingLogps: c.logprobs } : {}),
    ...(text ? { drawMasks: text.drawMasks(c.tokens, rows.maxNewTokens) } : {}),
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

/**
 * What the sampler could draw at each position of a prompt + completion
 * batch of `rollouts` (in order), for scoring them under the distribution
 * they were drawn from; undefined when none was drawn under a constraint.
 */
export function rolloutSupport(
  rollouts: readonly Rollout[],
  batch: TokenBatch,
): TokenSupport | undefined {
  return completionSupport(
    rollouts.map((r) => ({
      promptLength: r.promptIds.length,
      masks: r.drawMasks ?? [],
    })),
    batch.length,
  );
}
