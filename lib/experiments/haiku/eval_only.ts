/**
 * The haiku evaluation without training (gemma_haiku's `full_eval.py MODEL …`,
 * `deno task eval:haiku`): named rows — the base model, stages of a run,
 * any PEFT adapter folders under names of their own — and optionally the
 * Gemini row, scored with the study's metrics and written as the study's
 * one report shape (lib/eval/report.ts with ./report.ts's layout: summary.csv
 * in gemma_haiku's columns, per_prompt.csv, samples.csv, summary.md,
 * reports.json, settings.json, scores.svg).
 *
 * ```ts
 * const rows = [
 *   ...await stageRows(settings, ["base", "fullrun"]),
 *   ...await adapterRows([{ name: "mine", adapter: "out/my-adapter" }]),
 * ];
 * await evaluateHaikuRows(settings, { rows, gemini: true, out: "results/haiku/main/eval" });
 * // the Gemini row alone (cached answers reused):
 * await evaluateHaikuRows(settings, { rows: [], gemini: true, out });
 * ```
 *
 * Every folder is checked before a model loads (a missing one is one line
 * naming it), and so is the Gemini key when the row is asked for. With local
 * rows, their results are written before Gemini is called, and a failing
 * row leaves them standing ({@link HaikuEvalResult.gemini} says why); the
 * Gemini row alone fails with its error.
 *
 * @module
 */
import { writeReport } from "../../eval/report.ts";
import type { EvalReport } from "../../eval/types.ts";
import { geminiAvailable } from "../../gemini/mod.ts";
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from "../../peft/mod.ts";
import { InputError } from "../../util/errors.ts";
import {
  type EvalHooks,
  evaluateGemini,
  evaluateVariants,
  type GeminiRowOptions,
  type Variant,
} from "./evaluate.ts";
import { geminiNote, type GeminiOutcome, geminiRow } from "./gemini_row.ts";
import { haikuLayout } from "./report.ts";
import { STAGE_NAMES, stageVariant, trainedStages } from "./selection.ts";
import type { HaikuStudySettings } from "./settings.ts";
import { stageDir, type StageName } from "./stages.ts";

/** A row name `--stages` of eval:haiku takes: the base model, a stage, or Gemini. */
export type EvalRowName = "base" | StageName | "gemini";

/** Every {@link EvalRowName}, in table order. */
export const EVAL_ROW_NAMES: readonly EvalRowName[] = [
  "base",
  ...STAGE_NAMES,
  "gemini",
];

/** What to evaluate and where to write it. */
export interface HaikuEvalRequest {
  /** Local rows (base model ± an adapter), in table order. */
  rows: readonly Variant[];
  /** Add the Gemini row (alone when `rows` is empty). */
  gemini: boolean;
  /** The results folder. */
  out: string;
}

/** What the evaluation wrote. */
export interface HaikuEvalResult {
  reports: EvalReport[];
  /** The Gemini row's outcome (null: not asked for). */
  gemini: GeminiOutcome | null;
  /** The files written. */
  files: string[];
}

/**
 * The rows of `names` (base and stages of the run; "gemini" is not a local
 * row and is skipped), or, when `names` is absent, base and every trained
 * stage. A named stage without its adapter is an {@link InputError} naming
 * its folder.
 */
export async function stageRows(
  settings: HaikuStudySettings,
  names?: readonly EvalRowName[],
): Promise<Variant[]> {
  const trained = await trainedStages(settings);
  const wanted = names ??
    ["base", ...STAGE_NAMES.filter((n) => trained.has(n))];
  const rows: Variant[] = [];
  for (const name of wanted) {
    if (name === "gemini") continue;
    if (name === "base") {
      rows.push({ name: "base", adapter: null });
      continue;
    }
    if (!trained.has(name)) {
      throw new InputError(
        `stage ${name} is not trained: no ${ADAPTER_WEIGHTS_FILE} in ${
          stageDir(settings, name)
        } (train it with deno task train:haiku --stages ${name})`,
      );
    }
    rows.push(stageVariant(settings, name));
  }
  return rows;
}

/** Checks each adapter row's folder holds a PEFT adapter; one line naming the first that does not. */
export async function adapterRows(
  rows: readonly Variant[],
): Promise<Variant[]> {
  for (const { adapter } of rows) {
    if (adapter === null) continue;
    const stat = await Deno.stat(adapter).catch(() => null);
    if (!stat?.isDirectory) {
      throw new InputError(`adapter folder not found: ${adapter}`);
    }
    for (const file of [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]) {
      if (!(await Deno.stat(`${adapter}/${file}`).catch(() => null))) {
        throw new InputError(
          `${adapter} is not a PEFT adapter folder: no ${file} (expected ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE})`,
        );
      }
    }
  }
  return [...rows];
}

/** The message when the Gemini row is asked for without a key. */
export const GEMINI_KEY_NEEDED =
  "GEMINI_API_KEY is needed for the Gemini row: set it in the environment or in the project's .env";

/**
 * Evaluates `request.rows`, then the Gemini row when asked for, and writes
 * the report into `request.out`. Row names must differ.
 */
export async function evaluateHaikuRows(
  settings: HaikuStudySettings,
  request: HaikuEvalRequest,
  hooks: EvalHooks = {},
  client: GeminiRowOptions = {},
): Promise<HaikuEvalResult> {
  const names = request.rows.map((r) => r.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) {
    throw new InputError(`two rows are named "${twice}"; give each its own`);
  }
  if (request.gemini && !settings.geminiModel) {
    throw new InputError("the Gemini row needs a Gemini model id");
  }
  if (request.gemini && !geminiAvailable()) {
    throw new InputError(GEMINI_KEY_NEEDED);
  }
  if (!request.gemini && request.rows.length === 0) {
    throw new InputError("nothing to evaluate: name rows or the Gemini row");
  }
  const log = hooks.log ?? ((line: string) => console.log(line));
  const withLog = { ...hooks, log };
  if (request.rows.length === 0) {
    const report = await evaluateGemini(settings, withLog, client);
    return await write(settings, request, [report!], {
      status: "done",
      model: settings.geminiModel!,
    });
  }
  const local = await evaluateVariants(settings, request.rows, withLog);
  const written = await write(settings, request, local, null);
  if (!request.gemini) return written;
  const row = await geminiRow(settings, withLog, client);
  const reports = row.report ? [...local, row.report] : local;
  return await write(settings, request, reports, row.outcome);
}

/** Writes the report of `reports` (with the study's paired comparisons among them). */
async function write(
  settings: HaikuStudySettings,
  request: HaikuEvalRequest,
  reports: EvalReport[],
  gemini: GeminiOutcome | null,
): Promise<HaikuEvalResult> {
  const label = (name: StageName) => stageVariant(settings, name).name;
  const files = await writeReport(
    request.out,
    reports,
    haikuLayout({
      paired: [
        [label("fullrun"), "base"],
        [label("sft-dpo"), label("sft")],
      ],
      notes: geminiNote(gemini),
    }),
    {
      settings: {
        ...settings,
        evaluated: request.rows,
        geminiRow: request.gemini,
      },
    },
  );
  return {
    reports,
    gemini,
    files: [
      files.summaryMd,
      files.summaryCsv,
      files.perPromptCsv,
      files.samplesCsv,
      files.reportsJson,
      files.settingsJson!,
      ...Object.values(files.charts),
    ],
  };
}
