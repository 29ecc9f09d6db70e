/**
 * `deno task dpo`: Direct Preference Optimization (LoRA or full) from a
 * JSON config whose fields follow TRL's DPOConfig and PEFT's LoraConfig,
 * on preference pairs in any of TRL's formats.
 *
 *   deno task dpo --config dpo.json [--resume] [--overwrite]
 *   deno task dpo --config C --max-steps 20 --output-dir /tmp/run   (overrides)
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { DPO_CONFIG } from "../train/dpo/config.ts";
import { runDpoFromConfig } from "../train/dpo/from_config.ts";
import { readRunArgs, trainerCommand } from "./run_args.ts";
import { startTask } from "./task.ts";

const { values } = startTask(trainerCommand(
  "dpo",
  "Direct Preference Optimization (LoRA or full) from a JSON config with TRL's DPOConfig names.",
  DPO_CONFIG,
));
const run = await readRunArgs(values);
await initEngine({ verbose: false });
const result = await runDpoFromConfig(run.raw, run.configPath, run);
const last = result.history.findLast((r) => "loss" in r);
const lastEval = result.history.findLast((r) => "eval_loss" in r);
const show = (r: Record<string, unknown> | undefined, prefix: string) =>
  r
    ? `${prefix}loss ${r[`${prefix}loss`]}, ${prefix}rewards/accuracies ${
      r[`${prefix}rewards/accuracies`]
    }, ${prefix}rewards/margins ${r[`${prefix}rewards/margins`]}`
    : "";
console.log(
  `dpo: ${result.steps}/${result.totalSteps} steps on ${result.trainPairs} pairs; final ${
    show(last, "") || "loss -"
  }` + (lastEval ? `; ${show(lastEval, "eval_")}` : "") +
    `; wrote ${result.outputDir}`,
);
