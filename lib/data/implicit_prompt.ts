/**
 * The implicit prompt of a preference pair: when a row holds only `chosen`
 * and `rejected`, each the whole text or conversation, the prompt is the
 * start they share. This is TRL's `extract_prompt` (`trl/data_utils.py`):
 *
 * - walk both (characters of a string, messages of a conversation) to the
 *   first position where they differ; the prompt is everything before it,
 *   and chosen/rejected are what follows;
 * - for strings, when the character just before that position is a space,
 *   the space goes to the completions (" blue." rather than "blue.");
 * - when one is a prefix of the other (no position differs), the prompt
 *   stops one element short of the shorter one, as Python's loop variable
 *   leaves it.
 *
 * ```ts
 * extractPrompt("Sky? It is blue.", "Sky? It is green.");
 * // { prompt: "Sky? It is", chosen: " blue.", rejected: " green." }
 * ```
 *
 * Strings are walked by code point, as Python indexes them, so a split
 * never falls inside a surrogate pair. Two inputs TRL mishandles give an
 * empty prompt here, which the caller reports: chosen and rejected that
 * differ at their first element (TRL then looks at the *last* character,
 * index -1, and may cut one off the end), and an empty chosen or rejected
 * (TRL raises an unbound-variable error).
 *
 * @module
 */
import type { ChatMessage } from "../util/chat_message.ts";

/** A prompt and the two completions that follow it. */
export interface SplitPair<T> {
  prompt: T;
  chosen: T;
  rejected: T;
}

/** TRL's `extract_prompt` on two strings (see the module doc). */
export function extractPrompt(
  chosen: string,
  rejected: string,
): SplitPair<string>;
/** TRL's `extract_prompt` on two conversations (see the module doc). */
export function extractPrompt(
  chosen: readonly ChatMessage[],
  rejected: readonly ChatMessage[],
): SplitPair<ChatMessage[]>;
export function extractPrompt(
  chosen: string | readonly ChatMessage[],
  rejected: string | readonly ChatMessage[],
): SplitPair<string> | SplitPair<ChatMessage[]> {
  if (typeof chosen === "string" && typeof rejected === "string") {
    const c = Array.from(chosen), r = Array.from(rejected);
    const at = splitIndex(c, r, (a, b) => a === b, (x) => x === " ");
    return {
      prompt: c.slice(0, at).join(""),
      chosen: c.slice(at).join(""),
      rejected: r.slice(at).join(""),
    };
  }
  if (Array.isArray(chosen) && Array.isArray(rejected)) {
    const at = splitIndex(
      chosen,
      rejected,
      (a, b) => a.role === b.role && a.content === b.content,
      () => false,
    );
    return {
      prompt: chosen.slice(0, at),
      chosen: chosen.slice(at),
      rejected: rejected.slice(at),
    };
  }
  throw new Error(
    "extractPrompt needs two strings or two message lists",
  );
}

/** Where TRL's loop leaves `idx` (0 where TRL would fail or misread). */
function splitIndex<T>(
  chosen: readonly T[],
  rejected: readonly T[],
  same: (a: T, b: T) => boolean,
  isSpace: (x: T) => boolean,
): number {
  const n = Math.min(chosen.length, rejected.length);
  for (let i = 0; i < n; i++) {
    if (same(chosen[i], rejected[i])) continue;
    return i > 0 && isSpace(chosen[i - 1]) ? i - 1 : i;
  }
  return Math.max(0, n - 1);
}
