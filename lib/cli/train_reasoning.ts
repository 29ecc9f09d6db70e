/**
 * `deno task train:reasoning`: the rubric-reasoning experiment (ee596-fp's
 * `<reasoning>`/`<answer>` format) on the default model: SFT on tagged
 * reference answers, GRPO with format + embedding rubric grade, evaluation
 * of base / SFT / SFT → GRPO and of the generation presets, written to
 * results/reasoning/<run>/ (summary.md, reports.json, *.svg).
 *
 *   deno task train:reasoning [--run NAME] [--steps N] [--fast]
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { reasoningSettings } from "../experiments/reasoning/settings.ts";
import { runReasoning } from "../experiments/reasoning/study.ts";
import { fastMode } from "../util/fast.ts";
import { cliHelpers } from "./args.ts";

const USAGE =
  "usage: deno task train:reasoning [--run NAME] [--steps N] [--fast]";
const { fail, integer, parse } = cliHelpers("train:reasoning", USAGE);
const args = parse({
  run: { type: "string" },
  steps: { type: "string" },
  fast: { type: "boolean", default: false },
});
const settings = reasoningSettings({
  fast: args.fast || fastMode(),
  run: args.run,
});
settings.steps = integer("steps", args.steps, 1, settings.steps);
try {
  const started = performance.now();
  await initEngine();
  const { summary } = await runReasoning(settings, { log: console.log });
  console.log(`\n${summary}`);
  console.log(
    `wrote ${settings.resultsDir}/{summary.md,reports.json,scores.svg,presets.svg,reward_curves.svg} in ${
      ((performance.now() - started) / 60000).toFixed(1)
    } min`,
  );
} catch (error) {
  fail((error as Error).message, 1);
}
