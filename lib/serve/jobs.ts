/**
 * From a checked request to a {@link GenerationJob}: prompts encoded (text
 * with the tokenizer, conversations with the chat template), each checked
 * against the model's context with its token budget (a 400 naming the
 * lengths, never a shortened prompt), sampling settings resolved over the
 * server's defaults, and one row per choice with its own seed.
 *
 * Seeds: choice j of a prompt draws from `seed` when j = 0 and from
 * `deriveSeed(seed, j)` after, so a seeded prompt gets the same first choice
 * alone, in a list of prompts, with any `n`, and in any batch. Without a
 * seed every choice gets a random one.
 *
 * @module
 */
import { type SamplingOptions, samplingOptions } from "../generate/presets.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import type { ChatMessage } from "../util/chat_message.ts";
import { deriveSeed } from "../util/random.ts";
import { badRequest } from "./api_error.ts";
import type { ServeContext } from "./context.ts";
import { GenerationJob, type JobRow } from "./job.ts";
import type { Lease } from "./models.ts";
import type { SamplingFields } from "./protocol.ts";

/** What a job generates, after the prompts are encoded. */
export interface JobSpec {
  /** Token ids of each prompt. */
  prompts: number[][];
  /** New-token budget of each prompt. */
  maxTokens: number[];
  /** Choices per prompt. */
  n: number;
  sampling: SamplingOptions;
  seed?: number;
  stop: readonly string[];
  stopTokenIds: readonly number[];
  includeStopStr: boolean;
  ignoreEos: boolean;
  logprobs: number | null;
}

/** Token ids of a text prompt; `where` names it in errors ("prompt[2]"). */
export function encodeText(
  tokenizer: Tokenizer,
  text: string,
  addSpecialTokens: boolean,
  where: string,
): number[] {
  const ids = tokenizer.encode(text, { addSpecialTokens });
  if (ids.length === 0) throw badRequest(`${where} is empty`, "prompt");
  return ids;
}

/** Checks that token-id prompt `ids` are in the vocabulary. */
export function checkTokenIds(
  ids: readonly number[],
  vocabSize: number,
  where: string,
  param: string,
): number[] {
  const bad = ids.find((id) => id < 0 || id >= vocabSize);
  if (bad !== undefined) {
    throw badRequest(
      `${where} has token id ${bad}, outside the vocabulary (0 to ${
        vocabSize - 1
      })`,
      param,
    );
  }
  return [...ids];
}

/** Token ids of a conversation through the chat template (400 when the model has none). */
export function encodeChat(
  tokenizer: Tokenizer,
  messages: ChatMessage[],
  addGenerationPrompt: boolean,
): number[] {
  if (!tokenizer.hf.chat_template) {
    throw badRequest(
      'this model has no chat template (tokenizer_config.json "chat_template" or chat_template.jinja): use /v1/completions',
      "messages",
    );
  }
  return tokenizer.encodeChat(messages, { addGenerationPrompt });
}

/**
 * The budget of a prompt of `length` tokens: `maxTokens`, or (undefined)
 * what the context leaves. A 400 naming the lengths when it does not fit.
 */
export function budgetOf(
  context: number,
  length: number,
  maxTokens: number | undefined,
  where: string,
  param: string,
): number {
  if (length >= context) {
    throw badRequest(
      `${where} has ${length} tokens, which leaves no room for new tokens in the model's context of ${context} tokens`,
      param,
    );
  }
  if (maxTokens === undefined) return context - length;
  if (length + maxTokens > context) {
    throw badRequest(
      `${where} has ${length} tokens; with ${param} ${maxTokens} that is ${
        length + maxTokens
      }, past the model's context of ${context} tokens`,
      param,
    );
  }
  return maxTokens;
}

/** The request's sampling fields over the server's defaults, checked. */
export function resolveSampling(
  fields: SamplingFields,
  defaults: SamplingOptions,
): SamplingOptions {
  return samplingOptions({
    temperature: fields.temperature ?? defaults.temperature,
    topP: fields.topP ?? defaults.topP,
    topK: fields.topK ?? defaults.topK,
    minP: fields.minP ?? defaults.minP,
  });
}

/** A random 32-bit seed, for a choice whose request gave none. */
export function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/**
 * The job of `spec` on `lease`'s model: one row per choice (prompt-major,
 * vLLM's choice order). A 400 when the choices exceed the batch.
 */
export function makeJob(
  ctx: ServeContext,
  lease: Lease,
  spec: JobSpec,
): GenerationJob {
  const rows = spec.prompts.length * spec.n;
  const maxBatch = ctx.batcher.options.maxBatch;
  if (rows > maxBatch) {
    throw badRequest(
      `${spec.prompts.length} prompts × n ${spec.n} = ${rows} choices, more than a batch holds (--max-batch ${maxBatch})`,
      "n",
    );
  }
  const { model, tokenizer } = ctx.registry.base;
  const eos = spec.ignoreEos
    ? []
    : [...tokenizer.eosIds, ...model.config.eosTokenIds];
  const stopTokens = new Set([...eos, ...spec.stopTokenIds]);
  const settings = {
    stop: spec.stop,
    includeStopStr: spec.includeStopStr,
    stopTokens,
    stopTokenIds: new Set(spec.stopTokenIds),
    logprobs: spec.logprobs,
  };
  const jobRows: JobRow[] = spec.prompts.flatMap((prompt, i) =>
    Array.from({ length: spec.n }, (_, j) => ({
      prompt,
      maxNewTokens: spec.maxTokens[i],
      sampling: spec.sampling,
      settings,
      seed: spec.seed === undefined
        ? randomSeed()
        : j === 0
        ? spec.seed
        : deriveSeed(spec.seed, j),
    }))
  );
  return new GenerationJob(tokenizer, lease, jobRows);
}
