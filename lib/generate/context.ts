/**
 * The model's context as a limit on generation: a prompt and the tokens
 * generated after it must fit in `max_position_embeddings` positions
 * (Gemma's sliding window limits what a layer attends to, not the
 * positions, so it is not the limit). Past the context a model was never
 * trained (its output is garbage), and far past it the attention buffers
 * outgrow wasm's memory and abort the process. Every generation path checks
 * here first and says which prompt does not fit.
 *
 * ```ts
 * checkFitsContext(4096, [prompt.length], 256); // throws ContextLengthError when it does not fit
 * const { budget } = newTokenBudget(256, lengths, 512); // what the longest prompt leaves
 * ```
 *
 * @module
 */
import { InputError } from "../util/errors.ts";

/** A prompt that, with its new tokens, does not fit in the model's context. */
export class ContextLengthError extends InputError {
  constructor(
    /** Index of the prompt in the list that was checked. */
    readonly promptIndex: number,
    readonly promptLength: number,
    readonly maxNewTokens: number,
    readonly context: number,
    /** How the caller names the prompt ("prompt 3", "data.jsonl line 4"). */
    where = `prompt ${promptIndex}`,
  ) {
    super(
      promptLength >= context
        ? `${where} has ${promptLength} tokens, which leaves no room for new ` +
          `tokens in the model's context of ${context} tokens (max_position_embeddings)`
        : `${where} has ${promptLength} tokens; with ${maxNewTokens} new ` +
          `tokens that is ${promptLength + maxNewTokens}, past the model's ` +
          `context of ${context} tokens (max_position_embeddings)`,
    );
    this.name = "ContextLengthError";
  }
}

/**
 * Throws {@link ContextLengthError} for the first prompt whose length plus
 * `maxNewTokens` exceeds `context`; `where` names a prompt by its index.
 */
export function checkFitsContext(
  context: number,
  promptLengths: readonly number[],
  maxNewTokens: number,
  where?: (index: number) => string,
): void {
  const i = promptLengths.findIndex((n) => n + maxNewTokens > context);
  if (i < 0) return;
  throw new ContextLengthError(
    i,
    promptLengths[i],
    maxNewTokens,
    context,
    where?.(i),
  );
}

/**
 * The new-token budget left by the longest prompt: `maxNewTokens`, cut so
 * that the longest prompt plus its answer fits. Throws
 * {@link ContextLengthError} (asking for one new token) when the longest
 * prompt leaves no room at all.
 */
export function newTokenBudget(
  context: number,
  promptLengths: readonly number[],
  maxNewTokens: number,
  where?: (index: number) => string,
): { budget: number; longest: number } {
  checkFitsContext(context, promptLengths, 1, where);
  const longest = Math.max(0, ...promptLengths);
  return { budget: Math.min(maxNewTokens, context - longest), longest };
}
