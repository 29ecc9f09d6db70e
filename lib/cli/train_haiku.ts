/**
 * `deno task train:haiku`: the haiku study (gemma_haiku) end to end on the
 * embedded default model, or on `--model` (e.g. google/gemma-3-1b-it).
 * Trains SFT, RL sparse, SFT → RL regular, SFT → RL sparse, the fullrun and
 * SFT → DPO (on a preference set of the SFT model's own answers), evaluates
 * them with the base model and Gemini on the eval prompts, and writes
 * results/haiku/<run>/.
 *
 *   deno task train:haiku [--model M] [--run NAME] [--fast] [--out DIR]
 *                         [--sft-steps N] [--rl-steps N] [--dpo-steps N]
 *                         [--k N] [--prompts N] [--counter cmu|pyphen]
 *
 * A failing Gemini row (bad key, no network, API errors) does not fail the
 * task: the local results are written first, the row is marked failed with
 * its reason in summary.md and on stderr, and the task exits 0 — the study
 * it ran is complete, and the row is an optional comparison (without a key
 * it is skipped the same way).
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { haikuStudySettings } from "../experiments/haiku/settings.ts";
import { runHaikuStudy } from "../experiments/haiku/study.ts";
import { describePreferences } from "../experiments/haiku/preferences.ts";
import { haikuSummaryTable } from "../experiments/haiku/report.ts";
import { fastMode } from "../util/fast.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "train:haiku",
  summary:
    "The haiku study (gemma_haiku) end to end: SFT, the RL stages, the fullrun and SFT → DPO, evaluated against the base model; writes results/haiku/<run>/.",
  flags: {
    model: flag.string("model folder or hub id (default: the default model)", {
      arg: "M",
    }),
    run: flag.string("run name: the results and checkpoints folder", {
      arg: "NAME",
    }),
    fast: flag.boolean("fast mode: fewer steps and prompts (TUNEBOOK_FAST=1)"),
    out: flag.string(
      "write checkpoints/ and results/ under DIR (default: the repo's checkpoints/haiku/<run> and results/haiku/<run>)",
      { arg: "DIR" },
    ),
    "sft-steps": flag.integer("SFT steps", { min: 1 }),
    "rl-steps": flag.integer("GRPO steps per RL stage", { min: 1 }),
    "dpo-steps": flag.integer("DPO steps of the SFT → DPO stage", { min: 1 }),
    k: flag.integer("samples per evaluation prompt", { min: 1 }),
    prompts: flag.integer("evaluation prompts"),
    counter: flag.choice("syllable counter", ["cmu", "pyphen"]),
  },
});
const settings = haikuStudySettings({
  model: args.model,
  run: args.run,
  fast: args.fast || fastMode(),
});
settings.sft.steps = args["sft-steps"] ?? settings.sft.steps;
settings.rl.steps = args["rl-steps"] ?? settings.rl.steps;
settings.dpo.steps = args["dpo-steps"] ?? settings.dpo.steps;
settings.eval.k = args.k ?? settings.eval.k;
settings.eval.prompts = args.prompts ?? settings.eval.prompts;
settings.counter = args.counter ?? settings.counter;
if (args.out) {
  settings.checkpointsDir = `${args.out}/checkpoints`;
  settings.resultsDir = `${args.out}/results`;
}

const started = performance.now();
await initEngine();
console.log(
  `haiku study "${settings.run}": model ${settings.model}; SFT ${settings.sft.steps} steps, ` +
    `RL ${settings.rl.steps} steps per stage, DPO ${settings.dpo.steps} steps; eval k=${settings.eval.k}`,
);
const result = await runHaikuStudy(settings);
console.log(`\n${haikuSummaryTable(result.reports)}\n`);
console.log(
  `fullrun vs base, paired on the same prompts:\n${result.paired}\n`,
);
console.log(
  `SFT → DPO vs SFT, paired on the same prompts:\n${result.pairedDpo}\n`,
);
if (result.preferences) {
  console.log(
    `SFT → DPO's preference set: ${describePreferences(result.preferences)}`,
  );
}
console.log(
  result.fullrunBeatsBase
    ? "fullrun's Haiku Score is above the base model's (95 % CI of the difference excludes 0)"
    : "fullrun's Haiku Score is NOT above the base model's with a CI excluding 0",
);
console.log(`wrote:\n  ${result.files.join("\n  ")}`);
if (result.gemini?.status === "failed") {
  console.error(
    `train:haiku: warning: the Gemini row (${result.gemini.model}) failed and is not in the results: ${result.gemini.reason}`,
  );
}
console.log(
  `total time ${((performance.now() - started) / 60000).toFixed(1)} min`,
);
