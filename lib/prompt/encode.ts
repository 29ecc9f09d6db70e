/**
 * Prompt → token ids, the one way every generation path encodes a prompt
 * (GRPO rollouts, evaluation samples, chat, batch answers, bench:gsm8k):
 * conversations through the chat template with the generation prompt
 * (the assistant turn opened), plain strings encoded with special tokens.
 *
 * ```ts
 * const ids = encodePrompt(tokenizer, [{ role: "user", content: "Hi" }], 128);
 * ```
 *
 * @module
 */
import type { Tokenizer } from "../tokenizer/mod.ts";
import type { Prompt } from "./prompt.ts";

/**
 * Token ids of a prompt. Longer than `maxLength` (when > 0): cut from the
 * left, as TRL's `max_prompt_length` does, so the end of the prompt (the
 * question and the opened assistant turn) survives.
 */
export function encodePrompt(
  tok: Tokenizer,
  prompt: Prompt,
  maxLength = 0,
): number[] {
  const ids = typeof prompt === "string"
    ? tok.encode(prompt)
    : tok.encodeChat(prompt, { addGenerationPrompt: true });
  return maxLength > 0 && ids.length > maxLength ? ids.slice(-maxLength) : ids;
}
