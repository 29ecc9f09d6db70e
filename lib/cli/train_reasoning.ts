/**
 * `deno task train:reasoning`: the rubric-reasoning experiment (ee596-fp's
 * `<reasoning>`/`<answer>` format) on the default model: SFT on tagged
 * reference answers, GRPO with format + embedding rubric grade, evaluation
 * of base / SFT / SFT → GRPO and of the generation presets, written to
 * results/reasoning/<run>/ (summary.md, reports.json, *.svg).
 *
 *   deno task train:reasoning [--model M] [--run NAME] [--out DIR] [--steps N] [--fast]
 *
 * `--model` starts from another model (a folder or a hub id); the prompt
 * window and SFT's length come from its context.
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { reasoningSettings } from "../experiments/reasoning/settings.ts";
import { runReasoning } from "../experiments/reasoning/study.ts";
import { fastMode } from "../util/fast.ts";
import { flag } from "../util/flags.ts";
import { placeRun, STUDY_FLAGS, studyModel } from "./study_flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "train:reasoning",
  summary:
    "The rubric-reasoning experiment (ee596-fp): SFT, GRPO with format + rubric rewards, evaluation of the stages and presets; writes results/reasoning/<run>/.",
  flags: {
    ...STUDY_FLAGS,
    run: flag.string("run name: the results and checkpoints folder", {
      arg: "NAME",
    }),
    steps: flag.integer("GRPO steps", { min: 1 }),
    fast: flag.boolean(
      "fast mode: fewer steps and questions (TUNEBOOK_FAST=1)",
    ),
  },
});
const model = await studyModel(args.model);
const settings = reasoningSettings({
  fast: args.fast || fastMode(),
  run: args.run,
  model: model.dir,
});
settings.steps = args.steps ?? settings.steps;
placeRun(settings, args.out);
const started = performance.now();
await initEngine();
const { summary } = await runReasoning(settings, { log: console.log });
console.log(`\n${summary}`);
console.log(
  `wrote ${settings.resultsDir}/{summary.md,reports.json,scores.svg,presets.svg,reward_curves.svg} in ${
    ((performance.now() - started) / 60000).toFixed(1)
  } min`,
);
