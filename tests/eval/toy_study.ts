/**
 * A toy study for the tests of the generic evaluation layer: a metric set
 * of three (a 0/1 score, a percent rate, a count that applies only to
 * numeric answers), its scorer, three prompts, and two models' reports.
 */
import { evaluateOutputs } from "../../lib/eval/evaluate.ts";
import { defineMetrics } from "../../lib/eval/metrics.ts";
import type {
  EvalReport,
  PromptOutputs,
  SampleScorer,
} from "../../lib/eval/types.ts";

/** The toy metric set. */
export const TOY = defineMetrics([
  {
    key: "right",
    label: "Right",
    column: "right_avg",
    description: "1 when the answer is the number asked for",
    format: { kind: "score", digits: 2 },
  },
  {
    key: "short",
    label: "Short",
    column: "short_rate",
    description: "1 when the answer has at most 3 characters",
    format: { kind: "percent", digits: 1 },
  },
  {
    key: "digits",
    label: "Digits",
    column: "digits",
    description: "digits of a numeric answer (none for words)",
    format: { kind: "count", digits: 1 },
  },
]);

/** Right when the text is the prompt's reference; digits only for numbers. */
export const score: SampleScorer = (samples) =>
  samples.map((s) => ({
    values: {
      right: s.text === s.prompt.reference ? 1 : 0,
      short: s.text.length <= 3 ? 1 : 0,
      digits: /^\d+$/.test(s.text) ? s.text.length : null,
    },
    extras: { upper: s.text.toUpperCase() },
  }));

/** The three prompts with these samples. */
export const prompts = (samples: string[][]): PromptOutputs[] =>
  [["2 + 2?", "4"], ["10 × 10?", "100"], ["Say hi", "hi"]].map((
    [prompt, reference],
    i,
  ) => ({ prompt, id: `q${i}`, reference, samples: samples[i] }));

/** "base" and "tuned" on the same prompts and study settings. */
export async function toyReports(): Promise<[EvalReport, EvalReport]> {
  const base = await evaluateOutputs(
    prompts([["4", "five"], ["99", "1000"], ["hello", "hey"]]),
    {
      model: "base",
      metrics: TOY,
      score,
      generation: { seed: 1, sampling: "standard", maxNewTokens: 8 },
      study: { grader: "exact" },
    },
  );
  const tuned = await evaluateOutputs(
    prompts([["4", "4"], ["100", "99"], ["hi", "hi"]]),
    { model: "tuned", metrics: TOY, score, study: { grader: "exact" } },
  );
  return [base, tuned];
}
