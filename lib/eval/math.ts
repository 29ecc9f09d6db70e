/**
 * Math evaluation (GSM8K-style questions with a numeric gold): the prompt
 * every math run uses, and the metrics of k sampled answers per question.
 *
 * ```ts
 * const prompts = rows.map((r) => mathPrompt(r.question));
 * const { outputs } = sampleCompletions(model, tokenizer, prompts, { k: 1, sampling: "greedy" });
 * const report = evaluateMathOutputs(
 *   rows.map((r, i) => ({ question: r.question, gold: r.final, samples: outputs[i].samples })),
 * );
 * report.metrics.accuracy; // { mean, low, high, groups, values }
 * ```
 *
 * Metrics, each a mean over samples with a bootstrap interval that
 * resamples questions (the k samples of a question share its difficulty):
 * - accuracy — the extracted answer (lib/rewards/math.ts extractAnswer:
 *   `<answer>`, `\boxed`, `####`, "the answer is", else the last number)
 *   equals the gold;
 * - partial accuracy — it is a number within 10 % of the gold (ee596-fp);
 * - format — the whole completion is `<think>…</think><answer>…</answer>`
 *   (isStrictFormat).
 *
 * @module
 */
import { isStrictFormat, type TagStyle } from "../prompt/tags.ts";
import {
  answersMatch,
  type AnswerSource,
  extractAnswer,
  readAnswer,
  type Tolerance,
} from "../rewards/math.ts";
import {
  bootstrapCI,
  type BootstrapOptions,
  bootstrapSettings,
  type Estimate,
} from "./stats.ts";

/** One question's sampled completions and its numeric gold answer. */
export interface MathItem {
  question: string;
  gold: number;
  samples: string[];
}

/** Options of {@link evaluateMathOutputs}. */
export interface MathEvalOptions {
  /** Tag style of the format metric (default "think"). */
  style?: TagStyle;
  /** Tolerance of the exact-answer match (answersMatch's default). */
  tolerance?: Tolerance;
  /** Relative tolerance of partial accuracy (default 0.1, ee596-fp's 10 %). */
  partialTolerance?: number;
  /** Bootstrap settings of the intervals. */
  bootstrap?: BootstrapOptions;
}

/** The scores of one completion. */
export interface MathSampleScore {
  completion: string;
  /** The extracted answer text, or null when none was found. */
  extracted: string | null;
  source: AnswerSource | null;
  correct: 0 | 1;
  partial: 0 | 1;
  format: 0 | 1;
}

/** One question's scores. */
export interface MathQuestionRow {
  index: number;
  question: string;
  gold: number;
  samples: MathSampleScore[];
  /** Means over the question's samples. */
  accuracy: number;
  partial: number;
  format: number;
}

/** The metrics of a math evaluation. */
export type MathMetric = "accuracy" | "partial" | "format";

/** Table labels and CSV columns of each metric, in table order. */
export const MATH_METRICS: readonly {
  key: MathMetric;
  label: string;
  description: string;
}[] = [
  {
    key: "accuracy",
    label: "Accuracy",
    description: "the extracted answer equals the gold",
  },
  {
    key: "partial",
    label: "Partial accuracy (±10 %)",
    description: "the extracted answer is a number within 10 % of the gold",
  },
  {
    key: "format",
    label: "Format",
    description: "the completion is exactly <think>…</think><answer>…</answer>",
  },
];

/** The result of {@link evaluateMathOutputs}. */
export interface MathReport {
  questions: number;
  /** Samples per question (the largest, if they differ). */
  k: number;
  metrics: Record<MathMetric, Estimate>;
  rows: MathQuestionRow[];
  bootstrap: Required<BootstrapOptions>;
}

