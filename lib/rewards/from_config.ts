/**
 * The `rewards` list of an RL config (GRPO, PPO), declared once: each entry
 * names a reward function of the registry with its settings and weight,
 * and {@link withConfigRewards} builds them with what they need from the
 * run — the reward models they name (loaded once, disposed after), the
 * policy's tokenizer for token-length rewards and to check a reward
 * model's against, and a Gemini judge for `rubric_judge` when a key is set.
 *
 * ```ts
 * const result = await withConfigRewards(config, "ppo.json", {}, (rewards) =>
 *   runPpo(config, prompts, { rewards }));
 * ```
 *
 * @module
 */
import { geminiAvailable, GeminiClient, geminiJudge } from "../gemini/mod.ts";
import { resolveModelSource } from "../model/source.ts";
import { loadTokenizer } from "../tokenizer/mod.ts";
import { field } from "../util/config_fields.ts";
import type { FieldReader, Json } from "../util/fields.ts";
import {
  loadRewardModels,
  type RewardContext,
  rewardFromConfig,
} from "./registry.ts";
import type { RewardFunction } from "./types.ts";

/** One reward function of the run: a registry name, its settings and weight. */
export interface RewardSpec {
  name: string;
  weight: number;
  /** Settings passed to the reward's factory (everything but name and weight). */
  settings: Json;
}

/** The `rewards` field of an RL config. */
export const REWARDS_FIELD = field.list("rewards", {
  shape: '{"name": …, "weight"?: …, …settings}',
  entry: rewardEntry,
  doc: "reward functions from lib/rewards/registry.ts, summed with weights",
});

/** What the rewards are built for: the entries and the policy model. */
export interface RewardsConfig {
  rewards: readonly RewardSpec[];
  model: string;
}

/**
 * The reward functions of `config.rewards`, in order. What `context` does
 * not give is made when a reward needs it (see the module doc). Reward
 * models must be in `context.rewardModels` ({@link withConfigRewards}
 * loads them).
 */
export async function buildRewards(
  config: RewardsConfig,
  source: string,
  context: RewardContext = {},
): Promise<RewardFunction[]> {
  const needsJudge = config.rewards.some((r) => r.name === "rubric_judge");
  const judge = context.judge ??
    (needsJudge && geminiAvailable()
      ? geminiJudge(new GeminiClient())
      : undefined);
  // A reward model's tokenizer is checked against the policy's.
  const needsTokenizer = (context.rewardModels?.size ?? 0) > 0 ||
    config.rewards.some((r) =>
      r.settings.unit === "tokens" || r.name === "soft_overlong"
    );
  const tokenizer = context.tokenizer ??
    (needsTokenizer
      ? await loadTokenizer((await resolveModelSource(config.model)).dir)
      : undefined);
  return config.rewards.map((spec, i) =>
    rewardFromConfig(spec.name, spec.settings, source, `rewards[${i}]`, {
      ...context,
      tokenizer,
      judge,
    })
  );
}

/**
 * Loads the reward models `config.rewards` names (unless `context` has
 * them), builds the reward functions, runs `run` with them, and frees the
 * models it loaded.
 */
export async function withConfigRewards<T>(
  config: RewardsConfig,
  source: string,
  context: RewardContext | undefined,
  run: (rewards: RewardFunction[]) => Promise<T>,
): Promise<T> {
  const rewardModels = context?.rewardModels ??
    await loadRewardModels(config.rewards, source);
  try {
    const rewards = await buildRewards(config, source, {
      ...context,
      rewardModels,
    });
    return await run(rewards);
  } finally {
    // Only what was loaded here; the caller's own models stay theirs.
    if (!context?.rewardModels) {
      for (const rm of rewardModels.values()) rm.dispose();
    }
  }
}

/** One `rewards` entry: the name and weight; the rest goes to the registry. */
function rewardEntry(entry: FieldReader): RewardSpec {
  const { name: _name, weight: _weight, ...settings } = entry.json;
  return {
    name: entry.string("name"),
    weight: entry.number("weight", 1),
    settings,
  };
}
