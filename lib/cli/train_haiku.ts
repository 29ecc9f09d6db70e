/**
 * `deno task train:haiku`: the haiku study (gemma_haiku) end to end on the
 * embedded default model, or on `--model` (e.g. google/gemma-3-1b-it).
 * Trains SFT, RL sparse, SFT → RL regular, SFT → RL sparse and the fullrun,
 * evaluates them with the base model and Gemini on the eval prompts, and
 * writes results/haiku/<run>/.
 *
 *   deno task train:haiku [--model M] [--run NAME] [--fast]
 *                         [--sft-steps N] [--rl-steps N] [--k N] [--prompts N] [--counter cmu|pyphen]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { initEngine } from "../engine/mod.ts";
import { haikuStudySettings } from "../experiments/haiku/settings.ts";
import { runHaikuStudy } from "../experiments/haiku/study.ts";
import { haikuSummaryTable } from "../experiments/haiku/report.ts";
import { fastMode } from "../util/fast.ts";

const USAGE =
  "usage: deno task train:haiku [--model M] [--run NAME] [--fast] [--sft-steps N] [--rl-steps N] [--k N] [--prompts N] [--counter cmu|pyphen]";
const { values: args } = parseArgs({
  options: {
    model: { type: "string" },
    run: { type: "string" },
    fast: { type: "boolean", default: false },
    "sft-steps": { type: "string" },
    "rl-steps": { type: "string" },
    k: { type: "string" },
    prompts: { type: "string" },
    counter: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const count = (flag: string, value: string | undefined, min: number) => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(
      `train:haiku: --${flag} must be an integer ≥ ${min}, got "${value}"\n${USAGE}`,
    );
    Deno.exit(2);
  }
  return n;
};
const settings = haikuStudySettings({
  model: args.model,
  run: args.run,
  fast: args.fast || fastMode(),
});
settings.sft.steps = count("sft-steps", args["sft-steps"], 1) ??
  settings.sft.steps;
settings.rl.steps = count("rl-steps", args["rl-steps"], 1) ?? settings.rl.steps;
settings.eval.k = count("k", args.k, 1) ?? settings.eval.k;
settings.eval.prompts = count("prompts", args.prompts, 0) ??
  settings.eval.prompts;
if (args.counter !== undefined) {
  if (args.counter !== "cmu" && args.counter !== "pyphen") {
    console.error(`train:haiku: --counter must be cmu or pyphen\n${USAGE}`);
    Deno.exit(2);
  }
  settings.counter = args.counter;
}

const started = performance.now();
try {
  await initEngine();
  console.log(
    `haiku study "${settings.run}": model ${settings.model}; SFT ${settings.sft.steps} steps, ` +
      `RL ${settings.rl.steps} steps per stage; eval k=${settings.eval.k}`,
  );
  const result = await runHaikuStudy(settings);
  console.log(`\n${haikuSummaryTable(result.reports)}\n`);
  console.log(
    `fullrun vs base, paired on the same prompts:\n${result.paired}\n`,
  );
  console.log(
    result.fullrunBeatsBase
      ? "fullrun's Haiku Score is above the base model's (95 % CI of the difference excludes 0)"
      : "fullrun's Haiku Score is NOT above the base model's with a CI excluding 0",
  );
  console.log(`wrote:\n  ${result.files.join("\n  ")}`);
  console.log(
    `total time ${((performance.now() - started) / 60000).toFixed(1)} min`,
  );
} catch (error) {
  console.error(`train:haiku: ${(error as Error).message}`);
  Deno.exit(1);
}
