/**
 * GSM8K rows (`openai/gsm8k`, the GitHub JSONL files, the Kaggle CSV ee596-fp
 * used, and tunebook's generated problems): `question`, and `answer`, a
 * worked solution whose last line is `#### <number>`.
 *
 * ```ts
 * parseGsm8kAnswer("…so she makes 9 * 2 = $<<9*2=18>>18.\n#### 18"); // 18
 * parseGsm8kAnswer("#### 1,234"); // 1234
 * ```
 *
 * @module
 */
import { type Row, rowLocation } from "./rows.ts";
import { field, type RowOf, validateRow } from "./schema.ts";

/** The raw GSM8K columns. */
export const GSM8K_SCHEMA = [
  field("question", "string"),
  field("answer", "string"),
] as const;

/** A GSM8K problem with its final answer parsed. */
export type Gsm8kRow = RowOf<typeof GSM8K_SCHEMA> & { final: number };

const FINAL_MARK = "####";

/**
 * The final number of a GSM8K answer: the text after the last `####`, with
 * thousands commas, a leading `$` and a trailing `%` or `.` removed.
 * Negative and decimal numbers are allowed. Throws when there is no
 * `####` or no number after it.
 */
export function parseGsm8kAnswer(answer: string): number {
  const at = answer.lastIndexOf(FINAL_MARK);
  if (at < 0) {
    throw new Error(`the answer has no "${FINAL_MARK} <number>" line`);
  }
  const raw = answer.slice(at + FINAL_MARK.length).trim();
  const text = raw.replace(/\s+/g, "").replace(/^\$|^(-)\$/, "$1")
    .replace(/[%.]$/, "");
  if (!/^[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/.test(text)) {
    throw new Error(
      `the text after "${FINAL_MARK}" is not a number: ${JSON.stringify(raw)}`,
    );
  }
  return Number(text.replaceAll(",", ""));
}

/** Validates GSM8K rows and parses each final answer into `final`. */
export function gsm8kRows(rows: readonly Row[], source: string): Gsm8kRow[] {
  return rows.map((row, index) => {
    const valid = validateRow(row, GSM8K_SCHEMA, source, index);
    try {
      return { ...valid, final: parseGsm8kAnswer(valid.answer) };
    } catch (error) {
      throw new Error(
        `${source} ${rowLocation(row, index)}: field "answer": ${
          (error as Error).message
        }`,
      );
    }
  });
}
