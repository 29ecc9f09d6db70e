/**
 * Evaluation of the haiku study: k seeded samples per prompt, gemma_haiku's
 * columns (Haiku, Similarity, Total, Train Overlap) with bootstrap
 * intervals over prompts, diagnostics (three-line rate, syllable error,
 * prompt echo, length), paired comparisons, CSV/markdown/SVG output.
 *
 * ```ts
 * import * as evaluation from "../lib/eval/mod.ts";
 * const prompts = await evaluation.readEvalPrompts("data/haiku/eval.json");
 * const { outputs, settings } = evaluation.sampleCompletions(model, tok, prompts.map((p) => p.prompt), { k: 4 });
 * const report = await evaluation.evaluateHaikuOutputs(
 *   outputs.map((o, i) => ({ ...prompts[i], samples: o.samples })),
 *   { model: "sft", trainHaikus: await evaluation.readTrainHaikus("data/haiku/train.json"),
 *     embedder: useLiteEmbedder(), generation: settings },
 * );
 * await evaluation.writeReport("results/haiku/run", [report]);
 * ```
 *
 * @module
 */
export {
  bootstrapCI,
  type BootstrapOptions,
  type Estimate,
  type Interval,
  mean,
  type PairedComparison,
  pairedComparison,
  type PairedOptions,
  quantile,
  signFlipTest,
} from "./stats.ts";
export { contentWords, promptEcho, STOPWORDS } from "./echo.ts";
export {
  type EvalReport,
  type EvalSettings,
  type GenerationSettings,
  HAIKU_METRICS,
  type HaikuMetric,
  type HaikuOutput,
  type MetricInfo,
  metricInfo,
  type PromptScores,
  type SampleScore,
} from "./types.ts";
export {
  evaluateHaikuOutputs,
  type HaikuEvalOptions,
  syllableError,
} from "./haiku.ts";
export { checkSamePrompts, compareReports } from "./compare.ts";
export {
  formatInterval,
  pairedTable,
  summaryTable,
  type TableFormatOptions,
} from "./tables.ts";
export {
  rewardCurves,
  type RewardCurvesOptions,
  type RewardRun,
  scoreBars,
  type ScoreBarsOptions,
  type StageRow,
  stageSteps,
} from "./charts.ts";
export {
  readReports,
  type ReportFiles,
  SEED_COLUMNS,
  summaryColumns,
  summaryRows,
  toCsv,
  writeReport,
} from "./report.ts";
export {
  type EvalPrompt,
  GEMMA_HAIKU_EVAL_SAMPLING,
  GEMMA_HAIKU_MAX_NEW_TOKENS,
  type PromptSamples,
  readEvalPrompts,
  readTrainHaikus,
  sampleCompletions,
  type SampleOptions,
  sampleSeed,
} from "./generate_samples.ts";
