/**
 * `deno task train:math`: the math experiment (finetuned-llama's AI-MO run on
 * GSM8K-format problems) on the default model: SFT on the worked answers,
 * GRPO with format + accuracy rewards, evaluation of base / SFT /
 * SFT → GRPO, and results/math/<run>/ (summary.md, reports.json,
 * scores.svg, rewards.svg).
 *
 *   deno task train:math [--model M] [--level multi-step|one-step] [--run NAME]
 *                        [--out DIR] [--steps N] [--fast]
 *                        [--train-data FILE] [--eval-data FILE]
 *
 * The data files are GSM8K-format (question, answer ending in `#### n`);
 * defaults data/math/{problems,eval}.jsonl (level "multi-step", run
 * "main") or data/math/one_step/{problems,eval}.jsonl (level "one-step",
 * run "one-step"). Stages whose adapter exists in
 * checkpoints/math/<run>/ (or DIR/checkpoints) are reused. `--model`
 * starts from another model (a folder or a hub id such as
 * meta-llama/Llama-3.2-1B-Instruct, finetuned-llama's model); the GRPO
 * prompt window shrinks to fit a context shorter than the default model's.
 *
 * @module
 */
import { MATH_LEVELS } from "../data/math_problems.ts";
import { initEngine } from "../engine/mod.ts";
import {
  mathSettings,
  runMathStudy,
  writeMathResults,
} from "../experiments/math/study.ts";
import { fastMode } from "../util/fast.ts";
import { flag } from "../util/flags.ts";
import { placeRun, STUDY_FLAGS, studyModel } from "./study_flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "train:math",
  summary:
    "The math experiment (finetuned-llama's AI-MO run): SFT, GRPO with format + accuracy rewards, and evaluation of base / SFT / SFT → GRPO; writes results/math/<run>/.",
  flags: {
    ...STUDY_FLAGS,
    level: flag.choice("problem level", MATH_LEVELS, { default: "multi-step" }),
    run: flag.string("run name (default main, or one-step for that level)", {
      arg: "NAME",
    }),
    steps: flag.integer("GRPO steps", { min: 1 }),
    fast: flag.boolean(
      "fast mode: fewer steps and questions (TUNEBOOK_FAST=1)",
    ),
    "train-data": flag.string("GSM8K-format training problems", {
      arg: "FILE",
    }),
    "eval-data": flag.string("GSM8K-format evaluation problems", {
      arg: "FILE",
    }),
  },
});
const model = await studyModel(args.model);
const settings = mathSettings({
  fast: args.fast || fastMode(),
  run: args.run,
  level: args.level,
  model: model.dir,
  context: model.context,
});
settings.steps = args.steps ?? settings.steps;
placeRun(settings, args.out);
if (args["train-data"]) settings.trainData = args["train-data"];
if (args["eval-data"]) settings.evalData = args["eval-data"];

const started = performance.now();
await initEngine();
const result = await runMathStudy(settings, {
  log: (line) => console.error(`eval ${line}`),
});
console.log(`\n${result.table}\n\n${result.templates}\n`);
const files = await writeMathResults(settings, result);
console.log(
  `wrote ${files.join(", ")} in ${
    ((performance.now() - started) / 60000).toFixed(1)
  } min`,
);
