/**
 * `deno task sft`: supervised fine-tuning (LoRA or full) from a JSON config
 * whose fields follow TRL's SFTConfig and PEFT's LoraConfig.
 *
 *   deno task sft --config lib/configs/sft_haiku.json [--resume] [--overwrite]
 *   deno task sft --config C --max-steps 20 --output-dir /tmp/run   (overrides)
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { SFT_CONFIG } from "../train/sft/config.ts";
import { runSftFromConfig } from "../train/sft/from_config.ts";
import { readRunArgs, trainerCommand } from "./run_args.ts";
import { startTask } from "./task.ts";

const { values } = startTask(trainerCommand(
  "sft",
  "Supervised fine-tuning (LoRA or full) from a JSON config with TRL's SFTConfig names.",
  SFT_CONFIG,
));
const run = await readRunArgs(values);
await initEngine({ verbose: false });
const result = await runSftFromConfig(run.raw, run.configPath, run);
const last = result.history.findLast((r) => "loss" in r);
const lastEval = result.history.findLast((r) => "eval_loss" in r);
console.log(
  `sft: ${result.steps}/${result.totalSteps} steps; final loss ${
    last?.loss ?? "-"
  }` +
    (lastEval ? `, eval_loss ${lastEval.eval_loss}` : "") +
    `; wrote ${result.outputDir}`,
);
