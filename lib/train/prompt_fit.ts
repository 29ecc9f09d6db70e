/**
 * An RL trainer's prompts (GRPO, PPO) against the model's context, checked
 * once before the first rollout: each prompt, encoded as the rollouts
 * encode it (cut from the left to `max_prompt_length`, TRL's truncation),
 * plus the new tokens (GRPO's `max_completion_length`, PPO's
 * `response_length`) must fit in `max_position_embeddings`.
 * TRL leaves this to the generation backend; here a prompt that does not
 * fit is refused by its file and line before any step runs, never a wasm
 * abort or a run that silently trains past the context.
 *
 * @module
 */
import { rowLocation } from "../data/rows.ts";
import { encodePrompt } from "../prompt/encode.ts";
import type { PromptExample } from "../prompt/examples.ts";
import type { Tokenizer } from "../tokenizer/mod.ts";
import { InputError } from "../util/errors.ts";

/** What {@link checkPromptsFit} checks: the run's data and lengths. */
export interface PromptFit {
  trainData: string;
  maxPromptLength: number;
  /** New tokens per completion. */
  newTokens: number;
  /** The config field that sets them ("max_completion_length", "response_length"). */
  newTokensField: string;
}

/**
 * Throws, naming the row (in `fit.trainData`) and the settings to change,
 * when a prompt plus the new tokens exceeds `context`.
 */
export function checkPromptsFit(
  tok: Tokenizer,
  prompts: readonly PromptExample[],
  fit: PromptFit,
  context: number,
): void {
  const room = context - fit.newTokens;
  if (room < 1) {
    throw new InputError(
      `${fit.newTokensField} ${fit.newTokens} leaves no room for a prompt in the model's context of ${context} tokens (max_position_embeddings)`,
    );
  }
  const lengths = prompts.map((p) =>
    encodePrompt(tok, p.prompt, fit.maxPromptLength).length
  );
  const i = lengths.findIndex((n) => n > room);
  if (i < 0) return;
  const cut = fit.maxPromptLength > 0
    ? ` (cut to max_prompt_length ${fit.maxPromptLength})`
    : "";
  throw new InputError(
    `${fit.trainData} ${rowLocation(prompts[i].row, i)}: the prompt has ` +
      `${lengths[i]} tokens${cut}; with ${fit.newTokensField} ` +
      `${fit.newTokens} that is ${
        lengths[i] + fit.newTokens
      }, past the model's context of ${context} tokens ` +
      `(max_position_embeddings); set max_prompt_length to at most ${room} ` +
      `to cut prompts from the left (TRL's truncation), or shorten the row`,
  );
}
