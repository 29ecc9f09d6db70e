/**
 * Reward-model training from a config, once: parse the JSON (TRL's
 * RewardConfig fields), read the train and eval preference pairs through
 * lib/data, and run the trainer. The task, the studies and the tests start
 * it here.
 *
 * ```ts
 * const { steps, history } = await runRewardFromConfig(raw, "rm.json", { resume: true });
 * ```
 *
 * @module
 */
import { parseRewardConfig, type RewardConfig } from "./config.ts";
import { loadPairSplit, type RewardData } from "./data.ts";
import {
  type RewardResult,
  type RewardRunOptions,
  runReward,
} from "./trainer.ts";

/** Reads the train pairs (and the eval pairs, when configured). */
export async function loadRewardData(
  config: Pick<RewardConfig, "trainData" | "evalData">,
): Promise<RewardData> {
  return {
    train: await loadPairSplit(config.trainData),
    eval: config.evalData ? await loadPairSplit(config.evalData) : null,
  };
}

/** What {@link runRewardFromConfig} reports: the run and the parsed config. */
export interface RewardConfigResult extends RewardResult {
  config: RewardConfig;
}

/** Parses `raw` (`source` names it in errors), loads its pairs and trains. */
export async function runRewardFromConfig(
  raw: unknown,
  source: string,
  options: RewardRunOptions = {},
): Promise<RewardConfigResult> {
  const config = parseRewardConfig(raw, source);
  const result = await runReward(config, await loadRewardData(config), options);
  return { ...result, config };
}
