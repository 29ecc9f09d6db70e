/**
 * Batch answering in ee596-fp's format: the questions of a data file, the
 * prompts (system prompt asking for `<reasoning>…</reasoning><answer>…</answer>`
 * and the question) with the new-token budget the context leaves, and the
 * record written for each generated answer.
 *
 * @module
 */
import { type Row, rowLocation } from "../data/rows.ts";
import { newTokenBudget } from "../generate/context.ts";
import { encodePrompt } from "../prompt/encode.ts";
import { extractTagged, isStrictFormat } from "../prompt/tags.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";

/** One question to answer. */
export interface Question {
  /** The row's `id`, or its 0-based index in the file when it has none. */
  id: string | number;
  question: string;
}

/**
 * The questions of `rows` read from `path`: each row's `question` column,
 * or `prompt` when there is no `question`. Throws naming the file and row
 * when a row has neither as a non-empty string.
 */
export function questionsOf(rows: Row[], path: string): Question[] {
  if (rows.length === 0) throw new Error(`${path}: no rows`);
  return rows.map((row, i) => {
    const field = "question" in row ? "question" : "prompt";
    const text = row[field];
    if (typeof text !== "string" || text.trim() === "") {
      const what = field in row
        ? `"${field}" must be a non-empty string, got ${JSON.stringify(text)}`
        : `has no "question" or "prompt" column (columns: ${
          Object.keys(row).join(", ") || "none"
        })`;
      throw new Error(`${path} ${rowLocation(row, i)}: ${what}`);
    }
    const id = typeof row.id === "string" || typeof row.id === "number"
      ? row.id
      : i;
    return { id, question: text };
  });
}

/** The prompts of some questions and the new tokens the context leaves them. */
export interface AnswerPrompts {
  /** Per question: the system prompt (when not empty) and the question. */
  prompts: ChatMessage[][];
  /** `maxNewTokens`, cut so that the longest prompt and its answer fit. */
  budget: number;
  /** Tokens of the longest prompt. */
  longest: number;
}

/**
 * The chat prompt of each question under `system` ("" for none) and the
 * new-token budget: past the context a model writes garbage, so the budget
 * is cut until the longest prompt plus its answer fits, and a question that
 * leaves no room is refused by `where(i)` (its file and line).
 */
export function answerPrompts(
  tokenizer: Tokenizer,
  context: number,
  questions: readonly Question[],
  system: string,
  maxNewTokens: number,
  where: (i: number) => string,
): AnswerPrompts {
  const prompts: ChatMessage[][] = questions.map((q) => [
    ...(system ? [{ role: "system" as const, content: system }] : []),
    { role: "user" as const, content: q.question },
  ]);
  const { budget, longest } = newTokenBudget(
    context,
    prompts.map((p) => encodePrompt(tokenizer, p).length),
    maxNewTokens,
    (i) => `${where(i)}: the question`,
  );
  return { prompts, budget, longest };
}

/** What `deno task answer` writes for one generated answer. */
export interface AnswerRecord {
  id: string | number;
  question: string;
  /** The whole decoded completion. */
  answer: string;
  /** Text inside `<reasoning>…</reasoning>`, or null. */
  reasoning: string | null;
  /** Text inside `<answer>…</answer>`, or null. */
  final_answer: string | null;
  /** Whether the completion is exactly the strict reasoning/answer format. */
  format_ok: boolean;
  preset: string;
  /** Seed of the generate call that produced this answer. */
  seed: number;
}

/** The record of `answer` to `question`, with the tagged parts extracted. */
export function answerRecord(
  question: Question,
  answer: string,
  preset: string,
  seed: number,
): AnswerRecord {
  return {
    id: question.id,
    question: question.question,
    answer,
    reasoning: extractTagged(answer, "reasoning"),
    final_answer: extractTagged(answer, "answer"),
    format_ok: isStrictFormat(answer, "reasoning"),
    preset,
    seed,
  };
}
