/**
 * The haiku study end to end (gemma_haiku, `train_models.py` + `full_eval.py` +
 * `gemini_eval.py`): train the five stages, evaluate the base model, each
 * pipeline's result and Gemini on the same prompts, and write the table,
 * the paired comparison of fullrun against base, and the plots to
 * results/haiku/<run>/.
 *
 * @module
 */
import { rewardCurves } from "../../eval/charts.ts";
import { compareReports } from "../../eval/compare.ts";
import { writeReport } from "../../eval/report.ts";
import { pairedTable } from "../../eval/tables.ts";
import type { EvalReport } from "../../eval/types.ts";
import { writeSvg } from "../../plot/mod.ts";
import { MetricsLog, type MetricsRecord } from "../../train/metrics_log.ts";
import { evaluateGemini, evaluateVariants, type Variant } from "./evaluate.ts";
import { haikuLayout } from "./report.ts";
import type { HaikuStudySettings } from "./settings.ts";
import {
  runStage,
  type Stage,
  stageDir,
  type StageName,
  STAGES,
} from "./stages.ts";

/** Callbacks for live display. */
export interface StudyHooks {
  log?: (line: string) => void;
  onStageStart?: (stage: Stage) => void;
  onLog?: (stage: Stage, record: MetricsRecord) => void;
  onVariant?: (name: string) => void;
  progress?: boolean;
}

/** What the study produced. */
export interface StudyResult {
  reports: EvalReport[];
  /** Markdown of fullrun vs base, paired on the same prompts. */
  paired: string;
  /** Whether fullrun's Haiku Score beats base with a CI that excludes zero. */
  fullrunBeatsBase: boolean;
  files: string[];
}

/** The pipelines' final stages, in gemma_haiku's table order. */
const PIPELINES: readonly StageName[] = [
  "sft",
  "rl-sparse",
  "sft-rl",
  "sft-rl-sparse",
  "fullrun",
];

/** Trains every stage (skipping finished ones), then evaluates and writes the results. */
export async function runHaikuStudy(
  settings: HaikuStudySettings,
  hooks: StudyHooks = {},
): Promise<StudyResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  for (const stage of STAGES) {
    const outcome = await runStage(settings, stage, {
      onStageStart: (s) => {
        log(
          `stage ${s.name}: ${s.kind}${
            s.reward ? ` (${s.reward})` : ""
          }, from ${s.from ?? "base"}`,
        );
        hooks.onStageStart?.(s);
      },
      onLog: hooks.onLog,
      progress: hooks.progress,
    });
    if (outcome === "skipped") {
      log(`stage ${stage.name}: already trained, kept`);
    }
  }
  const label = (name: StageName) => STAGES.find((s) => s.name === name)!.label;
  const variants: Variant[] = [
    { name: "base", adapter: null },
    ...PIPELINES.map((name) => ({
      name: label(name),
      adapter: stageDir(settings, name),
    })),
  ];
  const evalHooks = {
    onVariant: (name: string) => {
      log(`evaluating ${name}`);
      hooks.onVariant?.(name);
    },
    log,
  };
  const reports = await evaluateVariants(settings, variants, evalHooks);
  const gemini = await evaluateGemini(settings, evalHooks);
  if (gemini) reports.push(gemini);

  const base = reports[0];
  const fullrun = reports.find((r) => r.model === label("fullrun"))!;
  const written = await writeReport(
    settings.resultsDir,
    reports,
    haikuLayout({ paired: [fullrun.model, base.model] }),
    { settings },
  );
  const paired = pairedTable(fullrun, base);
  const haiku = compareReports(fullrun, base).haiku;
  const fullrunBeatsBase = haiku !== null && haiku.difference.low > 0;
  const pairedPath = `${settings.resultsDir}/paired_fullrun_vs_base.md`;
  await Deno.writeTextFile(pairedPath, paired + "\n");
  const curvesPath = `${settings.resultsDir}/reward_curves.svg`;
  await writeSvg(curvesPath, rewardCurves(await stageRewards(settings)));
  return {
    reports,
    paired,
    fullrunBeatsBase,
    files: [
      written.summaryCsv,
      written.perPromptCsv,
      written.samplesCsv,
      written.summaryMd,
      written.reportsJson,
      written.settingsJson!,
      ...Object.values(written.charts),
      pairedPath,
      curvesPath,
    ],
  };
}

/** Reward per step of the RL stages along the fullrun path and the other pipelines. */
export async function stageRewards(settings: HaikuStudySettings) {
  const runs = [];
  for (const stage of STAGES.filter((s) => s.kind === "grpo")) {
    const records = await MetricsLog.read(
      `${stageDir(settings, stage.name)}/metrics.jsonl`,
    );
    runs.push({
      name: stage.label,
      records: records.filter((r) => typeof r.reward === "number").map((r) => ({
        step: r.step,
        reward: r.reward as number,
      })),
    });
  }
  return runs;
}
