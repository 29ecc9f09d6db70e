/**
 * `deno task run`: one experiment of the alignment-paradigms study from a
 * YAML file with Gemma-Alignment-Paradigms' field names, deep-merged over
 * the `defaults.yml` beside it: SFT + PEFT, RL only (PPO, GRPO or DPO) or
 * staged SFT → RL, through tunebook's TRL-named trainers.
 *
 *   deno task run --config configs/dpo_rl.yml [--debug]
 *   deno task run --config configs/qlora_1b.yml --base-checkpoint /models/gemma-3-1b-it
 *
 * Writes `<logging.output_dir>/<name>/config.yml` (the resolved config) and
 * `results.json`, and the stages' weights under `<logging.checkpoint_dir>/<name>/`;
 * the same command continues an interrupted run.
 *
 * @module
 */
import { EXPERIMENT_CONFIG } from "../experiments/alignment/config.ts";
import { readExperiment } from "../experiments/alignment/load.ts";
import { runFolders } from "../experiments/alignment/results.ts";
import { runExperiment } from "../experiments/alignment/run.ts";
import { fieldsHelp } from "../util/config_docs.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";

const { values: args } = startTask({
  name: "run",
  summary:
    "One alignment experiment (sft | rl | staged) from a YAML config with Gemma-Alignment-Paradigms' field names, over the defaults.yml beside it.",
  flags: {
    config: flag.string("the experiment's YAML file", {
      arg: "FILE",
      required: true,
    }),
    debug: flag.boolean(
      "the whole pipeline on a few rows, two steps per stage",
    ),
    "base-checkpoint": flag.string(
      "model folder or hub id instead of model.base_checkpoint",
      { arg: "M" },
    ),
    seed: flag.integer("seed instead of the config's", { min: 0 }),
    "output-dir": flag.string(
      "write results to DIR/results and checkpoints to DIR/checkpoints instead of logging.output_dir and checkpoint_dir",
      { arg: "DIR" },
    ),
  },
  more: () => fieldsHelp(EXPERIMENT_CONFIG),
});

const experiment = await readExperiment(args.config, {
  debug: args.debug,
  baseCheckpoint: args["base-checkpoint"],
  seed: args.seed,
});
if (args["output-dir"]) {
  experiment.config.logging.outputDir = `${args["output-dir"]}/results`;
  experiment.config.logging.checkpointDir = `${args["output-dir"]}/checkpoints`;
}
const { config } = experiment;
console.error(
  `[run] ${experiment.name}: task ${config.task}, mode ${config.training.mode}${
    config.training.mode === "sft" ? "" : `, ${config.rl.algorithm}`
  }, ${config.model.peftType} on ${config.model.baseCheckpoint}${
    config.debug ? " (debug)" : ""
  }`,
);
const result = await runExperiment(experiment, {
  onStageStart: (stage) => console.error(`[run] ${stage.kind} stage`),
  onEvaluate: () =>
    console.error("[run] evaluating the base model and the final policy"),
});
const folders = runFolders(experiment);
for (const stage of result.stages) {
  const last = stage.last_train ?? {};
  const shown = Object.entries(last).filter(([k]) =>
    /^(loss|objective\/scores|rewards\/accuracies|accuracy|reward)$/.test(k)
  ).map(([k, v]) => `${k} ${v}`).join(", ");
  console.log(
    `${stage.kind}: ${stage.status}${
      shown ? ` (last ${shown})` : ""
    } → ${stage.output_dir}`,
  );
}
if (result.eval) {
  console.log(
    `eval: ${
      result.eval.models.join(" and ")
    } on ${result.eval.prompts} held-out prompts × ${result.eval.k} → ${result.eval.dir}/summary.md`,
  );
}
console.log(`wrote ${folders.results}/config.yml and results.json`);
