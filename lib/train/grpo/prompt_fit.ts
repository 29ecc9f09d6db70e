/**
 * GRPO's prompts against the model's context, checked once before the
 * first rollout: each prompt, encoded as the rollouts encode it (cut from
 * the left to `max_prompt_length`, TRL's truncation), plus
 * `max_completion_length` new tokens must fit in `max_position_embeddings`.
 * TRL leaves this to the generation backend; here a prompt that does not
 * fit is refused by its file and line before any step runs, never a wasm
 * abort or a run that silently trains past the context.
 *
 * @module
 */
import { rowLocation } from "../../data/rows.ts";
import { encodePrompt } from "../../prompt/encode.ts";
import type { PromptExample } from "../../prompt/examples.ts";
import type { Tokenizer } from "../../tokenizer/mod.ts";
import { InputError } from "../../util/errors.ts";
import type { GrpoConfig } from "./config.ts";

/**
 * Throws, naming the row (in `config.trainData`) and the settings to
 * change, when a prompt plus `max_completion_length` exceeds `context`.
 */
export function checkGrpoPrompts(
  tok: Tokenizer,
  prompts: readonly PromptExample[],
  config: Pick<
    GrpoConfig,
    "trainData" | "maxPromptLength" | "maxCompletionLength"
  >,
  context: number,
): void {
  const room = context - config.maxCompletionLength;
  if (room < 1) {
    throw new InputError(
      `max_completion_length ${config.maxCompletionLength} leaves no room for a prompt in the model's context of ${context} tokens (max_position_embeddings)`,
    );
  }
  const lengths = prompts.map((p) =>
    encodePrompt(tok, p.prompt, config.maxPromptLength).length
  );
  const i = lengths.findIndex((n) => n > room);
  if (i < 0) return;
  const cut = config.maxPromptLength > 0
    ? ` (cut to max_prompt_length ${config.maxPromptLength})`
    : "";
  throw new InputError(
    `${config.trainData} ${rowLocation(prompts[i].row, i)}: the prompt has ` +
      `${lengths[i]} tokens${cut}; with max_completion_length ` +
      `${config.maxCompletionLength} that is ${
        lengths[i] + config.maxCompletionLength
      }, past the model's context of ${context} tokens ` +
      `(max_position_embeddings); set max_prompt_length to at most ${room} ` +
      `to cut prompts from the left (TRL's truncation), or shorten the row`,
  );
}
