/**
 * Evaluation: k seeded samples per prompt, a study's metrics scored into
 * one report shape (model × prompt × sample × metric), means with
 * bootstrap intervals over prompts, paired comparisons on the same
 * prompts, tables, charts and the results files. A study brings its metric
 * set, its scorer and optionally a layout (lib/experiments/<study>/).
 *
 * ```ts
 * import * as evaluation from "../lib/eval/mod.ts";
 * const { outputs, settings } = evaluation.sampleCompletions(model, tok, prompts, {
 *   k: 4, sampling: "standard", maxNewTokens: 64,
 * });
 * const report = await evaluation.evaluateOutputs(
 *   outputs.map((o, i) => ({ prompt: o.prompt, id: ids[i], samples: o.samples })),
 *   { model: "sft", metrics, score, generation: settings },
 * );
 * await evaluation.writeReport("results/study/run", [report], layout);
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
  defineMetrics,
  formatInterval,
  formatValue,
  type Metric,
  type MetricFormat,
  metricLegend,
  metricOf,
  type MetricSet,
} from "./metrics.ts";
export type {
  CsvRow,
  EvalReport,
  EvalSettings,
  GenerationSettings,
  PromptOutputs,
  PromptResult,
  ReportLayout,
  SampleInput,
  SampleResult,
  SampleScorer,
  SampleScores,
  StudySetting,
} from "./types.ts";
export {
  checkOutputs,
  type EvaluateOptions,
  evaluateOutputs,
  reportLabel,
  sampleCount,
  sampleValues,
} from "./evaluate.ts";
export { checkSamePrompts, compareReports } from "./compare.ts";
export {
  pairedTable,
  summaryTable,
  type TableFormatOptions,
} from "./tables.ts";
export {
  type EstimateBar,
  estimateBars,
  grpoRewardChart,
  rewardCurves,
  type RewardCurvesOptions,
  type RewardRun,
  scoreBars,
  type ScoreBarsOptions,
  type StageRow,
  stageSteps,
} from "./charts.ts";
export {
  perPromptColumns,
  perPromptRows,
  sampleColumns,
  sampleRows,
  summaryColumns,
  summaryRows,
  toCsv,
} from "./csv.ts";
export {
  readReports,
  type ReportFiles,
  writeReport,
  type WriteReportOptions,
} from "./report.ts";
export {
  type PromptSamples,
  sampleCompletions,
  type SampleOptions,
  sampleSeed,
} from "./generate_samples.ts";
