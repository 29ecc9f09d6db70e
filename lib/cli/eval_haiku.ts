/**
 * `deno task eval:haiku`: the haiku study's evaluation without training,
 * as gemma_haiku's `full_eval.py MODEL …`: named stages of a run and any
 * PEFT adapter folders (under names of their own), and optionally the
 * Gemini row, scored with the study's metrics and written as the study's
 * report (summary.csv in gemma_haiku's columns, per_prompt.csv,
 * samples.csv, summary.md, reports.json, settings.json, scores.svg).
 *
 *   deno task eval:haiku [--stages NAME,…] [--adapter NAME=DIR …] [--gemini]
 *                        [--gemini-only] [--run R] [--out DIR] [--fast]
 *                        [--model M] [--results DIR] [--k N] [--prompts N]
 *                        [--counter cmu|pyphen] [--gemini-model ID]
 *
 * Stage names are base, sft, rl-sparse, sft-rl, sft-rl-sparse, fullrun,
 * sft-dpo and gemini; without `--stages` or `--adapter` every trained
 * stage of the run is evaluated beside the base model. `--gemini-only`
 * (or `--stages gemini`) computes the Gemini row alone, reusing cached
 * answers. Results go to results/haiku/<run>/eval/ (…/gemini/ for the
 * Gemini row alone) unless `--results DIR`.
 *
 * A missing folder, an untrained stage, or the Gemini row without
 * GEMINI_API_KEY is one line before anything loads, exit 1. With local
 * rows a failing Gemini row leaves their results written and exits 1 with
 * its reason.
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import {
  adapterRows,
  EVAL_ROW_NAMES,
  evaluateHaikuRows,
  stageRows,
} from "../experiments/haiku/eval_only.ts";
import type { Variant } from "../experiments/haiku/evaluate.ts";
import { haikuSummaryTable } from "../experiments/haiku/report.ts";
import { parseNameList } from "../experiments/haiku/selection.ts";
import { haikuStudySettings } from "../experiments/haiku/settings.ts";
import { fastMode } from "../util/fast.ts";
import { InputError, UsageError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";
import { placeRun, STUDY_FLAGS, studyModel } from "./study_flags.ts";
import { startTask } from "./task.ts";

/** `NAME=DIR`, or `DIR` alone (named by its path, as gemma_haiku's model_path). */
function readAdapter(text: string): Variant {
  const eq = text.indexOf("=");
  const [name, dir] = eq < 0
    ? [text, text]
    : [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
  if (name === "" || dir === "") {
    throw new Error(`expected NAME=DIR or DIR, got "${text}"`);
  }
  return { name, adapter: dir };
}

const { values: args } = startTask({
  name: "eval:haiku",
  summary:
    "The haiku evaluation alone (gemma_haiku's full_eval.py): stages of a run, PEFT adapter folders and/or the Gemini row, with the study's metrics; writes results/haiku/<run>/eval/.",
  flags: {
    stages: flag.parsed(
      `rows to evaluate, comma-separated: ${
        EVAL_ROW_NAMES.join(", ")
      } (default: base and every trained stage)`,
      (text) => parseNameList(text, EVAL_ROW_NAMES),
      { arg: "NAME,…" },
    ),
    adapter: flag.list(
      "a PEFT adapter folder to evaluate as row NAME (DIR alone: named by its path)",
      readAdapter,
      { arg: "NAME=DIR" },
    ),
    gemini: flag.boolean("add the Gemini row (needs GEMINI_API_KEY)"),
    "gemini-only": flag.boolean(
      "the Gemini row alone (same as --stages gemini; cached answers are reused)",
    ),
    "gemini-model": flag.string("Gemini model of the row", {
      arg: "ID",
      default: "gemini-2.5-flash",
    }),
    ...STUDY_FLAGS,
    out: flag.string(
      "the run's folder as given to train:haiku --out: stages from DIR/checkpoints, results to DIR/results/eval",
      { arg: "DIR" },
    ),
    run: flag.string("run name: the checkpoints and results folder", {
      arg: "NAME",
    }),
    results: flag.string("write the evaluation here instead", { arg: "DIR" }),
    fast: flag.boolean(
      "fast mode: fewer prompts and samples (TUNEBOOK_FAST=1)",
    ),
    k: flag.integer("samples per evaluation prompt", { min: 1 }),
    prompts: flag.integer("evaluation prompts (0: all)"),
    counter: flag.choice("syllable counter", ["cmu", "pyphen"]),
  },
});
const named = args.stages ?? [];
const geminiOnly = args["gemini-only"] ||
  (named.length > 0 && named.every((n) => n === "gemini"));
if (
  args["gemini-only"] &&
  (named.some((n) => n !== "gemini") || args.adapter.length)
) {
  throw new UsageError(
    "--gemini-only evaluates the Gemini row alone: drop --stages and --adapter, or use --gemini beside them",
  );
}
const gemini = geminiOnly || args.gemini || named.includes("gemini");

const model = await studyModel(args.model);
const settings = haikuStudySettings({
  model: model.dir,
  run: args.run,
  fast: args.fast || fastMode(),
});
settings.eval.k = args.k ?? settings.eval.k;
settings.eval.prompts = args.prompts ?? settings.eval.prompts;
settings.counter = args.counter ?? settings.counter;
settings.geminiModel = args["gemini-model"];
placeRun(settings, args.out);

const rows = geminiOnly ? [] : [
  ...(args.stages || args.adapter.length === 0
    ? await stageRows(settings, args.stages)
    : []),
  ...await adapterRows(args.adapter),
];
const out = args.results ??
  `${settings.resultsDir}/${geminiOnly ? "gemini" : "eval"}`;

await initEngine({ verbose: false });
const result = await evaluateHaikuRows(settings, { rows, gemini, out });
console.log(`\n${haikuSummaryTable(result.reports)}\n`);
console.log(`wrote:\n  ${result.files.join("\n  ")}`);
if (result.gemini?.status === "failed") {
  throw new InputError(
    `the Gemini row (${result.gemini.model}) failed; the other rows are written: ${result.gemini.reason}`,
  );
}
