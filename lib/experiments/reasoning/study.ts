/**
 * The rubric-reasoning experiment end to end: train (SFT → GRPO, reusing
 * finished adapters), evaluate base / SFT / SFT → GRPO and the presets,
 * and write results/reasoning/<run>/ through lib/eval's writer (summary.md,
 * summary.csv, per_prompt.csv, samples.csv, reports.json, settings.json,
 * scores.svg, presets.svg) plus reward_curves.svg.
 *
 * ```ts
 * const settings = reasoningSettings({ fast: true });
 * const { evaluation, summary } = await runReasoning(settings);
 * ```
 *
 * @module
 */
import { writeSvg } from "../../plot/mod.ts";
import type { MetricsRecord } from "../../train/metrics_log.ts";
import { grpoRewardChart } from "../../eval/charts.ts";
import { writeReport } from "../../eval/report.ts";
import { loggedGrpoRecords, type StageAdapters } from "../sft_then_grpo.ts";
import { evaluateReasoning, type ReasoningEvaluation } from "./evaluate.ts";
import { reasoningLayout, reasoningSummary } from "./report.ts";
import type { ReasoningSettings } from "./settings.ts";
import { trainReasoning } from "./train.ts";

/** Hooks of {@link runReasoning}. */
export interface ReasoningHooks {
  /** Every training metrics record, tagged with its stage. */
  onLog?: (stage: "sft" | "grpo", record: MetricsRecord) => void;
  /** A line per evaluated model. */
  log?: (line: string) => void;
}

/** What a run produced. */
export interface ReasoningRun {
  adapters: StageAdapters;
  evaluation: ReasoningEvaluation;
  /** The markdown of summary.md: model table, paired comparisons, preset table. */
  summary: string;
}

/** Trains what is missing, evaluates, writes the results folder. */
export async function runReasoning(
  settings: ReasoningSettings,
  hooks: ReasoningHooks = {},
): Promise<ReasoningRun> {
  const adapters = await trainReasoning(settings, hooks.onLog);
  const evaluation = await evaluateReasoning(settings, adapters, hooks.log);
  const summary = await writeReasoningResults(settings, adapters, evaluation);
  return { adapters, evaluation, summary };
}

/** Writes the report files and the charts; returns the summary. */
export async function writeReasoningResults(
  settings: ReasoningSettings,
  adapters: StageAdapters,
  evaluation: ReasoningEvaluation,
): Promise<string> {
  const dir = settings.resultsDir;
  // The trained adapter's "standard" preset is its model report: once each.
  const reports = [
    ...evaluation.reports,
    ...evaluation.presets.filter((r) => !evaluation.reports.includes(r)),
  ];
  await writeReport(dir, reports, reasoningLayout(settings), { settings });
  const records = await loggedGrpoRecords(adapters);
  if (records.length > 0) {
    await writeSvg(`${dir}/reward_curves.svg`, grpoRewardChart(records));
  }
  return reasoningSummary(settings, evaluation);
}
