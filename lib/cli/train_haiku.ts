/**
 * `deno task train:haiku`: the haiku study (gemma_haiku) end to end on the
 * embedded default model, or on `--model` (a folder or a hub id, e.g.
 * google/gemma-3-1b-it; offline, a hub id must be cached).
 * Trains SFT, RL sparse, SFT → RL regular, SFT → RL sparse, the fullrun and
 * SFT → DPO (on a preference set of the SFT model's own answers), evaluates
 * them with the base model and Gemini on the eval prompts, and writes
 * results/haiku/<run>/.
 *
 *   deno task train:haiku [--model M] [--run NAME] [--fast] [--out DIR]
 *                         [--stages NAME,…] [--sft-steps N] [--rl-steps N]
 *                         [--dpo-steps N] [--k N] [--prompts N]
 *                         [--counter cmu|pyphen] [--rl-config FILE]
 *
 * `--stages sft,fullrun` trains only those stages (any of sft, rl-sparse,
 * sft-rl, sft-rl-sparse, fullrun, sft-dpo), in the study's dependency
 * order; a stage whose input stage is neither selected nor trained is
 * refused in one line naming it. The others are reused when trained, and
 * the evaluation covers the base model and every trained stage
 * (`deno task eval:haiku` evaluates without training).
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
import {
  parseStageNames,
  planStages,
  STAGE_NAMES,
} from "../experiments/haiku/selection.ts";
import { fastMode } from "../util/fast.ts";
import { InputError } from "../util/errors.ts";
import { readJsonFile } from "../util/json_files.ts";
import { checkRlStageConfig } from "../experiments/haiku/stages.ts";
import { flag } from "../util/flags.ts";
import { placeRun, STUDY_FLAGS, studyModel } from "./study_flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "train:haiku",
  summary:
    "The haiku study (gemma_haiku) end to end: SFT, the RL stages, the fullrun and SFT → DPO, evaluated against the base model; writes results/haiku/<run>/.",
  flags: {
    ...STUDY_FLAGS,
    run: flag.string("run name: the results and checkpoints folder", {
      arg: "NAME",
    }),
    fast: flag.boolean("fast mode: fewer steps and prompts (TUNEBOOK_FAST=1)"),
    stages: flag.parsed(
      `train only these stages, comma-separated (${
        STAGE_NAMES.join(", ")
      }); the others are reused when trained (default: all)`,
      parseStageNames,
      { arg: "NAME,…" },
    ),
    "sft-steps": flag.integer("SFT steps", { min: 1 }),
    "rl-steps": flag.integer("GRPO steps per RL stage", { min: 1 }),
    "dpo-steps": flag.integer("DPO steps of the SFT → DPO stage", { min: 1 }),
    k: flag.integer("samples per evaluation prompt", { min: 1 }),
    prompts: flag.integer("evaluation prompts"),
    counter: flag.choice("syllable counter", ["cmu", "pyphen"]),
    "rl-config": flag.string(
      "a JSON file of GRPO fields under TRL's names (learning_rate, num_generations, loss_type, …) that replace the study's values in every RL stage",
      { arg: "FILE" },
    ),
  },
});
const model = await studyModel(args.model);
const settings = haikuStudySettings({
  model: model.dir,
  run: args.run,
  fast: args.fast || fastMode(),
});
settings.sft.steps = args["sft-steps"] ?? settings.sft.steps;
settings.rl.steps = args["rl-steps"] ?? settings.rl.steps;
settings.dpo.steps = args["dpo-steps"] ?? settings.dpo.steps;
settings.eval.k = args.k ?? settings.eval.k;
settings.eval.prompts = args.prompts ?? settings.eval.prompts;
settings.counter = args.counter ?? settings.counter;
placeRun(settings, args.out);
if (args["rl-config"]) {
  const file = args["rl-config"];
  const overrides = await readJsonFile(file, "RL stage overrides");
  if (!overrides || typeof overrides !== "object" || Array.isArray(overrides)) {
    throw new InputError(
      `${file}: --rl-config must hold a JSON object of GRPO fields`,
    );
  }
  settings.rl.overrides = overrides as Record<string, unknown>;
  checkRlStageConfig(settings, file);
}
// Refuses a stage whose input is missing before the engine starts.
await planStages(settings, args.stages);

const started = performance.now();
await initEngine();
console.log(
  `haiku study "${settings.run}": model ${settings.model}; SFT ${settings.sft.steps} steps, ` +
    `RL ${settings.rl.steps} steps per stage, DPO ${settings.dpo.steps} steps; eval k=${settings.eval.k}`,
);
const result = await runHaikuStudy(settings, {}, { stages: args.stages });
console.log(`\n${haikuSummaryTable(result.reports)}\n`);
console.log(
  `fullrun vs base, paired on the same prompts:\n${result.paired}\n`,
);
console.log(
  `fullrun vs SFT, paired on the same prompts:\n${result.pairedSft}\n`,
);
console.log(
  `SFT → DPO vs SFT, paired on the same prompts:\n${result.pairedDpo}\n`,
);
if (result.preferences) {
  console.log(
    `SFT → DPO's preference set: ${describePreferences(result.preferences)}`,
  );
}
if (result.evaluated.includes("fullrun")) {
  console.log(
    result.fullrunBeatsBase
      ? "fullrun's Haiku Score is above the base model's (95 % CI of the difference excludes 0)"
      : "fullrun's Haiku Score is NOT above the base model's with a CI excluding 0",
  );
  console.log(
    result.fullrunBeatsSft
      ? "fullrun's Haiku Score is above SFT's (95 % CI of the difference excludes 0)"
      : "fullrun's Haiku Score is NOT above SFT's with a CI excluding 0",
  );
}
console.log(`wrote:\n  ${result.files.join("\n  ")}`);
if (result.gemini?.status === "failed") {
  console.error(
    `train:haiku: warning: the Gemini row (${result.gemini.model}) failed and is not in the results: ${result.gemini.reason}`,
  );
}
console.log(
  `total time ${((performance.now() - started) / 60000).toFixed(1)} min`,
);
