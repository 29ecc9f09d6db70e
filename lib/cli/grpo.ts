/**
 * `deno task grpo`: GRPO (LoRA or full) from a JSON config whose fields
 * follow TRL's GRPOConfig, with a `rewards` list naming reward functions
 * from lib/rewards/registry.ts.
 *
 *   deno task grpo --config lib/configs/grpo_haiku.json [--resume] [--overwrite]
 *   deno task grpo --config C --max-steps 20 --output-dir /tmp/run --model M
 *
 * @module
 */
import { initEngine } from "../engine/mod.ts";
import { geminiAvailable, GeminiClient, geminiJudge } from "../gemini/mod.ts";
import { loadTokenizer } from "../tokenizer/mod.ts";
import { resolveModelSource } from "../model/source.ts";
import { rewardFromConfig } from "../rewards/registry.ts";
import { GRPO_CONFIG, parseGrpoConfig } from "../train/grpo/config.ts";
import { runGrpo } from "../train/grpo/trainer.ts";
import { readRunArgs, trainerCommand } from "./run_args.ts";
import { startTask } from "./task.ts";

const { values } = startTask(trainerCommand(
  "grpo",
  "GRPO (LoRA or full) from a JSON config with TRL's GRPOConfig names and a rewards list from lib/rewards/registry.ts.",
  GRPO_CONFIG,
));
const run = await readRunArgs(values);
const config = parseGrpoConfig(run.raw, run.configPath);
await initEngine({ verbose: false });
const needsJudge = config.rewards.some((r) => r.name === "rubric_judge");
const judge = needsJudge && geminiAvailable()
  ? geminiJudge(new GeminiClient())
  : undefined;
const needsTokenizer = config.rewards.some((r) =>
  r.settings.unit === "tokens" || r.name === "soft_overlong"
);
const tokenizer = needsTokenizer
  ? await loadTokenizer((await resolveModelSource(config.model)).dir)
  : undefined;
const rewards = config.rewards.map((spec, i) =>
  rewardFromConfig(
    spec.name,
    spec.settings,
    run.configPath,
    `rewards[${i}]`,
    {
      tokenizer,
      judge,
    },
  )
);
const result = await runGrpo(config, {
  rewards,
  resume: run.resume,
  overwrite: run.overwrite,
});
const last = result.history.at(-1);
console.log(
  `grpo: ${result.steps}/${config.maxSteps} steps; last reward ${
    last?.reward ?? "-"
  }; wrote ${result.outputDir}`,
);
