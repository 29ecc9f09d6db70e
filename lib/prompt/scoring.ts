/**
 * A prompt and one completion → the token ids a preference trainer sees,
 * in one place, so that a reward model scores a sequence tokenised exactly
 * as it was trained on (alignment.md §7.3: GRPO in TRL tokenises without
 * BOS and EOS while the RewardTrainer trained with both, so the score is
 * read on another token).
 *
 * TRL's tokenisation, which DPOTrainer (≥ 0.29) and RewardTrainer share:
 *
 * - text prompt: `encode(prompt + completion + eos_token)` with the
 *   tokenizer's special tokens (BOS for Gemma and Llama 3), where the
 *   `eos_token` *string* is appended unless the completion already ends
 *   with it, so the sequence ends on EOS (the reward model's score sits
 *   there);
 * - conversation: the chat template over prompt + the completion as an
 *   assistant turn, with no generation prompt and nothing appended (the
 *   template's own end-of-turn marker ends it).
 *
 * ```ts
 * const { ids, tooLong } = encodeForScoring(tok, [{ role: "user", content: "Hi" }], "Hello!", { maxLength: 1024 });
 * ```
 *
 * @module
 */
import type { ChatEncoder, ChatMessage } from "../tokenizer/mod.ts";
import { InputError } from "../util/errors.ts";
import type { Prompt } from "./prompt.ts";

/** What the preference encoders need from a tokenizer (a `Tokenizer` has it all). */
export interface PairEncoder extends ChatEncoder {
  /** Id of a token string, or undefined when it is not in the vocabulary. */
  tokenToId(token: string): number | undefined;
}

/** A completion: text, or the assistant turn(s) of a conversation. */
export type Completion = string | ChatMessage[];

/** Token ids and the text they encode. */
export interface SequenceIds {
  ids: number[];
  /** The text encoded: the rendered conversation, or prompt + completion (+ EOS). */
  text: string;
}

/**
 * The `eos_token` string appended to text completions: `eosToken` (TRL's
 * `RewardConfig.eos_token`) when given, which must be in the vocabulary,
 * else the tokenizer's own `eos_token`.
 */
export function eosTokenOf(tok: PairEncoder, eosToken?: string): string {
  if (eosToken !== undefined) {
    if (tok.tokenToId(eosToken) === undefined) {
      throw new InputError(
        `eos_token ${
          JSON.stringify(eosToken)
        } is not in the vocabulary of the tokenizer in ${tok.folder}`,
      );
    }
    return eosToken;
  }
  const token = tok.idToToken(tok.eosIds[0]);
  if (token === undefined) {
    throw new Error(
      `the tokenizer in ${tok.folder} has no token for its eos id ${
        tok.eosIds[0]
      }`,
    );
  }
  return token;
}

/**
 * The ids of `prompt` followed by `completion` (see the module doc). A text
 * prompt takes a text completion; a conversation takes text (one assistant
 * turn) or assistant turns.
 */
export function sequenceIds(
  tok: PairEncoder,
  prompt: Prompt,
  completion: Completion,
  eosToken: string,
): SequenceIds {
  if (typeof prompt === "string") {
    if (typeof completion !== "string") {
      throw new InputError(
        "a text prompt takes a text completion, not a message list",
      );
    }
    const text = prompt +
      (completion.endsWith(eosToken) ? completion : completion + eosToken);
    return { ids: tok.encode(text), text };
  }
  const turns: ChatMessage[] = typeof completion === "string"
    ? [{ role: "assistant", content: completion }]
    : completion;
  const text = tok.applyChatTemplate([...prompt, ...turns]);
  return { ids: tok.encode(text, { addSpecialTokens: false }), text };
}

/**
 * The ids of a prompt alone, as DPO tokenises it: a text prompt with the
 * tokenizer's special tokens, a conversation through the chat template
 * with the generation prompt (the assistant turn opened).
 */
export function promptSequenceIds(
  tok: PairEncoder,
  prompt: Prompt,
): SequenceIds {
  if (typeof prompt === "string") {
    return { ids: tok.encode(prompt), text: prompt };
  }
  const text = tok.applyChatTemplate(prompt, { addGenerationPrompt: true });
  return { ids: tok.encode(text, { addSpecialTokens: false }), text };
}

/** The length limit in force and, when it differs from `max_length`, why. */
export interface LengthLimit {
  /** Tokens per sequence; null: no limit. */
  maxLength: number | null;
  /** Set when the model's context changed the limit. */
  note?: string;
}

/**
 * `max_length` (null: none) held to the model's context
 * (`max_position_embeddings`, when given): TRL trusts max_length, but past
 * the context a model reads positions it was never built for, so the limit
 * becomes the context and a note says so, as SFT does.
 */
export function lengthLimit(
  maxLength: number | null,
  contextLength?: number,
): LengthLimit {
  if (
    maxLength !== null && (!Number.isInteger(maxLength) || maxLength < 1)
  ) {
    throw new InputError(
      `max_length must be a positive whole number or null, got ${maxLength}`,
    );
  }
  if (contextLength === undefined) return { maxLength };
  if (maxLength === null) {
    return {
      maxLength: contextLength,
      note:
        `max_length is null (no limit), so the model's context of ${contextLength} tokens (max_position_embeddings) is the limit`,
    };
  }
  if (maxLength <= contextLength) return { maxLength };
  return {
    maxLength: contextLength,
    note:
      `max_length ${maxLength} is past the model's context of ${contextLength} tokens (max_position_embeddings): the limit is ${contextLength}`,
  };
}

/** Options of {@link encodeForScoring}: the reward model's training settings. */
export interface ScoringOptions {
  /** The `max_length` the reward model trained with (null: none). */
  maxLength?: number | null;
  /** The reward model's `max_position_embeddings`. */
  contextLength?: number;
  /** Its `eos_token` setting, when not the tokenizer's. */
  eosToken?: string;
}

/**
 * The ids a reward model trained by tunebook's reward trainer scores for
 * (prompt, completion): the same ids its training pairs had, so the score
 * is read where it was trained to be. `tooLong`: longer than the limit
 * (max_length held to the context); training dropped such pairs, so the
 * caller decides (a score past the context is meaningless).
 */
export function encodeForScoring(
  tok: PairEncoder,
  prompt: Prompt,
  completion: Completion,
  options: ScoringOptions = {},
): { ids: number[]; tooLong: boolean } {
  const { maxLength } = lengthLimit(
    options.maxLength ?? null,
    options.contextLength,
  );
  const { ids } = sequenceIds(
    tok,
    prompt,
    completion,
    eosTokenOf(tok, options.eosToken),
  );
  return { ids, tooLong: maxLength !== null && ids.length > maxLength };
}
