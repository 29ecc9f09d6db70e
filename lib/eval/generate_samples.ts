/**
 * Evaluation inputs: k seeded completions per prompt from a model, and the
 * generation settings a report records.
 *
 * ```ts
 * const { outputs, settings } = sampleCompletions(model, tok, prompts, {
 *   k: 4,
 *   seed: 0,
 *   sampling: "standard",
 *   maxNewTokens: 64,
 * });
 * const report = await evaluateOutputs(
 *   outputs.map((o, i) => ({ prompt: o.prompt, id: ids[i], samples: o.samples })),
 *   { model: "sft", metrics, score, generation: settings },
 * );
 * ```
 *
 * Sample j of every prompt is drawn in its own pass over the prompts
 * (batches of `batchSize`), and sample j of prompt i draws from its own
 * stream, seeded by (seed, j, i) ({@link sampleSeed}). So the same (seed,
 * prompts) reproduce every completion, the k samples of a prompt are
 * independent draws, raising k keeps the first samples unchanged, and a
 * prompt's random numbers do not depend on `batchSize` or on the other
 * prompts of its batch (evaluating the first n prompts draws what a full
 * run draws for them). The same `batchSize` is still needed for bit-for-bit
 * equal logits (lib/generate/generate.ts).
 *
 * @module
 */
import { checkFitsContext } from "../generate/context.ts";
import { generate } from "../generate/generate.ts";
import { textConstraint } from "../generate/text_constraint.ts";
import {
  type PresetName,
  type SamplingOptions,
  samplingOptions,
} from "../generate/presets.ts";
import type { CausalLM } from "../model/decoder.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";
import { encodePrompt } from "../prompt/encode.ts";
import { deriveSeed } from "../util/random.ts";
import type { GenerationSettings } from "./types.ts";

/** Options of {@link sampleCompletions}. */
export interface SampleOptions {
  /** Samples per prompt. */
  k: number;
  /** Base seed (default 0). */
  seed?: number;
  /** A preset or sampling options; partial options fill in from "standard". */
  sampling: PresetName | Partial<SamplingOptions>;
  /** New-token cap. */
  maxNewTokens: number;
  /**
   * Cut longer prompts from the left to this many tokens, as GRPO's
   * `max_prompt_length` does (default 0: no cut). A prompt that with
   * `maxNewTokens` does not fit in the model's context is refused.
   */
  maxPromptLength?: number;
  /** Prompts per `generate` call (default 8). */
  batchSize?: number;
  /** Called after each batch with the completions done so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The k completions of one prompt. */
export interface PromptSamples {
  prompt: string | ChatMessage[];
  /** Decoded completions (new tokens only, special tokens skipped, not stripped). */
  samples: string[];
  /** Per sample: true when `maxNewTokens` cut it (no end-of-sequence token). */
  truncated: boolean[];
  /** Per sample: the sampled token ids (the stop token included, if any). */
  tokens: number[][];
}

/**
 * k sampled completions per prompt. Conversational prompts go through the
 * chat template with the generation prompt and plain strings are encoded
 * with special tokens, exactly as GRPO rollouts encode them; generation
 * stops at the tokenizer's end-of-sequence ids.
 */
export function sampleCompletions(
  model: CausalLM,
  tokenizer: Tokenizer,
  prompts: readonly (string | ChatMessage[])[],
  options: SampleOptions,
): { outputs: PromptSamples[]; settings: GenerationSettings } {
  const k = options.k;
  const batchSize = options.batchSize ?? 8;
  const seed = options.seed ?? 0;
  const maxNewTokens = options.maxNewTokens;
  for (
    const [name, value] of [
      ["k", k],
      ["batchSize", batchSize],
      ["maxNewTokens", maxNewTokens],
    ] as const
  ) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(
        `sampleCompletions: ${name} must be a positive integer, got ${value}`,
      );
    }
  }
  if (!Number.isFinite(seed)) {
    throw new Error(
      `sampleCompletions: seed must be a finite number, got ${seed}`,
    );
  }
  const sampling = samplingOptions(options.sampling);
  const encoded = prompts.map((p, i) => {
    try {
      return encodePrompt(tokenizer, p, options.maxPromptLength ?? 0);
    } catch (error) {
      throw new Error(`prompt ${i}: ${(error as Error).message}`);
    }
  });
  // Before any generation, so a long run does not fail at its last batch.
  checkFitsContext(
    model.config.maxPositionEmbeddings,
    encoded.map((ids) => ids.length),
    maxNewTokens,
  );
  const outputs: PromptSamples[] = prompts.map((prompt) => ({
    prompt,
    samples: [],
    truncated: [],
    tokens: [],
  }));
  const total = prompts.length * k;
  let done = 0;
  for (let j = 0; j < k; j++) {
    for (let start = 0; start < encoded.length; start += batchSize) {
      const batch = encoded.slice(start, start + batchSize);
      const completions = generate(model, batch, {
        maxNewTokens,
        sampling,
        seeds: batch.map((_, b) => sampleSeed(seed, j, start + b)),
        stopTokens: [...tokenizer.eosIds],
        padTokenId: tokenizer.padId,
        text: textConstraint(tokenizer),
      });
      completions.forEach((c, b) => {
        const out = outputs[start + b];
        out.samples.push(
          tokenizer.decode(c.tokens, { skipSpecialTokens: true }),
        );
        out.truncated.push(c.finishReason === "length");
        out.tokens.push(c.tokens);
      });
      done += batch.length;
      options.onProgress?.(done, total);
    }
  }
  return { outputs, settings: { seed, sampling, maxNewTokens } };
}

/**
 * The seed of sample `sample` of prompt `prompt` (its index in the prompt
 * list): (base, sample, prompt) mixed through murmur3's finaliser
 * (lib/util/random.ts `deriveSeed`), so neighbouring indices give unrelated
 * streams.
 */
export function sampleSeed(
  base: number,
  sample: number,
  prompt: number,
): number {
  return deriveSeed(base, sample, prompt);
}
