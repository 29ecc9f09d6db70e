/**
 * The haiku study end to end (gemma_haiku, `train_models.py` + `full_eval.py` +
 * `gemini_eval.py`), with SFT → DPO beside gemma_haiku's pipelines: train
 * the six stages, evaluate the base model, each pipeline's result and Gemini
 * on the same prompts, and write the table, the paired comparisons of
 * fullrun against base and of SFT → DPO against SFT, the DPO stage's
 * preference set counts and the plots to results/haiku/<run>/.
 *
 * The local results are written before the Gemini row is asked for: a bad
 * key, no network or a failing API cannot cost the run. The row is then
 * added, or summary.md (and {@link StudyResult.gemini}) says why it is
 * missing, in one line.
 *
 * A run may train a subset of the stages ({@link StudyOptions.stages},
 * `--stages`; ./selection.ts): the selected ones train in dependency order,
 * the others are reused when trained, and the evaluation covers the base
 * model and every stage whose adapter exists; a paired comparison is
 * written when both its models are there.
 *
 * @module
 */
import { rewardCurves } from "../../eval/charts.ts";
import { compareReports } from "../../eval/compare.ts";
import { writeReport } from "../../eval/report.ts";
import { pairedTable } from "../../eval/tables.ts";
import type { EvalReport } from "../../eval/types.ts";
import { writeSvg } from "../../plot/mod.ts";
import type { MetricsRecord } from "../../train/metrics_log.ts";
import { writeJsonFile } from "../../util/json_files.ts";
import { loggedRecords } from "../sft_then_grpo.ts";
import { portablePaths } from "../paths.ts";
import {
  evaluateVariants,
  type GeminiRowOptions,
  type Variant,
} from "./evaluate.ts";
import { geminiNote, type GeminiOutcome, geminiRow } from "./gemini_row.ts";
import { haikuLayout } from "./report.ts";
import type { HaikuStudySettings } from "./settings.ts";
import {
  describePreferences,
  type HaikuPreferenceReport,
} from "./preferences.ts";
import { planStages, stageVariant, trainedStages } from "./selection.ts";
import {
  readPreferenceReport,
  runStage,
  type Stage,
  stageDir,
  type StageName,
  STAGES,
} from "./stages.ts";

export type { GeminiOutcome } from "./gemini_row.ts";

/** Callbacks for live display. */
export interface StudyHooks {
  log?: (line: string) => void;
  onStageStart?: (stage: Stage) => void;
  onLog?: (stage: Stage, record: MetricsRecord) => void;
  onVariant?: (name: string) => void;
  progress?: boolean;
}

/** Options of {@link runHaikuStudy} besides the settings. */
export interface StudyOptions {
  /** Client options of the Gemini row (retries, timeout, cache). */
  gemini?: GeminiRowOptions;
  /** Train only these stages (default: all); the others are reused when trained. */
  stages?: readonly StageName[];
}

/** What the study produced. */
export interface StudyResult {
  reports: EvalReport[];
  /** The Gemini row's outcome; a failed row is missing from `reports`. */
  gemini: GeminiOutcome | null;
  /** Markdown of fullrun vs base, paired on the same prompts (a sentence when fullrun is not trained). */
  paired: string;
  /** Markdown of fullrun vs SFT, paired on the same prompts (a sentence when either is not trained). */
  pairedSft: string;
  /** Markdown of SFT → DPO vs SFT, paired on the same prompts (a sentence when either is not trained). */
  pairedDpo: string;
  /** The SFT → DPO stage's preference set: pairs, ties, mean rewards (null: its report is missing). */
  preferences: HaikuPreferenceReport | null;
  /** Whether fullrun's Haiku Score beats base with a CI that excludes zero (false when fullrun is not trained). */
  fullrunBeatsBase: boolean;
  /** Whether fullrun's Haiku Score beats SFT's with a CI that excludes zero (false when either is not trained). */
  fullrunBeatsSft: boolean;
  /** The stages evaluated (those trained), in table order. */
  evaluated: StageName[];
  files: string[];
}

/** The pipelines' final stages, in gemma_haiku's table order, then ours. */
const PIPELINES: readonly StageName[] = [
  "sft",
  "rl-sparse",
  "sft-rl",
  "sft-rl-sparse",
  "fullrun",
  "sft-dpo",
];

/** Each comparison paired by prompt: [A, B, the file of A − B]. */
const PAIRED: readonly [StageName | "base", StageName | "base", string][] = [
  ["fullrun", "base", "paired_fullrun_vs_base.md"],
  // Whether RL adds anything to SFT (the study's question about RL).
  ["fullrun", "sft", "paired_fullrun_vs_sft.md"],
  // Whether DPO on its own samples improved the model it started from.
  ["sft-dpo", "sft", "paired_sft-dpo_vs_sft.md"],
];

/**
 * Trains every stage, or the selected ones (skipping finished ones), then
 * evaluates the base model and every trained stage and writes the results.
 * A selected stage whose input is neither selected nor trained is refused
 * before anything trains.
 */
