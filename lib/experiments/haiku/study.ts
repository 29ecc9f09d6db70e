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
 * @module
 */
import { rewardCurves } from "../../eval/charts.ts";
import { compareReports } from "../../eval/compare.ts";
import { writeReport } from "../../eval/report.ts";
import { pairedTable } from "../../eval/tables.ts";
import type { EvalReport } from "../../eval/types.ts";
import { writeSvg } from "../../plot/mod.ts";
import { MetricsLog, type MetricsRecord } from "../../train/metrics_log.ts";
import { geminiSkipMessage } from "../../gemini/mod.ts";
import { errorKind, messageOf } from "../../util/errors.ts";
import { writeJsonFile } from "../../util/json_files.ts";
import {
  evaluateGemini,
  evaluateVariants,
  type GeminiRowOptions,
  type Variant,
} from "./evaluate.ts";
import { haikuLayout } from "./report.ts";
import type { HaikuStudySettings } from "./settings.ts";
import {
  describePreferences,
  type HaikuPreferenceReport,
} from "./preferences.ts";
import {
  readPreferenceReport,
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

/** Options of {@link runHaikuStudy} besides the settings. */
export interface StudyOptions {
  /** Client options of the Gemini row (retries, timeout, cache). */
  gemini?: GeminiRowOptions;
}

/** What became of the Gemini row (null when the settings ask for none). */
export type GeminiOutcome =
  | { status: "done"; model: string }
  | { status: "skipped"; model: string; reason: string }
  | { status: "failed"; model: string; reason: string };

/** What the study produced. */
export interface StudyResult {
  reports: EvalReport[];
  /** The Gemini row's outcome; a failed row is missing from `reports`. */
  gemini: GeminiOutcome | null;
  /** Markdown of fullrun vs base, paired on the same prompts. */
  paired: string;
  /** Markdown of SFT → DPO vs SFT, paired on the same prompts. */
  pairedDpo: string;
  /** The SFT → DPO stage's preference set: pairs, ties, mean rewards (null: its report is missing). */
  preferences: HaikuPreferenceReport | null;
  /** Whether fullrun's Haiku Score beats base with a CI that excludes zero. */
  fullrunBeatsBase: boolean;
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
  // Whether DPO on its own samples improved the model it started from.
  ["sft-dpo", "sft", "paired_sft-dpo_vs_sft.md"],
];

/** Trains every stage (skipping finished ones), then evaluates and writes the results. */
export async function runHaikuStudy(
  settings: HaikuStudySettings,
  hooks: StudyHooks = {},
  options: StudyOptions = {},
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
      log,
      onLog: hooks.onLog,
      progress: hooks.progress,
    });
    if (outcome === "skipped") {
      log(`stage ${stage.name}: already trained, kept`);
    }
  }
  const variants: Variant[] = [
    { name: "base", adapter: null },
    ...PIPELINES.map((name) => ({
      name: labelOf(name),
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
  const local = await evaluateVariants(settings, variants, evalHooks);
  const written = await writeResults(settings, local, null);
  const row = await geminiRow(settings, evalHooks, options.gemini);
  if (!row.outcome) return written;
  const reports = row.report ? [...local, row.report] : local;
  return await writeResults(settings, reports, row.outcome);
}

/**
 * The Gemini row, or why there is none. API and settings failures become a
 * "failed" outcome with a one-line reason (logged); a bug in tunebook
 * (errorKind "bug") is thrown, after the local results were written.
 */
async function geminiRow(
  settings: HaikuStudySettings,
  hooks: { onVariant(name: string): void; log(line: string): void },
  client: GeminiRowOptions = {},
): Promise<{ report: EvalReport | null; outcome: GeminiOutcome | null }> {
  const model = settings.geminiModel;
  if (!model) return { report: null, outcome: null };
  try {
    const report = await evaluateGemini(settings, hooks, client);
    return report ? { report, outcome: { status: "done", model } } : {
      report: null,
      outcome: { status: "skipped", model, reason: geminiSkipMessage() },
    };
  } catch (error) {
    if (errorKind(error) === "bug") throw error;
    const reason = oneLine(messageOf(error));
    hooks.log(
      `the Gemini row (${model}) failed; the local results stand: ${reason}`,
    );
    return { report: null, outcome: { status: "failed", model, reason } };
  }
}

/** The first line of `text`, at most 300 characters. */
function oneLine(text: string): string {
  const line = text.split("\n")[0].trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** The summary.md paragraph of a Gemini row that is missing. */
function geminiNote(outcome: GeminiOutcome | null): string[] {
  if (outcome?.status === "failed") {
    return [
      `**Gemini row (${outcome.model}) failed**, so it is not in the table: ${
        outcome.reason.replace(/\.$/, "")
      }. ` +
      "Rerun the task to try again: trained stages are kept and Gemini answers are cached.",
    ];
  }
  if (outcome?.status === "skipped") {
    return [`**Gemini row:** ${outcome.reason}.`];
  }
  return [];
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
): Promise<StudyResult> {
  const row = (name: StageName | "base") => {
    const model = name === "base" ? "base" : labelOf(name);
    return reports.find((r) => r.model === model)!;
  };
  const preferences = await readPreferenceReport(settings, "sft-dpo");
  const written = await writeReport(
    settings.resultsDir,
    reports,
    haikuLayout({
      paired: PAIRED.map(([a, b]) => [row(a).model, row(b).model]),
      notes: [preferenceNote(preferences), ...geminiNote(gemini)],
    }),
    { settings },
  );
  const tables: string[] = [], pairedPaths: string[] = [];
  for (const [a, b, file] of PAIRED) {
    tables.push(pairedTable(row(a), row(b)));
    pairedPaths.push(`${settings.resultsDir}/${file}`);
    await Deno.writeTextFile(pairedPaths.at(-1)!, tables.at(-1) + "\n");
  }
  const [paired, pairedDpo] = tables;
  const haiku = compareReports(row("fullrun"), row("base")).haiku;
  const fullrunBeatsBase = haiku !== null && haiku.difference.low > 0;
  const preferencesPath = `${settings.resultsDir}/preferences_sft-dpo.json`;
  await writeJsonFile(preferencesPath, preferences);
  const curvesPath = `${settings.resultsDir}/reward_curves.svg`;
  await writeSvg(curvesPath, rewardCurves(await stageRewards(settings)));
  return {
    reports,
    gemini,
    paired,
    pairedDpo,
    preferences,
    fullrunBeatsBase,
    files: [
      written.summaryCsv,
      written.perPromptCsv,
      written.samplesCsv,
      written.summaryMd,
      written.reportsJson,
      written.settingsJson!,
      ...Object.values(written.charts),
      ...pairedPaths,
      preferencesPath,
      curvesPath,
    ],
  };
}

function labelOf(name: StageName): string {
  return STAGES.find((s) => s.name === name)!.label;
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
