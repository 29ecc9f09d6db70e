/**
 * `deno task train:tldr`: the TLDR length experiment (finetuned-llama) on the default
 * model: SFT on the reference summaries, GRPO with the length and similarity
 * rewards, evaluation of base / SFT / SFT → GRPO, written to
 * results/tldr/<run>/ (summary.md, summary.csv, per_prompt.csv, samples.csv,
 * reports.json, settings.json, lengths.svg).
 *
 *   deno task train:tldr [--model M] [--run NAME] [--out DIR] [--steps N] [--fast]
 *
 * `--model` starts from another model (a folder or a hub id such as
 * HuggingFaceTB/SmolLM-135M-Instruct, finetuned-llama's model); the prompt
 * window shrinks to fit a context shorter than the default model's.
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { tldrSettings, trainTldr } from "../experiments/tldr/study.ts";
import { evaluateTldr } from "../experiments/tldr/evaluate.ts";
import { tldrTable, writeTldrResults } from "../experiments/tldr/report.ts";
import { fastMode } from "../util/fast.ts";
import { flag } from "../util/flags.ts";
import { placeRun, STUDY_FLAGS, studyModel } from "./study_flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "train:tldr",
  summary:
    "The TLDR length experiment (finetuned-llama): SFT, GRPO with length + similarity rewards, evaluation of the stages; writes results/tldr/<run>/.",
  flags: {
    ...STUDY_FLAGS,
    run: flag.string("run name: the results and checkpoints folder", {
      arg: "NAME",
    }),
    steps: flag.integer("GRPO steps", { min: 1 }),
    fast: flag.boolean("fast mode: fewer steps and passages (TUNEBOOK_FAST=1)"),
  },
});
const model = await studyModel(args.model);
const settings = tldrSettings({
  fast: args.fast || fastMode(),
  run: args.run,
  model: model.dir,
  context: model.context,
});
settings.steps = args.steps ?? settings.steps;
placeRun(settings, args.out);
const started = performance.now();
await initEngine();
const adapters = await trainTldr(settings);
const reports = await evaluateTldr(settings, adapters);
const table = tldrTable(reports, settings.target);
console.log(`\n${table}\n`);
const files = await writeTldrResults(settings, reports);
console.log(
  `wrote ${files.join(", ")} in ${
    ((performance.now() - started) / 60000).toFixed(1)
  } min`,
);
