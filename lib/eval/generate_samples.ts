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
 * (batches of `batchSize`), with a seed derived from (seed, j, batch).
 * So the same (seed, batchSize, prompts) reproduce every completion, the
 * k samples of a prompt are independent draws, and raising k keeps the
 * first samples unchanged. Changing `batchSize` or the prompt order
 * changes which random numbers a prompt gets.
 *
 * @module
 */
import { checkFitsContext } from "../generate/context.ts";
import { generate } from "../generate/generate.ts";
import {
  type PresetName,
  type SamplingOptions,
  samplingOptions,
} from "../generate/presets.ts";
import type { CausalLM } from "../model/decoder.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";
import { encodePrompt } from "../prompt/encode.ts";
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
  }));
  const total = prompts.length * k;
  let done = 0;
  for (let j = 0; j < k; j++) {
    for (let start = 0; start < encoded.length; start += batchSize) {
      const batch = encoded.slice(start, start + batchSize);
      const completions = generate(model, batch, {
        maxNewTokens,
        sampling,
        seed: sampleSeed(seed, j, start / batchSize),
        stopTokens: [...tokenizer.eosIds],
        padTokenId: tokenizer.padId,
      });
      completions.forEach((c, b) => {
        const out = outputs[start + b];
        out.samples.push(
          tokenizer.decode(c.tokens, { skipSpecialTokens: true }),
        );
        out.truncated.push(c.finishReason === "length");
      });
      done += batch.length;
      options.onProgress?.(done, total);
    }
  }
  return { outputs, settings: { seed, sampling, maxNewTokens } };
}

/**
 * The seed of sample `sample` of batch `batch`: (base, sample, batch)
 * mixed through murmur3's finaliser, so neighbouring indices give
 * unrelated streams.
 */
export function sampleSeed(
  base: number,
  sample: number,
  batch: number,
): number {
  let h = mix32((base >>> 0) ^ Math.floor(base / 0x100000000));
  h = mix32((h ^ Math.imul(sample + 1, 0x9e3779b9)) >>> 0);
  h = mix32((h ^ Math.imul(batch + 1, 0x85ebca6b)) >>> 0);
  return h;
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
