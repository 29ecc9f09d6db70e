/**
 * Batch answering in ee596-fp's format: the questions of a data file, the
 * system prompt asking for `<reasoning>…</reasoning><answer>…</answer>`, and
 * the record written for each generated answer.
 *
 * @module
 */
import { type Row, rowLocation } from "../data/rows.ts";
import { extractTagged, isStrictFormat } from "../prompt/tags.ts";

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
