/**
 * Batched autoregressive generation with a KV cache.
 *
 * Prompts of different lengths are left-padded into one batch (padding is
 * masked and does not shift positions), prefilled once, then decoded one
 * token per step for every unfinished row. Rows stop at a stop token or at
 * `maxNewTokens`; sampling draws from a seeded RNG, so a seed reproduces the
 * output exactly. A prompt whose length plus `maxNewTokens` exceeds the
 * model's context is refused (context.ts) before anything runs: a library
 * call does not silently shorten what its caller asked for, so callers that
 * want a budget cut to the context compute it (`newTokenBudget`) and say so.
 *
 * With `seeds`, every row draws from its own stream: its tokens then depend
 * on its prompt and its seed only, never on which other rows share the
 * batch or when they stop (with one shared stream, a row's draws shift
 * whenever another row finishes early). Evaluation samples and GRPO
 * rollouts use it. The logits themselves can still differ in the last bits
 * with the batch's padded width (sums over a wider row round differently),
 * so "the same batch" is still what reproduces bit for bit.
 *
 * The loop itself is {@link Decoding} (decoding.ts), which also takes
 * per-row settings and runs a step at a time (the inference server).
 *
 * @module
 */
import type { CausalLM } from "../model/decoder.ts";
import { Rng } from "../util/random.ts";
import { type Completion, Decoding, type TokenCallback } from "./decoding.ts";
import type { TextConstraint } from "./text_constraint.ts";
import {
  type PresetName,
  type SamplingOptions,
  samplingOptions,
} from "./presets.ts";

export { type Completion, entropy } from "./decoding.ts";

/** Options of {@link generate}. */
export interface GenerateOptions {
  /** Upper bound on new tokens per prompt. */
  maxNewTokens: number;
  /** A preset name or explicit sampling options (default "standard"). */
  sampling?: PresetName | Partial<SamplingOptions>;
  /** Token ids that end a completion (included in the output, like HF). Default: the config's eos ids. */
  stopTokens?: number[];
  /** Seed of the sampling RNG (ignored when greedy). Default 0. */
  seed?: number;
  /** Or an existing RNG, to continue a stream across calls (e.g. a trainer's). */
  rng?: Rng;
  /**
   * Or one seed per prompt: row b draws only from `new Rng(seeds[b])`, so a
   * row's sample does not depend on the other rows (see the module doc).
   */
  seeds?: readonly number[];
  /** Id used to pad prompts and finished rows (never attended to). Default: pad, else eos, else 0. */
  padTokenId?: number;
  /**
   * Called with each new token of each row, as it is chosen (with the row's
   * raw logits of that step, a view valid during the call).
   */
  onToken?: TokenCallback;
  /**
   * Record, per new token, the entropy (nats) of the model's distribution at
   * the sampling temperature before any top-k/top-p/min-p cut (temperature 1
   * when greedy): the policy entropy GRPO logs.
   */
  recordEntropy?: boolean;
  /**
   * Keep every completion valid UTF-8 without control characters
   * (`textConstraint(tokenizer)`, text_constraint.ts); absent or null:
   * unconstrained.
   */
  text?: TextConstraint | null;
}

/** Generates completions for token-id prompts. */
export function generate(
  model: CausalLM,
  prompts: number[][],
  options: GenerateOptions,
): Completion[] {
  if (prompts.length === 0) return [];
  const sampling = samplingOptions(options.sampling);
  const stopTokens = new Set(options.stopTokens ?? model.config.eosTokenIds);
  const rngs = rowStreams(options, prompts.length);
  const run = new Decoding(
    model,
    prompts.map((prompt, b) => ({
      prompt,
      maxNewTokens: options.maxNewTokens,
      sampling,
      stopTokens,
      rng: rngs[b],
      text: options.text,
    })),
    {
      padTokenId: options.padTokenId,
      onToken: options.onToken,
      recordEntropy: options.recordEntropy,
    },
  );
  try {
    while (!run.done) run.step();
  } finally {
    run.dispose();
  }
  return run.results;
}

/** The RNG each row draws from: its own with `seeds`, else one shared stream. */
function rowStreams(options: GenerateOptions, batch: number): Rng[] {
  if (options.seeds === undefined) {
    const shared = options.rng ?? new Rng(options.seed ?? 0);
    return Array.from({ length: batch }, () => shared);
  }
  if (options.rng !== undefined || options.seed !== undefined) {
    throw new Error("generate: give seeds, or seed / rng, not both");
  }
  if (options.seeds.length !== batch) {
    throw new Error(
      `generate: ${options.seeds.length} seeds for ${batch} prompts (one per prompt)`,
    );
  }
  return options.seeds.map((seed) => new Rng(seed));
}
