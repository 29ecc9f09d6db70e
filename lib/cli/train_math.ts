/**
 * `deno task train:math`: the math experiment (finetuned-llama's AI-MO run on
 * GSM8K-format problems) on the default model: SFT on the worked answers,
 * GRPO with format + accuracy rewards, evaluation of base / SFT /
 * SFT → GRPO, and results/math/<run>/ (summary.md, reports.json,
 * scores.svg, rewards.svg).
 *
 *   deno task train:math [--level multi-step|one-step] [--run NAME]
 *                        [--steps N] [--fast]
 *                        [--train-data FILE] [--eval-data FILE]
 *
 * The data files are GSM8K-format (question, answer ending in `#### n`);
 * defaults data/math/{problems,eval}.jsonl (level "multi-step", run
 * "main") or data/math/one_step/{problems,eval}.jsonl (level "one-step",
 * run "one-step"). Stages whose adapter exists in
 * checkpoints/math/<run>/ are reused.
 *
 * @module
 */
import { MATH_LEVELS, type MathLevel } from "../data/math_problems.ts";
import { initEngine } from "../engine/mod.ts";
import {
  mathSettings,
  runMathStudy,
  writeMathResults,
} from "../experiments/math/study.ts";
import { fastMode } from "../util/fast.ts";
import { cliHelpers } from "./args.ts";

const USAGE =
  "usage: deno task train:math [--level multi-step|one-step] [--run NAME] [--steps N] [--fast] [--train-data FILE] [--eval-data FILE]";

const { fail, integer, parse } = cliHelpers("train:math", USAGE);
const args = parse({
  level: { type: "string", default: "multi-step" },
  run: { type: "string" },
  steps: { type: "string" },
  fast: { type: "boolean", default: false },
  "train-data": { type: "string" },
  "eval-data": { type: "string" },
});
if (!MATH_LEVELS.includes(args.level as MathLevel)) {
  fail(`--level must be one of ${MATH_LEVELS.join(", ")}, got "${args.level}"`);
}
const settings = mathSettings({
  fast: args.fast || fastMode(),
  run: args.run,
  level: args.level as MathLevel,
});
settings.steps = integer("steps", args.steps, 1, settings.steps);
if (args["train-data"]) settings.trainData = args["train-data"];
if (args["eval-data"]) settings.evalData = args["eval-data"];

try {
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
} catch (error) {
  fail((error as Error).message, 1);
}