export async function runHaikuStudy(
  settings: HaikuStudySettings,
  hooks: StudyHooks = {},
  options: StudyOptions = {},
): Promise<StudyResult> {
  const log = hooks.log ?? ((line: string) => console.log(line));
  const plan = await planStages(settings, options.stages);
  for (const stage of plan) {
    const outcome = await runStage(settings, stage, {
      onStageStart: (s) => {
        log(
          `stage ${s.name}: ${s.kind}${
            s.reward ? ` (${s.reward})` : ""
          }, from ${s.from ?? "base"}`,
        );
        hooks.onStageStart?.(s);
      },
      log,
      onLog: hooks.onLog,
      progress: hooks.progress,
    });
    if (outcome === "skipped") {
      log(`stage ${stage.name}: already trained, kept`);
    }
  }
  const trained = await trainedStages(settings);
  for (const stage of STAGES.filter((s) => !plan.includes(s))) {
    log(
      `stage ${stage.name}: not in --stages, ${
        trained.has(stage.name)
          ? "trained earlier: evaluated"
          : "not trained: left out"
      }`,
    );
  }
  const evaluated = PIPELINES.filter((name) => trained.has(name));
  const variants: Variant[] = [
    { name: "base", adapter: null },
    ...evaluated.map((name) => stageVariant(settings, name)),
  ];
  const evalHooks = {
    onVariant: (name: string) => {
      log(`evaluating ${name}`);
      hooks.onVariant?.(name);
    },
    log,
  };
  const local = await evaluateVariants(settings, variants, evalHooks);
  const written = await writeResults(settings, local, null, evaluated);
  const row = await geminiRow(settings, evalHooks, options.gemini);
  if (!row.outcome) return written;
  const reports = row.report ? [...local, row.report] : local;
  return await writeResults(settings, reports, row.outcome, evaluated);
}

/** The summary.md paragraph on the DPO stage's preference set. */
function preferenceNote(report: HaikuPreferenceReport | null): string {
  return report
    ? `**SFT → DPO** trained on the SFT adapter's own answers: ${
      describePreferences(report)
    }.`
    : "**SFT → DPO:** its preference set's report is missing from the stage folder.";
}

/** Writes every result file of `reports` (the local rows, and Gemini's when there). */
async function writeResults(
  settings: HaikuStudySettings,
  reports: EvalReport[],
  gemini: GeminiOutcome | null,
  evaluated: StageName[],
): Promise<StudyResult> {
  const row = (name: StageName | "base") => {
    const model = name === "base" ? "base" : stageVariant(settings, name).name;
    return reports.find((r) => r.model === model);
  };
  const pairs = PAIRED.map(([a, b, file]) => ({
    a,
    b,
    file,
    rows: [row(a), row(b)] as const,
  }));
  const withDpo = evaluated.includes("sft-dpo");
  const preferences = withDpo
    ? await readPreferenceReport(settings, "sft-dpo")
    : null;
  const written = await writeReport(
    settings.resultsDir,
    reports,
    haikuLayout({
      paired: pairs.flatMap(({ rows: [a, b] }) =>
        a && b ? [[a.model, b.model] as const] : []
      ),
      notes: [
        ...(withDpo ? [preferenceNote(preferences)] : []),
        ...geminiNote(gemini),
      ],
    }),
    { settings: portablePaths(settings) },
  );
  const tables: string[] = [], extra: string[] = [];
  for (const { a, b, file, rows: [ra, rb] } of pairs) {
    if (!ra || !rb) {
      tables.push(`not compared: ${ra ? b : a} was not trained`);
      continue;
    }
    tables.push(pairedTable(ra, rb));
    extra.push(`${settings.resultsDir}/${file}`);
    await Deno.writeTextFile(extra.at(-1)!, tables.at(-1) + "\n");
  }
  const [paired, pairedSft, pairedDpo] = tables;
  const haikuAbove = ([a, b]: readonly [EvalReport?, EvalReport?]) =>
    a !== undefined && b !== undefined &&
    (compareReports(a, b).haiku?.difference.low ?? 0) > 0;
  const fullrunBeatsBase = haikuAbove(pairs[0].rows);
  const fullrunBeatsSft = haikuAbove(pairs[1].rows);
  if (withDpo) {
    extra.push(`${settings.resultsDir}/preferences_sft-dpo.json`);
    await writeJsonFile(extra.at(-1)!, preferences);
  }
  const curves = (await stageRewards(settings)).filter((r) =>
    r.records.length > 0
  );
  if (curves.length > 0) {
    extra.push(`${settings.resultsDir}/reward_curves.svg`);
    await writeSvg(extra.at(-1)!, rewardCurves(curves));
  }
  return {
    reports,
    gemini,
    paired,
    pairedSft,
    pairedDpo,
    preferences,
    fullrunBeatsBase,
    fullrunBeatsSft,
    evaluated,
    files: [
      written.summaryCsv,
      written.perPromptCsv,
      written.samplesCsv,
      written.summaryMd,
      written.reportsJson,
      written.settingsJson!,
      ...Object.values(written.charts),
      ...extra,
    ],
  };
}

/** Reward per step of the RL stages along the fullrun path and the other pipelines (none for a stage not trained). */
export async function stageRewards(settings: HaikuStudySettings) {
  const runs = [];
  for (const stage of STAGES.filter((s) => s.kind === "grpo")) {
    const records = await loggedRecords(stageDir(settings, stage.name));
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
