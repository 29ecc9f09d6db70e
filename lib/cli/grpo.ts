/**
 * `deno task grpo`: GRPO (LoRA or full) from a JSON config whose fields
 * follow TRL's GRPOConfig, with a `rewards` list naming reward functions
 * from lib/rewards/registry.ts.
 *
 *   deno task grpo --config lib/configs/grpo_haiku.json [--resume] [--overwrite]
 *   deno task grpo --config C --max-steps 20 --output-dir /tmp/run --model M
 *
 * lib/configs/grpo_haiku.json trains the default model on the haiku prompts
 * with the syllable/line reward; to start from the SFT adapter of
 * lib/configs/sft_haiku.json, add `"init_adapter": "checkpoints/sft-haiku"`.
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { GRPO_CONFIG } from "../train/grpo/config.ts";
import { runGrpoFromConfig } from "../train/grpo/from_config.ts";
import { readRunArgs, trainerCommand } from "./run_args.ts";
import { startTask } from "./task.ts";

const { values } = startTask(trainerCommand(
  "grpo",
  "GRPO (LoRA or full) from a JSON config with TRL's GRPOConfig names and a rewards list from lib/rewards/registry.ts.",
  GRPO_CONFIG,
));
const run = await readRunArgs(values);
await initEngine({ verbose: false });
const result = await runGrpoFromConfig(run.raw, run.configPath, {
  resume: run.resume,
  overwrite: run.overwrite,
});
const last = result.history.at(-1);
console.log(
  `grpo: ${result.steps} steps; last reward ${
    last?.reward ?? "-"
  }; wrote ${result.outputDir}`,
);
