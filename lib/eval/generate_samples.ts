/**
 * Evaluation inputs: the prompts of an eval file in gemma_haiku's format, and k
 * seeded completions per prompt from a model.
 *
 * ```ts
 * const evalSet = await readEvalPrompts("data/haiku/eval.json");
 * const { outputs, settings } = sampleCompletions(model, tok, evalSet.map((p) => p.prompt), {
 *   k: 4,
 *   seed: 0,
 * });
 * const report = await evaluateHaikuOutputs(
 *   outputs.map((o, i) => ({ ...evalSet[i], samples: o.samples })),
 *   { model: "sft", trainHaikus, embedder, generation: settings },
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
import { conversationRows } from "../data/formats.ts";
import { readRows } from "../data/read.ts";
import { rowLocation } from "../data/rows.ts";
import { generate } from "../generate/generate.ts";
import {
  type PresetName,
  type SamplingOptions,
  samplingOptions,
} from "../generate/presets.ts";
import type { CausalLM } from "../model/decoder.ts";
import { topicOf } from "../rewards/topic.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";
import { encodePrompt } from "../prompt/encode.ts";
import type { GenerationSettings } from "./types.ts";

/** gemma_haiku's evaluation sampling (`full_eval.py`): T 1.0, top-p 0.95, top-k 64. */
export const GEMMA_HAIKU_EVAL_SAMPLING: SamplingOptions = {
  temperature: 1.0,
  topP: 0.95,
  topK: 64,
  minP: 0,
};

/** gemma_haiku's `max_new_tokens` at evaluation. */
export const GEMMA_HAIKU_MAX_NEW_TOKENS = 50;

/** Options of {@link sampleCompletions}. */
export interface SampleOptions {
  /** Samples per prompt. */
  k: number;
  /** Base seed (default 0). */
  seed?: number;
  /** Sampling (default {@link GEMMA_HAIKU_EVAL_SAMPLING}); partial options fill in from "standard". */
  sampling?: PresetName | Partial<SamplingOptions>;
  /** New-token cap (default {@link GEMMA_HAIKU_MAX_NEW_TOKENS}). */
  maxNewTokens?: number;
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
  const maxNewTokens = options.maxNewTokens ?? GEMMA_HAIKU_MAX_NEW_TOKENS;
  for (const [name, value] of [["k", k], ["batchSize", batchSize]] as const) {
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
  const sampling = samplingOptions(
    options.sampling ?? GEMMA_HAIKU_EVAL_SAMPLING,
  );
  const encoded = prompts.map((p, i) => {
    try {
      return encodePrompt(tokenizer, p);
    } catch (error) {
      throw new Error(`prompt ${i}: ${(error as Error).message}`);
    }
  });
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

/** One prompt of an eval file. */
export interface EvalPrompt {
  /** The conversation up to the answer (gemma_haiku: the single user turn). */
  prompt: ChatMessage[];
  /** The text after the first colon of the last user turn. */
  topic: string;
  /** The reference answer (the last assistant turn), if the row has one. */
  reference?: string;
}

/**
 * Reads an eval file in gemma_haiku's format (rows of `conversations` or
 * `messages`; JSON, JSONL, CSV or parquet): each row's turns before its
 * final assistant answer are the prompt, that answer the reference. A row
 * must end with a user turn, optionally followed by the answer.
 */
export async function readEvalPrompts(path: string): Promise<EvalPrompt[]> {
  const raw = await readRows(path);
  if (raw.length === 0) throw new Error(`${path}: no rows`);
  const rows = conversationRows(raw, path);
  return rows.map((row, i) => {
    const messages = row.messages as ChatMessage[];
    const answered = messages.at(-1)?.role === "assistant";
    const prompt = answered ? messages.slice(0, -1) : messages;
    if (prompt.length === 0 || prompt.at(-1)!.role !== "user") {
      throw new Error(
        `${path} ${
          rowLocation(raw[i], i)
        }: the conversation must end with a user turn, optionally followed by the assistant's answer`,
      );
    }
    return {
      prompt,
      topic: topicOf(prompt),
      ...(answered ? { reference: messages.at(-1)!.content } : {}),
    };
  });
}

/**
 * Every assistant answer of a train file in gemma_haiku's format, as
 * `full_eval.py`'s `load_training_answers` collects them for the Train
 * Overlap (it compares stripped texts; the evaluation strips them).
 */
export async function readTrainHaikus(path: string): Promise<string[]> {
  const raw = await readRows(path);
  const rows = conversationRows(raw, path);
  const answers = rows.flatMap((row) =>
    (row.messages as ChatMessage[]).filter((m) => m.role === "assistant")
      .map((m) => m.content)
  );
  if (answers.length === 0) throw new Error(`${path}: no assistant answers`);
  return answers;
}
