/**
 * The report of a strategy comparison (lib/chat/strategies.ts): Markdown
 * tables for the terminal — one row per question × preset, the question
 * named on its first row only, then one row per preset with its means and
 * time — and, in a folder, `comparison.csv` (one row per answer),
 * `summary.csv` (one row per preset) and `comparison.json` (the settings,
 * the summary and every answer). Columns and keys are snake_case.
 *
 * @module
 */
import { stringify } from "csv-stringify/sync";
import { writeFileAtomic } from "../util/atomic.ts";
import { writeJsonFile } from "../util/json_files.ts";
import { formatTable } from "../util/table.ts";
import type {
  StrategyAnswer,
  StrategyComparison,
  StrategySummary,
} from "./strategies.ts";

/** Characters of an answer (or question) a table cell shows. */
const ANSWER_PREVIEW = 60;
const QUESTION_PREVIEW = 48;

/** `text` on one line, cut to `limit` characters with an ellipsis. */
export function preview(text: string, limit: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= limit ? line : `${line.slice(0, limit - 1)}…`;
}

/** Both Markdown tables, the answers first. */
export function strategyMarkdown(result: StrategyComparison): string {
  const answers = formatTable(
    result.answers.map((a, row) => ({
      question: row === 0 || result.answers[row - 1].index !== a.index
        ? `${a.id}: ${preview(a.question, QUESTION_PREVIEW)}`
        : "",
      preset: a.preset,
      words: a.words,
      distinct2: a.distinct2,
      format: a.formatOk ? "yes" : "no",
      // The tagged answer when there is one: that is what a reader compares.
      answer: preview(a.finalAnswer ?? a.answer, ANSWER_PREVIEW),
    })),
    {
      columns: [
        "question",
        "preset",
        "words",
        { key: "distinct2", label: "distinct-2", format: fixed(2) },
        "format",
        "answer",
      ],
    },
  ).markdown;
  const summary = formatTable(result.summary.map(summaryRow), {
    columns: [
      "preset",
      "temperature",
      "top_k",
      "top_p",
      "answers",
      { key: "mean_words", label: "mean words", format: fixed(1) },
      { key: "mean_distinct_2", label: "mean distinct-2", format: fixed(2) },
      {
        key: "format_ok_rate",
        label: "format ok",
        format: (v) => `${Math.round((v as number) * 100)}%`,
      },
      { key: "seconds", label: "seconds", format: fixed(2) },
      { key: "seconds_per_answer", label: "s/answer", format: fixed(3) },
    ],
  }).markdown;
  return `${answers}\n\n${summary}\n`;
}

/** One answer as a CSV/JSON row. */
export function answerRow(a: StrategyAnswer): Record<string, unknown> {
  return {
    question_index: a.index,
    id: a.id,
    question: a.question,
    preset: a.preset,
    seed: a.seed,
    words: a.words,
    distinct_2: a.distinct2,
    format_ok: a.formatOk,
    truncated: a.truncated,
    final_answer: a.finalAnswer,
    answer: a.answer,
  };
}

/** One preset's totals as a CSV/JSON row. */
export function summaryRow(s: StrategySummary): Record<string, unknown> {
  return {
    preset: s.preset,
    temperature: s.temperature,
    top_k: s.topK,
    top_p: s.topP,
    answers: s.answers,
    mean_words: s.meanWords,
    mean_distinct_2: s.meanDistinct2,
    format_ok_rate: s.formatRate,
    seconds: s.seconds,
    seconds_per_answer: s.answers === 0 ? 0 : s.seconds / s.answers,
  };
}

/**
 * Writes `comparison.csv`, `summary.csv` and `comparison.json` into `dir`
 * (made when missing) and returns their paths.
 */
export async function writeStrategyReport(
  dir: string,
  result: StrategyComparison,
  settings: Record<string, unknown>,
): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const answers = result.answers.map(answerRow);
  const summary = result.summary.map(summaryRow);
  const paths = ["comparison.csv", "summary.csv", "comparison.json"].map((
    name,
  ) => `${dir}/${name}`);
  await writeFileAtomic(paths[0], csv(answers));
  await writeFileAtomic(paths[1], csv(summary));
  await writeJsonFile(paths[2], { settings, summary, answers });
  return paths;
}

function csv(rows: Record<string, unknown>[]): string {
  // csv-stringify writes null as an empty cell and booleans as 1 / "":
  // spell them so the file reads the same in every tool.
  const cells = rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map((
        [k, v],
      ) => [k, typeof v === "boolean" ? String(v) : v]),
    )
  );
  return stringify(cells, {
    header: true,
    columns: Object.keys(rows[0] ?? {}),
  });
}

function fixed(digits: number): (value: unknown) => string {
  return (value) => (value as number).toFixed(digits);
}
