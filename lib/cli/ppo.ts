/**
 * `deno task ppo`: PPO with a value model and GAE (LoRA or full) from a
 * JSON config whose fields follow TRL's PPOConfig, with a `rewards` list
 * from lib/rewards/registry.ts (a trained reward model, a heuristic, or a
 * hybrid) and `value_model_path` naming where the value model starts.
 *
 *   deno task ppo --config lib/configs/ppo_haiku.json [--resume] [--overwrite]
 *   deno task ppo --config C --max-steps 20 --output-dir /tmp/run --model M
 *
 * lib/configs/ppo_haiku.json trains the default model on the haiku prompts
 * with the syllable/line reward and a value model from the policy's
 * backbone; for a trained reward model, set `"rewards": [{"name":
 * "reward_model", "path": "<reward run>"}]` and `"value_model_path": "<reward run>"`.
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { PPO_CONFIG } from "../train/ppo/config.ts";
import { runPpoFromConfig } from "../train/ppo/from_config.ts";
import { readRunArgs, trainerCommand } from "./run_args.ts";
import { startTask } from "./task.ts";

const { values } = startTask(trainerCommand(
  "ppo",
  "PPO with a value model and GAE (LoRA or full) from a JSON config with TRL's PPOConfig names and a rewards list from lib/rewards/registry.ts.",
  PPO_CONFIG,
));
const run = await readRunArgs(values);
await initEngine({ verbose: false });
const result = await runPpoFromConfig(run.raw, run.configPath, {
  resume: run.resume,
  overwrite: run.overwrite,
});
const last = result.history.at(-1);
console.log(
  `ppo: ${result.steps}/${result.totalSteps} updates; last objective/scores ${
    last?.["objective/scores"] ?? "-"
  }; wrote ${result.outputDir}`,
);
