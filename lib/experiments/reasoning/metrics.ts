/**
 * The rubric-reasoning metrics: each answer scored with the rewards exactly
 * as trained (format + weighted rubric grade, the main reward), the format
 * and the rubric grade alone, ee596-fp's word-overlap proxy (a diagnostic),
 * the share of the question's content words echoed, and the length in
 * tokens.
 *
 * ```ts
 * const score = reasoningScorer(settings, rows, tokenizer);
 * const report = await evaluateOutputs(outputs, { model: "SFT", metrics: REASONING_METRICS, score });
 * ```
 *
 * @module
 */
import { promptEcho } from "../../eval/echo.ts";
import { defineMetrics } from "../../eval/metrics.ts";
import type { SampleScorer } from "../../eval/types.ts";
import type { Row } from "../../data/rows.ts";
import { rewardFromConfig } from "../../rewards/registry.ts";
import { parseRubric, rubricOverlapScore } from "../../rewards/rubric.ts";
import { gradeRubricItems } from "../../rewards/rubric_embedding.ts";
import type { Embedder } from "../../rewards/similarity.ts";
import { scoreRewards } from "../../rewards/types.ts";
import type { Tokenizer } from "../../tokenizer/mod.ts";
import { type ReasoningSettings } from "./settings.ts";
import { reasoningPrompt } from "../../prompt/system_prompts.ts";
import { reasoningRewards } from "./train.ts";

const two = { kind: "score", digits: 2 } as const;
const three = { kind: "score", digits: 3 } as const;

/** The per-sample measurements, in table order. */
export const REASONING_METRICS = defineMetrics(
  [
    {
      key: "main",
      label: "Main reward",
      column: "main_reward",
      description:
        "format_strict + rubric weight × rubric_embedding, exactly as trained",
      format: three,
    },
    {
      key: "format",
      label: "Format accuracy",
      column: "format",
      description:
        "1 when the answer is exactly <reasoning>…</reasoning><answer>…</answer>",
      format: two,
    },
    {
      key: "rubric",
      label: "Rubric score (embedding)",
      column: "rubric",
      description:
        "rubric_embedding: points-weighted credit of each criterion's closest answer sentence (0–1)",
      format: three,
    },
    {
      key: "overlap",
      label: "Overlap proxy",
      column: "overlap",
      description: "ee596-fp's rubric word overlap (0–10), a diagnostic only",
      format: two,
    },
    {
      key: "echo",
      label: "Question echo",
      column: "question_echo",
      description:
        "share of the question's content words in the answer (restating the question earns rubric credit); 0 for a question without content words",
      format: two,
    },
    {
      key: "tokens",
      label: "Tokens",
      column: "tokens",
      description: "tokens of the trimmed answer",
      format: { kind: "count", digits: 1 },
    },
  ] as const,
);

/** A reasoning metric's key. */
export type ReasoningMetric = typeof REASONING_METRICS[number]["key"];

/** The main-reward definition, for captions. */
export function mainRewardLabel(settings: ReasoningSettings): string {
  return `format_strict (0/1) + ${settings.rubricWeight} × rubric_embedding (0–1)`;
}

/**
 * Scores answers to `rows` (the eval questions, in order) with the
 * training rewards and the diagnostics.
 */
export function reasoningScorer(
  settings: ReasoningSettings,
  rows: readonly Row[],
  tokenizer: Tokenizer,
): SampleScorer {
  const specs = reasoningRewards(settings);
  const fns = specs.map(({ name, weight: _w, ...rest }, i) =>
    rewardFromConfig(name, rest, "reasoning evaluation", `rewards[${i}]`)
  );
  const weights = specs.map((s) => s.weight);
  const [formatName, rubricName] = fns.map((f) => f.name);
  const rubrics = rows.map((r, i) =>
    parseRubric(r.rubric, `${settings.evalData} row ${i + 1} "rubric"`)
      .map((c) => c.criterion).join("\n")
  );
  return async (samples) => {
    const scored = await scoreRewards(
      fns,
      samples.map((s) => ({
        prompt: reasoningPrompt(String(rows[s.promptIndex].question)),
        completion: s.text,
        columns: rows[s.promptIndex] as Record<string, unknown>,
      })),
      weights,
    );
    return samples.map((s, i) => {
      const question = String(rows[s.promptIndex].question);
      return {
        values: {
          // A reward that skips a sample (null) counts 0, so that every
          // sample has a value and the means stay over all samples.
          main: scored.total[i] ?? 0,
          format: scored.byName[formatName][i] ?? 0,
          rubric: scored.byName[rubricName][i] ?? 0,
          overlap: rubricOverlapScore(s.text, rubrics[s.promptIndex]),
          // The grader's known weak spot: restating the question earns
          // rubric credit, so the share of its content words echoed is shown.
          echo: promptEcho(question, s.text) ?? 0,
          tokens: tokenizer.encode(s.text.trim()).length,
        },
      };
    });
  };
}

/** Mean rubric grades of three stand-in answers, from {@link graderCalibration}. */
export interface GraderCalibration {
  /** The question itself as the answer. */
  question: number;
  /** The row's reference answer. */
  reference: number;
  /** The next row's reference answer (another question's). */
  other: number;
  /** Rows graded. */
  rows: number;
}

/**
 * What the embedding grader gives answers that need no model: the question
 * restated, the reference answer, and another question's reference
 * answer, each graded against the row's rubric and averaged over `rows`
 * (rubric, question and reference_answer columns). Restating the question
 * earning credit is the grader's weak spot.
 */
export async function graderCalibration(
  rows: readonly Row[],
  embedder: Embedder,
): Promise<GraderCalibration> {
  if (rows.length < 2) {
    throw new Error("graderCalibration: needs at least two rows");
  }
  const criteria = rows.map((r, i) =>
    parseRubric(r.rubric, `row ${i + 1} "rubric"`)
  );
  const grade = async (answer: (i: number) => string) => {
    const grades = await gradeRubricItems(
      embedder,
      rows.map((_, i) => ({ completion: answer(i), criteria: criteria[i] })),
    );
    return grades.reduce((s, g) => s + g.score, 0) / grades.length;
  };
  const text = (i: number, column: string) => String(rows[i][column]);
  return {
    question: await grade((i) => text(i, "question")),
    reference: await grade((i) => text(i, "reference_answer")),
    other: await grade((i) => text((i + 1) % rows.length, "reference_answer")),
    rows: rows.length,
  };
}
