/**
 * GRPO rollouts: prompts from dataset rows, rendered with the chat template,
 * and G sampled completions per prompt from the current policy.
 *
 * A row gives its prompt as TRL reads it: a `prompt` column (a string, or a
 * list of messages for conversational data), or — for conversation datasets
 * such as gemma_haiku's — the `conversations`/`messages` up to the last assistant
 * turn, which is dropped (the policy must write it).
 *
 * @module
 */
import { type Row, rowLocation } from "../../data/rows.ts";
import { generate } from "../../generate/generate.ts";
import type { SamplingOptions } from "../../generate/presets.ts";
import type { CausalLM } from "../../model/decoder.ts";
import {
  type ChatMessage,
  type Tokenizer,
  validateMessages,
} from "../../tokenizer/mod.ts";

/** One prompt and the row it came from (reward functions see the row). */
export interface PromptExample {
  prompt: string | ChatMessage[];
  row: Row;
}

/** Reads prompts from dataset rows; a row without one is an error naming it. */
export function promptExamples(
  rows: readonly Row[],
  source: string,
): PromptExample[] {
  return rows.map((row, i) => {
    const where = `${source} ${rowLocation(row, i)}`;
    const wrap = (f: () => void) => {
      try {
        f();
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
    };
    if (row.prompt !== undefined) {
      if (typeof row.prompt !== "string") {
        wrap(() => validateMessages(row.prompt, "prompt"));
      }
      return { prompt: row.prompt as string | ChatMessage[], row };
    }
    for (const field of ["conversations", "messages"]) {
      if (row[field] === undefined) continue;
      wrap(() => validateMessages(row[field], field));
      const messages = row[field] as ChatMessage[];
      const end = messages.at(-1)?.role === "assistant"
        ? messages.length - 1
        : messages.length;
      if (end === 0 || messages[end - 1].role !== "user") {
        throw new Error(
          `${where}: field "${field}" must end with a user turn (optionally followed by the assistant answer, which is dropped)`,
        );
      }
      return { prompt: messages.slice(0, end), row };
    }
    throw new Error(
      `${where}: no prompt: expected a "prompt" column or a "conversations"/"messages" list; found ${
        Object.keys(row).join(", ") || "no fields"
      }`,
    );
  });
}

/**
 * Token ids of a prompt: conversational prompts through the chat template
 * with the generation prompt, plain strings encoded with special tokens.
 * Longer than `maxLength` (when > 0): cut from the left, as TRL does.
 */
export function encodePrompt(
  tok: Tokenizer,
  prompt: string | ChatMessage[],
  maxLength = 0,
): number[] {
  const ids = typeof prompt === "string"
    ? tok.encode(prompt)
    : tok.encodeChat(prompt, { addGenerationPrompt: true });
  return maxLength > 0 && ids.length > maxLength ? ids.slice(-maxLength) : ids;
}

/** One sampled completion. */
export interface Rollout {
  /** Index of its prompt in the step's prompt list. */
  group: number;
  promptIds: number[];
  completionIds: number[];
  /** Decoded completion without special tokens. */
  text: string;
  /** True when max_completion_length ended it (no end-of-sequence token). */
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
  seed: number;
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
    stopTokens: [...tok.eosIds],
    seed: o.seed,
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
