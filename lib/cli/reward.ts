/**
 * `deno task reward`: trains a reward model (LoRA or full, with a scalar
 * score head) on preference pairs, from a JSON config whose fields follow
 * TRL's RewardConfig and PEFT's LoraConfig; saves a SEQ_CLS adapter or a
 * full `…ForSequenceClassification` folder that transformers and PEFT load.
 *
 *   deno task reward --config rm.json [--resume] [--overwrite]
 *   deno task reward --config C --max-steps 20 --output-dir /tmp/rm   (overrides)
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { REWARD_CONFIG } from "../train/reward/config.ts";
import { runRewardFromConfig } from "../train/reward/from_config.ts";
import { readRunArgs, trainerCommand } from "./run_args.ts";
import { startTask } from "./task.ts";

const { values } = startTask(trainerCommand(
  "reward",
  "Reward-model training (LoRA or full, score head) on preference pairs from a JSON config with TRL's RewardConfig names.",
  REWARD_CONFIG,
));
const run = await readRunArgs(values);
await initEngine({ verbose: false });
const result = await runRewardFromConfig(run.raw, run.configPath, run);
const last = result.history.findLast((r) => "loss" in r);
const lastEval = result.history.findLast((r) => "eval_loss" in r);
console.log(
  `reward: ${result.steps}/${result.totalSteps} steps; final loss ${
    last?.loss ?? "-"
  }, accuracy ${last?.accuracy ?? "-"}` +
    (lastEval
      ? `; eval_loss ${lastEval.eval_loss}, eval_accuracy ${lastEval.eval_accuracy}`
      : "") +
    `; wrote ${result.outputDir}`,
);
