/**
 * Schemas for the row formats of the reference projects' data, each with a
 * function that validates raw rows into typed ones:
 *
 * | format | columns | used by |
 * | --- | --- | --- |
 * | conversations | `conversations` or `messages`: `[{role, content}]` | gemma_haiku (haiku JSON), chat SFT |
 * | prompt/completion | `prompt`, `completion` | TRL's standard format |
 * | NuminaMath-TIR | `problem`, `solution`, optional `messages` | finetuned-llama (`AI-MO/NuminaMath-TIR`) |
 * | smoltldr | `prompt`, optional `completion` | finetuned-llama (`mlabonne/smoltldr`) |
 *
 * GSM8K lives in `gsm8k.ts` and OpenRubrics in `open_rubrics.ts`.
 *
 * @module
 */
import type { Row } from "./rows.ts";
import { field, type RowOf, validateRows } from "./schema.ts";

/** A chat conversation; gemma_haiku's files call the column `conversations`. */
export const CONVERSATION_SCHEMA = [
  field("messages", "messages", { aliases: ["conversations"] }),
] as const;

/** A validated conversation row. */
export type ConversationRow = RowOf<typeof CONVERSATION_SCHEMA>;

/** Validates rows holding `conversations` or `messages`. */
export function conversationRows(
  rows: readonly Row[],
  source: string,
): ConversationRow[] {
  return validateRows(rows, CONVERSATION_SCHEMA, source);
}

/** TRL's standard (non-conversational) prompt/completion pairs. */
export const PROMPT_COMPLETION_SCHEMA = [
  field("prompt", "string"),
  field("completion", "string"),
] as const;

/** A validated prompt/completion row. */
export type PromptCompletionRow = RowOf<typeof PROMPT_COMPLETION_SCHEMA>;

/** Validates `prompt`/`completion` string pairs. */
export function promptCompletionRows(
  rows: readonly Row[],
  source: string,
): PromptCompletionRow[] {
  return validateRows(rows, PROMPT_COMPLETION_SCHEMA, source);
}

/**
 * `AI-MO/NuminaMath-TIR`: a competition problem and a worked solution
 * (LaTeX, final answer usually in `\boxed{}`); `messages` repeats them as a
 * chat. finetuned-llama dropped `solution` before its accuracy reward needed it;
 * validating it here keeps it.
 */
export const NUMINA_SCHEMA = [
  field("problem", "string"),
  field("solution", "string"),
  field("messages", "messages", { optional: true }),
] as const;

/** A validated NuminaMath-TIR row. */
export type NuminaRow = RowOf<typeof NUMINA_SCHEMA>;

/** Validates NuminaMath-TIR rows. */
export function numinaRows(rows: readonly Row[], source: string): NuminaRow[] {
  return validateRows(rows, NUMINA_SCHEMA, source);
}

/**
 * `mlabonne/smoltldr`: a Reddit-style post to summarise in `prompt`; the
 * reference summary `completion` is optional because GRPO needs prompts
 * only.
 */
export const SMOLTLDR_SCHEMA = [
  field("prompt", "string"),
  field("completion", "string", { optional: true }),
] as const;

/** A validated smoltldr row. */
export type SmolTldrRow = RowOf<typeof SMOLTLDR_SCHEMA>;

/** Validates smoltldr rows. */
export function smoltldrRows(
  rows: readonly Row[],
  source: string,
): SmolTldrRow[] {
  return validateRows(rows, SMOLTLDR_SCHEMA, source);
}
