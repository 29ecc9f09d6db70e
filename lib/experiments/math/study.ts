/**
 * The math experiment end to end (finetuned-llama's AI-MO run, its bugs fixed, on
 * tunebook's generated GSM8K-format problems): validate the data, train
 * SFT then GRPO (reusing adapters that exist), evaluate base / SFT /
 * SFT → GRPO on the same questions and seeds, and write `results/math/<run>/`
 * through lib/eval's writer (summary.md, summary.csv, per_prompt.csv,
 * samples.csv, reports.json, settings.json, scores.svg) plus rewards.svg.
 *
 * ```ts
 * const settings = mathSettings({ fast: true });
 * const result = await runMathStudy(settings);
 * await writeMathResults(settings, result);
 * ```
 *
 * @module
 */
import { writeSvg } from "../../plot/mod.ts";
import type { MetricsRecord } from "../../train/metrics_log.ts";
import { grpoRewardChart } from "../../eval/charts.ts";
import { reportPaths, writeReport } from "../../eval/report.ts";
import type { EvalReport } from "../../eval/types.ts";
import {
  loggedGrpoRecords,
  type StageAdapters,
  stageAdapters,
} from "../sft_then_grpo.ts";
import { readMathProblems } from "./data.ts";
import { evaluateMath } from "./evaluate.ts";
import { mathLayout, mathResultsTable, templateTable } from "./report.ts";
import type { MathSettings } from "./settings.ts";
import { trainMath } from "./train.ts";

export { mathSettings, mathTaskPrompt } from "./settings.ts";

/** What a study run produced. */
export interface MathStudyResult {
  adapters: StageAdapters;
  /** base, SFT and SFT → GRPO under each decoding (the report's variant). */
  reports: EvalReport[];
  /** Markdown: the results tables with the paired comparisons. */
  table: string;
  /** Markdown: greedy accuracy per story template. */
  templates: string;
}

/** Hooks of {@link runMathStudy}. */
export interface MathStudyHooks {
  onLog?: (stage: "sft" | "grpo", record: MetricsRecord) => void;
  /** Evaluation progress lines. */
  log?: (line: string) => void;
}

/** Validates both data files, trains what is missing, evaluates. */
export async function runMathStudy(
  settings: MathSettings,
  hooks: MathStudyHooks = {},
): Promise<MathStudyResult> {
  // Fail on a bad eval file before spending minutes on training.
  await readMathProblems(settings.evalData);
  const adapters = await trainMath(settings, hooks.onLog);
  const reports = await evaluateMath(settings, adapters, hooks.log);
  return {
    adapters,
    reports,
    table: mathResultsTable(reports),
    templates: templateTable(reports),
  };
}

/** Writes the report files (lib/eval/report.ts) and rewards.svg into the results folder. */
export async function writeMathResults(
  settings: MathSettings,
  result: MathStudyResult,
): Promise<string[]> {
  const dir = settings.resultsDir;
  const files = await writeReport(dir, result.reports, mathLayout(settings), {
    settings,
  });
  const rewards = `${dir}/rewards.svg`;
  await writeSvg(
    rewards,
    grpoRewardChart(
      await loggedGrpoRecords(stageAdapters(settings.checkpointsDir)),
    ),
  );
  return [...reportPaths(files), rewards];
}
