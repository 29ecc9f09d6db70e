/**
 * GRPO from a config, once: parse the JSON (TRL's GRPOConfig fields plus a
 * `rewards` list), build the reward functions from lib/rewards/registry.ts
 * with what they need from the run (the tokenizer for token-length
 * rewards, a Gemini judge for `rubric_judge` when a key is set), read the
 * prompts through lib/data, and run the trainer. The task, the studies,
 * the benchmark and the tests start GRPO here.
 *
 * ```ts
 * const { steps, history } = await runGrpoFromConfig(raw, "grpo.json", { resume: true });
 * ```
 *
 * @module
 */
import { readRows } from "../../data/read.ts";
import {
  geminiAvailable,
  GeminiClient,
  geminiJudge,
} from "../../gemini/mod.ts";
import { resolveModelSource } from "../../model/source.ts";
import {
  loadRewardModels,
  type RewardContext,
  rewardFromConfig,
} from "../../rewards/registry.ts";
import type { RewardFunction } from "../../rewards/types.ts";
import { loadTokenizer } from "../../tokenizer/mod.ts";
import { type GrpoConfig, parseGrpoConfig } from "./config.ts";
import { type PromptExample, promptExamples } from "../../prompt/examples.ts";
import { type GrpoResult, type GrpoRunOptions, runGrpo } from "./trainer.ts";

/** Reads the prompts of `train_data`. */
export async function loadGrpoPrompts(
  config: Pick<GrpoConfig, "trainData">,
): Promise<PromptExample[]> {
  return promptExamples(await readRows(config.trainData), config.trainData);
}

/**
 * The reward functions of `config.rewards`, in order. What `context` does
 * not give is made when a reward needs it: the model's tokenizer for
 * token-length rewards and to check a reward model's against, a Gemini
 * judge for `rubric_judge` when GEMINI_API_KEY is set (without one, that
 * reward's factory says so). Reward models must be in
 * `context.rewardModels` ({@link runGrpoFromConfig} loads them).
 */
export async function grpoRewards(
  config: Pick<GrpoConfig, "rewards" | "model">,
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
  const rewardModels = rewardContext?.rewardModels ??
    await loadRewardModels(config.rewards, source);
  try {
    const rewards = await grpoRewards(config, source, {
      ...rewardContext,
      rewardModels,
    });
    const prompts = await loadGrpoPrompts(config);
    const result = await runGrpo(config, prompts, { ...runOptions, rewards });
    return { ...result, config };
  } finally {
    // Only what was loaded here; the caller's own models stay theirs.
    if (!rewardContext?.rewardModels) {
      for (const rm of rewardModels.values()) rm.dispose();
    }
  }
}
