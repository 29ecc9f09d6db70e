/**
 * PPO from a config, once: parse the JSON (TRL's PPOConfig fields plus a
 * `rewards` list), build the reward functions (lib/rewards/from_config.ts),
 * read the prompts through lib/data, and run the trainer. The task, the
 * studies, the benchmark and the tests start PPO here.
 *
 * ```ts
 * const { steps, history } = await runPpoFromConfig(raw, "ppo.json", { resume: true });
 * ```
 *
 * @module
 */
import { readPromptExamples } from "../../prompt/examples.ts";
import { withConfigRewards } from "../../rewards/from_config.ts";
import type { RewardContext } from "../../rewards/registry.ts";
import { parsePpoConfig, type PpoConfig } from "./config.ts";
import { type PpoResult, type PpoRunOptions, runPpo } from "./trainer.ts";

/** How {@link runPpoFromConfig} runs: the trainer's options, rewards built from the config. */
export interface PpoConfigRunOptions extends Omit<PpoRunOptions, "rewards"> {
  /** A tokenizer, judge or loaded reward models for the rewards. */
  rewardContext?: RewardContext;
}

/** What {@link runPpoFromConfig} reports: the run and the parsed config. */
export interface PpoConfigResult extends PpoResult {
  config: PpoConfig;
}

/** Parses `raw` (`source` names it in errors), builds its rewards, reads its prompts and runs PPO. */
export async function runPpoFromConfig(
  raw: unknown,
  source: string,
  options: PpoConfigRunOptions = {},
): Promise<PpoConfigResult> {
  const config = parsePpoConfig(raw, source);
  const { rewardContext, ...runOptions } = options;
  const prompts = await readPromptExamples(config.trainData);
  return await withConfigRewards(
    config,
    source,
    rewardContext,
    async (rewards) => ({
      ...await runPpo(config, prompts, { ...runOptions, rewards }),
      config,
    }),
  );
}
