/**
 * The topic of a haiku prompt ("Generate a haiku about the following topic:
 * <topic>"), read per sample.
 *
 * @module
 */
import { pyStrip } from "./text.ts";
import { type ChatMessage } from "./types.ts";
import { promptText } from "../prompt/prompt.ts";

/**
 * Everything after the first colon of the prompt's (last user) text,
 * trimmed; the whole trimmed text when there is no colon. Fixes gemma_haiku,
 * which kept only the text between the first and second colon.
 */
export function topicOf(prompt: string | readonly ChatMessage[]): string {
  const text = promptText(prompt);
  const at = text.indexOf(":");
  return (at < 0 ? text : text.slice(at + 1)).trim();
}

/**
 * gemma_haiku's reading, for parity: `text.split(":")[1].strip()`, the text
 * between the first and the second colon. A prompt without a colon is an
 * error (gemma_haiku raised IndexError).
 */
export function legacyTopicOf(prompt: string | readonly ChatMessage[]): string {
  const parts = promptText(prompt).split(":");
  if (parts.length < 2) {
    throw new Error(
      `the prompt has no ":" before a topic (gemma_haiku's topic rule needs "…: <topic>")`,
    );
  }
  return pyStrip(parts[1]);
}
