/**
 * What a prompt is: plain text, or a conversation that the chat template
 * renders (a system turn, user turns, earlier assistant turns).
 *
 * ```ts
 * promptText("Why does ice float?");                        // the string
 * promptText([{ role: "system", content: "…" }, { role: "user", content: "Why?" }]); // "Why?"
 * ```
 *
 * @module
 */
import type { ChatMessage } from "../util/chat_message.ts";

/** A prompt: text, or a conversation ending where the model answers. */
export type Prompt = string | ChatMessage[];

/**
 * The text a prompt asks: the string itself, or the content of the last
 * user message of a conversation (the system prompt is not the question).
 */
export function promptText(prompt: string | readonly ChatMessage[]): string {
  if (typeof prompt === "string") return prompt;
  for (let i = prompt.length - 1; i >= 0; i--) {
    if (prompt[i].role === "user") return prompt[i].content;
  }
  throw new Error("the prompt conversation has no user message");
}
