/**
 * GRPO from a config, once: parse the JSON (TRL's GRPOConfig fields plus a
 * `rewards` list), build the reward functions (lib/rewards/from_config.ts),
 * read the prompts through lib/data, and run the trainer. The task, the studies,
 * the benchmark and the tests start GRPO here.
 *
 * ```ts
 * const { steps, history } = await runGrpoFromConfig(raw, "grpo.json", { resume: true });
 * ```
 *
 * @module
 */
import { withConfigRewards } from "../../rewards/from_config.ts";
import type { RewardContext } from "../../rewards/registry.ts";
import { type GrpoConfig, parseGrpoConfig } from "./config.ts";
import { readPromptExamples } from "../../prompt/examples.ts";
import { type GrpoResult, type GrpoRunOptions, runGrpo } from "./trainer.ts";

/** How {@link runGrpoFromConfig} runs: the trainer's options, rewards built from the config. */
export interface GrpoConfigRunOptions extends Omit<GrpoRunOptions, "rewards"> {
  /** A tokenizer or judge for the rewards, instead of the ones made here. */
  rewardContext?: RewardContext;
}

/** What {@link runGrpoFromConfig} reports: the run and the parsed config. */
export interface GrpoConfigResult extends GrpoResult {
  config: GrpoConfig;
}

/**
 * Parses `raw` (`source` names it in errors), builds its rewards, reads its
 * prompts and runs GRPO.
 */
export async function runGrpoFromConfig(
  raw: unknown,
  source: string,
  options: GrpoConfigRunOptions = {},
): Promise<GrpoConfigResult> {
  const config = parseGrpoConfig(raw, source);
  const { rewardContext, ...runOptions } = options;
  return await withConfigRewards(
    config,
    source,
    rewardContext,
    async (rewards) => {
      const prompts = await readPromptExamples(config.trainData);
      const result = await runGrpo(config, prompts, { ...runOptions, rewards });
      return { ...result, config };
    },
  );
}
