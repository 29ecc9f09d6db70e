/**
 * The rubric-reasoning experiment end to end: train (SFT → GRPO, reusing
 * finished adapters), evaluate base / SFT / SFT → GRPO and the presets,
 * and write results/reasoning/<run>/ (summary.md, reports.json,
 * scores.svg, presets.svg, reward_curves.svg).
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
import { loggedGrpoRecords, type StageAdapters } from "../sft_then_grpo.ts";
import { evaluateReasoning, type ReasoningEvaluation } from "./evaluate.ts";
import { presetTable, reasoningBars, reasoningTable } from "./report.ts";
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
  /** The markdown of summary.md: model table, paired lines, preset table. */
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

/** Writes summary.md, reports.json and the charts; returns the summary. */
export async function writeReasoningResults(
  settings: ReasoningSettings,
  adapters: StageAdapters,
  evaluation: ReasoningEvaluation,
): Promise<string> {
  const dir = settings.resultsDir;
  await Deno.mkdir(dir, { recursive: true });
  const summary = [
    `# Rubric reasoning (run "${settings.run}")`,
    "",
    `SFT ${settings.sftSteps} steps, GRPO ${settings.steps} steps (lr ${settings.learningRate}), ` +
    `max ${settings.maxCompletionLength} new tokens.`,
    "",
    reasoningTable(evaluation.reports, settings),
    "",
    "## Generation presets",
    "",
    presetTable(evaluation.presets),
    "",
  ].join("\n");
  await Deno.writeTextFile(`${dir}/summary.md`, summary);
  await Deno.writeTextFile(
    `${dir}/reports.json`,
    JSON.stringify({ settings, ...evaluation }, null, 1) + "\n",
  );
  await writeSvg(`${dir}/scores.svg`, reasoningBars(evaluation.reports));
  await writeSvg(
    `${dir}/presets.svg`,
    reasoningBars(evaluation.presets, {
      by: "preset",
      title: "SFT → GRPO under each generation preset",
    }),
  );
  const records = await loggedGrpoRecords(adapters);
  if (records.length > 0) {
    await writeSvg(`${dir}/reward_curves.svg`, grpoRewardChart(records));
  }
  return summary;
}
