/**
 * The math experiment end to end (finetuned-llama's AI-MO run, its bugs fixed, on
 * tunebook's generated GSM8K-format problems): validate the data, train
 * SFT then GRPO (reusing adapters that exist), evaluate base / SFT /
 * SFT → GRPO on the same questions and seeds, and write
 * `results/math/<run>/{summary.md, reports.json, scores.svg, rewards.svg}`.
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
import {
  loggedGrpoRecords,
  type StageAdapters,
  stageAdapters,
} from "../sft_then_grpo.ts";
import { readMathProblems } from "./data.ts";
import { evaluateMath, type MathModelReport } from "./evaluate.ts";
import { mathResultsTable, mathScoreBars, templateTable } from "./report.ts";
import { MATH_REWARDS, type MathSettings } from "./settings.ts";
import { trainMath } from "./train.ts";

export { mathSettings, mathTaskPrompt } from "./settings.ts";

/** What a study run produced. */
export interface MathStudyResult {
  adapters: StageAdapters;
  reports: MathModelReport[];
  /** Markdown: the results tables with the paired lines. */
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
    table: mathResultsTable(reports, settings.seed),
    templates: templateTable(reports),
  };
}

/** The summary.md text: settings, rewards, tables. */
export function mathSummary(
  settings: MathSettings,
  result: MathStudyResult,
): string {
  const rewards = MATH_REWARDS.map((r) => `${r.name} × ${r.weight}`).join(
    " + ",
  );
  return [
    `# Math experiment, run "${settings.run}" (${settings.level} problems)`,
    "",
    `SFT ${settings.sftSteps} steps (lr ${settings.sftLearningRate}), then GRPO ${settings.steps} steps (lr ${settings.learningRate}, ${
      16 / settings.numGenerations
    } prompts × ${settings.numGenerations} completions, T ${settings.temperature} top-k 50, ≤ ${settings.maxCompletionLength} new tokens), LoRA r 16 all-linear, seed ${settings.seed}. GRPO reward: ${rewards}. The reported reward is format_strict + math_accuracy with those weights.`,
    "",
    result.table,
    "",
    "Greedy accuracy per story template:",
    "",
    result.templates,
    "",
  ].join("\n");
}

/** Writes summary.md, reports.json, scores.svg and rewards.svg into the results folder. */
export async function writeMathResults(
  settings: MathSettings,
  result: MathStudyResult,
): Promise<string[]> {
  const dir = settings.resultsDir;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/summary.md`,
    mathSummary(settings, result),
  );
  await Deno.writeTextFile(
    `${dir}/reports.json`,
    JSON.stringify({ settings, reports: result.reports }, null, 1) + "\n",
  );
  await writeSvg(`${dir}/scores.svg`, mathScoreBars(result.reports));
  await writeSvg(
    `${dir}/rewards.svg`,
    grpoRewardChart(
      await loggedGrpoRecords(stageAdapters(settings.checkpointsDir)),
    ),
  );
  return ["summary.md", "reports.json", "scores.svg", "rewards.svg"].map((f) =>
    `${dir}/${f}`
  );
}
