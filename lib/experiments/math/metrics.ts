/**
 * The math metrics (GSM8K-style questions with a numeric gold), each a
 * mean over samples with a bootstrap interval that resamples questions
 * (the k samples of a question share its difficulty):
 * - accuracy — the extracted answer (lib/rewards/math.ts extractAnswer:
 *   `<answer>`, `\boxed`, `####`, "the answer is", else the last number)
 *   equals the gold;
 * - partial accuracy — it is a number within 10 % of the gold (ee596-fp);
 * - format — the whole completion is `<think>…</think><answer>…</answer>`
 *   (isStrictFormat);
 * - and, in the study, the main reward: format + accuracy with the reward
 *   functions and weights GRPO trained with (./evaluate.ts).
 *
 * ```ts
 * const { outputs } = sampleCompletions(model, tokenizer, prompts, { k: 1, sampling: "greedy", maxNewTokens: 256 });
 * const report = await evaluateMathOutputs(
 *   rows.map((r, i) => ({ question: r.question, gold: r.final, samples: outputs[i].samples })),
 *   { model: "sft" },
 * );
 * report.aggregate.accuracy; // { mean, low, high, groups, values }
 * ```
 *
 * @module
 */
import { evaluateOutputs } from "../../eval/evaluate.ts";
import { defineMetrics } from "../../eval/metrics.ts";
import type { BootstrapOptions } from "../../eval/stats.ts";
import type {
  EvalReport,
  GenerationSettings,
  SampleScores,
} from "../../eval/types.ts";
import { isStrictFormat, type TagStyle } from "../../prompt/tags.ts";
import {
  answersMatch,
  type AnswerSource,
  extractAnswer,
  readAnswer,
  type Tolerance,
} from "../../rewards/math.ts";
import type { ChatMessage } from "../../tokenizer/mod.ts";

const percent = { kind: "percent", digits: 1 } as const;

/** Accuracy, partial accuracy and format, in table order. */
export const MATH_ANSWER_METRICS = defineMetrics(
  [
    {
      key: "accuracy",
      label: "Accuracy",
      column: "accuracy",
      description: "the extracted answer equals the gold",
      format: percent,
    },
    {
      key: "partial",
      label: "Partial accuracy (±10 %)",
      column: "partial_accuracy",
      description: "the extracted answer is a number within 10 % of the gold",
      format: percent,
    },
    {
      key: "format",
      label: "Format",
      column: "format",
      description:
        "the completion is exactly <think>…</think><answer>…</answer>",
      format: percent,
    },
  ] as const,
);

/** The study's metrics: the main reward as trained, then {@link MATH_ANSWER_METRICS}. */
export const MATH_METRICS = defineMetrics(
  [
    {
      key: "reward",
      label: "Reward (format + accuracy)",
      column: "reward",
      description:
        "format_strict + math_accuracy with the weights GRPO trained with (0 to 2)",
      format: { kind: "score", digits: 3 },
    },
    ...MATH_ANSWER_METRICS,
  ] as const,
);

/** Options of {@link scoreMathSample} and {@link evaluateMathOutputs}. */
export interface MathScoreOptions {
  /** Tag style of the format metric (default "think"). */
  style?: TagStyle;
  /** Tolerance of the exact-answer match (answersMatch's default). */
  tolerance?: Tolerance;
  /** Relative tolerance of partial accuracy (default 0.1, ee596-fp's 10 %). */
  partialTolerance?: number;
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

/** Scores one completion against a numeric gold. */
export function scoreMathSample(
  completion: string,
  gold: number,
  options: MathScoreOptions = {},
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

/** {@link scoreMathSample} as report values (the answer metrics) and extras (the extracted answer). */
export function mathSampleScores(
  completion: string,
  gold: number,
  options: MathScoreOptions = {},
): SampleScores {
  const s = scoreMathSample(completion, gold, options);
  return {
    values: { accuracy: s.correct, partial: s.partial, format: s.format },
    extras: { extracted: s.extracted, source: s.source },
  };
}

/** One question's sampled completions and its numeric gold answer. */
export interface MathItem {
  question: string;
  gold: number;
  samples: string[];
  /** The prompt the model saw (default: the question). */
  prompt?: string | ChatMessage[];
}

/** Options of {@link evaluateMathOutputs}. */
export interface MathEvalOptions extends MathScoreOptions {
  /** Model name for tables (default "model"). */
  model?: string;
  /** How the outputs were generated, recorded in the report. */
  generation?: Partial<GenerationSettings>;
  /** Bootstrap settings of the intervals. */
  bootstrap?: BootstrapOptions;
}

/**
 * Accuracy, partial accuracy and format of every question's samples as a
 * report: the question is the prompt's id, the gold its reference.
 */
export async function evaluateMathOutputs(
  items: readonly MathItem[],
  options: MathEvalOptions = {},
): Promise<EvalReport> {
  checkItems(items);
  return await evaluateOutputs(
    items.map((item) => ({
      prompt: item.prompt ?? item.question,
      id: item.question,
      reference: String(item.gold),
      samples: item.samples,
    })),
    {
      model: options.model ?? "model",
      metrics: MATH_ANSWER_METRICS,
      generation: options.generation,
      bootstrap: options.bootstrap,
      study: mathStudySettings(options),
      score: (samples) =>
        samples.map((s) =>
          mathSampleScores(s.text, items[s.promptIndex].gold, options)
        ),
    },
  );
}

/** What defines the answer metrics, recorded in a report's study settings. */
export function mathStudySettings(
  options: MathScoreOptions = {},
): Record<string, string | number> {
  return {
    style: options.style ?? "think",
    partialTolerance: options.partialTolerance ?? 0.1,
  };
}

/** Throws unless every item has a finite gold and a sample (errors count questions from 1). */
export function checkItems(
  items: readonly { gold: number; samples: readonly string[] }[],
): void {
  if (items.length === 0) throw new Error("evaluateMathOutputs: no questions");
  items.forEach((item, index) => {
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
  });
}