/** Scores one completion against a numeric gold. */
export function scoreMathSample(
  completion: string,
  gold: number,
  options: MathEvalOptions = {},
): MathSampleScore {
  const found = extractAnswer(completion);
  const goldValue = { kind: "number" as const, value: gold, percent: false };
  const correct = found !== null &&
    answersMatch(found.text, goldValue, options.tolerance);
  const predicted = found ? readAnswer(found.text) : null;
  const within = (options.partialTolerance ?? 0.1) * Math.abs(gold);
  const partial = predicted?.kind === "number" &&
    Math.abs(predicted.value - gold) <= within;
  return {
    completion,
    extracted: found?.text ?? null,
    source: found?.source ?? null,
    correct: correct ? 1 : 0,
    // An exact match counts as partially right too (e.g. "1/2" for 0.5).
    partial: correct || partial ? 1 : 0,
    format: isStrictFormat(completion, options.style ?? "think") ? 1 : 0,
  };
}

/**
 * Accuracy, partial accuracy and format of every question's samples, with
 * bootstrap intervals over questions and the per-question rows.
 */
export function evaluateMathOutputs(
  items: readonly MathItem[],
  options: MathEvalOptions = {},
): MathReport {
  if (items.length === 0) throw new Error("evaluateMathOutputs: no questions");
  const rows = items.map((item, index): MathQuestionRow => {
    if (!Number.isFinite(item.gold)) {
      throw new Error(
        `evaluateMathOutputs: question ${
          index + 1
        } has gold ${item.gold}; expected a finite number`,
      );
    }
    if (item.samples.length === 0) {
      throw new Error(
        `evaluateMathOutputs: question ${index + 1} has no samples`,
      );
    }
    const samples = item.samples.map((s) =>
      scoreMathSample(s, item.gold, options)
    );
    const avg = (key: MathMetric) =>
      samples.reduce(
        (sum, s) => sum + s[key === "accuracy" ? "correct" : key],
        0,
      ) /
      samples.length;
    return {
      index,
      question: item.question,
      gold: item.gold,
      samples,
      accuracy: avg("accuracy"),
      partial: avg("partial"),
      format: avg("format"),
    };
  });
  const estimate = (pick: (s: MathSampleScore) => number) =>
    bootstrapCI(rows.map((r) => r.samples.map(pick)), options.bootstrap);
  return {
    questions: rows.length,
    k: Math.max(...rows.map((r) => r.samples.length)),
    metrics: {
      accuracy: estimate((s) => s.correct),
      partial: estimate((s) => s.partial),
      format: estimate((s) => s.format),
    },
    rows,
    bootstrap: bootstrapSettings(options.bootstrap),
  };
}

/** A markdown table of the metrics: mean and interval in percent. */
export function mathSummaryTable(report: MathReport, title?: string): string {
  const pct = (v: number) => (v * 100).toFixed(1);
  const level = Number((report.bootstrap.level * 100).toFixed(1));
  const lines = [
    `| Metric | Mean | ${level} % CI |`,
    "| --- | ---: | ---: |",
    ...MATH_METRICS.map(({ key, label }) => {
      const m = report.metrics[key];
      return `| ${label} | ${pct(m.mean)} % | [${pct(m.low)}, ${
        pct(m.high)
      }] |`;
    }),
  ];
  const caption = `${
    title ? `${title}: ` : ""
  }${report.questions} questions × k = ${report.k}; bootstrap over questions (B = ${report.bootstrap.resamples}).`;
  return `${lines.join("\n")}\n\n${caption}`;
}

/** Per-question CSV rows (one per question). */
export function mathQuestionCsvRows(
  report: MathReport,
): Record<string, string | number>[] {
  return report.rows.map((r) => ({
    index: r.index,
    question: r.question,
    gold: r.gold,
    accuracy: r.accuracy,
    partial_accuracy: r.partial,
    format: r.format,
    first_answer: r.samples[0].extracted ?? "",
  }));
}

/** Per-sample CSV rows (one per completion). */
export function mathSampleCsvRows(
  report: MathReport,
): Record<string, string | number>[] {
  return report.rows.flatMap((r) =>
    r.samples.map((s, j) => ({
      index: r.index,
      sample: j,
      gold: r.gold,
      extracted: s.extracted ?? "",
      source: s.source ?? "",
      correct: s.correct,
      partial: s.partial,
      format: s.format,
      completion: s.completion,
    }))
  );
}
