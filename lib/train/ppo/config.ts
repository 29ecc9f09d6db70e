/**
 * The PPO run configuration: TRL's `PPOConfig` names and defaults
 * (alignment.md §4), the shared run fields (model, data, LoRA, AdamW,
 * checkpoints), a `rewards` list as GRPO's (a reward model, a heuristic, or
 * a hybrid of both) and where the value model starts.
 *
 * Batches as TRL counts them: one update samples
 * per_device_train_batch_size × gradient_accumulation_steps prompts (one
 * completion each), then runs num_ppo_epochs passes over num_mini_batches
 * shuffled mini-batches, one optimizer step per mini-batch. The run lasts
 * ⌈total_episodes / batch⌉ updates (or max_steps, when set); total_episodes
 * defaults to num_train_epochs × the number of prompts. Checkpoints, logging and the
 * learning-rate schedule count updates.
 *
 * @module
 */
import { REWARDS_FIELD } from "../../rewards/from_config.ts";
import {
  type ConfigOf,
  defineConfig,
  field,
  parseConfig,
  withDefaults,
} from "../../util/config_fields.ts";
import { checkRunFields, RUN_FIELDS } from "../run_config.ts";
import { checkVllmFields, VLLM_FIELDS } from "../vllm_config.ts";

/** How the per-token KL to the reference is estimated (TRL's `kl_estimator`). */
export type KlEstimator = "k1" | "k3";

/** PPO's fields: the shared run fields (with PPOConfig's defaults) plus its own. */
export const PPO_FIELDS = {
  ...withDefaults(RUN_FIELDS, {
    // TRL's PPOConfig: learning rate 3e-6.
    learningRate: 3e-6,
    loggingSteps: 1,
  }),
  rewards: REWARDS_FIELD,
  valueModelPath: field.string("value_model_path", {
    default: null,
    doc:
      "where the value model starts: a reward model (full folder or SEQ_CLS adapter); absent: the policy's backbone with a fresh score head",
  }),
  maxSteps: field.integer("max_steps", {
    default: 0,
    doc: "updates of the run; 0: total_episodes decides",
  }),
  totalEpisodes: field.integer("total_episodes", {
    min: 1,
    default: null,
    doc: "completions to train on; absent: num_train_epochs × the prompts",
  }),
  numTrainEpochs: field.number("num_train_epochs", {
    above: 0,
    max: 1e6,
    default: 1,
    doc: "passes over the prompts when total_episodes is absent",
  }),
  responseLength: field.integer("response_length", {
    min: 1,
    default: 53,
    doc: "new tokens per completion",
  }),
  maxPromptLength: field.integer("max_prompt_length", {
    default: 0,
    doc: "prompts longer than this are cut from the left (0: no limit)",
  }),
  stopToken: field.choice("stop_token", ["eos"] as const, {
    default: null,
    doc:
      '"eos": completions end at the tokenizer\'s EOS; absent (and no stop_token_id): always response_length tokens',
  }),
  stopTokenId: field.integer("stop_token_id", {
    default: null,
    doc: "the token id that ends a completion (exclusive with stop_token)",
  }),
  temperature: field.number("temperature", {
    above: 0,
    max: 100,
    default: 0.7,
    doc: "sampling temperature; log-probs are taken at the same temperature",
  }),
  missingEosPenalty: field.number("missing_eos_penalty", {
    min: 0,
    default: null,
    doc: "subtracted from the score of a completion without an EOS token",
  }),
  numPpoEpochs: field.integer("num_ppo_epochs", {
    min: 1,
    default: 4,
    doc: "passes over each update's rollouts",
  }),
  numMiniBatches: field.integer("num_mini_batches", {
    min: 1,
    default: 1,
    doc: "optimizer steps per pass; must divide gradient_accumulation_steps",
  }),
  whitenRewards: field.boolean("whiten_rewards", {
    default: false,
    doc: "whiten the per-token rewards (keeping their mean) before GAE",
  }),
  klCoef: field.number("kl_coef", {
    min: 0,
    max: 1e6,
    default: 0.05,
    doc: "weight of the per-token KL penalty in the reward",
  }),
  klEstimator: field.choice("kl_estimator", ["k1", "k3"] as const, {
    default: "k1",
    doc:
      "k1: log π − log π_ref; k3: e^(log π_ref − log π) − 1 − (log π_ref − log π)",
  }),
  cliprange: field.number("cliprange", {
    above: 0,
    max: 1e6,
    default: 0.2,
    doc: "policy ratio clip: ρ ∈ [1 − cliprange, 1 + cliprange]",
  }),
  vfCoef: field.number("vf_coef", {
    min: 0,
    max: 1e6,
    default: 0.1,
    doc: "weight of the value loss",
  }),
  cliprangeValue: field.number("cliprange_value", {
    above: 0,
    max: 1e6,
    default: 0.2,
    doc: "value clip: V within cliprange_value of the rollout's value",
  }),
  gamma: field.number("gamma", {
    min: 0,
    max: 1,
    default: 1,
    doc: "discount factor of GAE",
  }),
  lam: field.number("lam", {
    min: 0,
    max: 1,
    default: 0.95,
    doc: "λ of GAE",
  }),
  localRolloutForwardBatchSize: field.integer(
    "local_rollout_forward_batch_size",
    {
      min: 1,
      default: 64,
      doc: "sequences per no-gradient forward pass (reference, values, scores)",
    },
  ),
  logCompletionsSteps: field.integer("log_completions_steps", {
    default: 10,
    doc: "write completions.jsonl rows every this many updates (0: never)",
  }),
  ...VLLM_FIELDS,
};

/** The PPO config: its fields and the rules that span several of them. */
export const PPO_CONFIG = defineConfig({
  name: "PPO",
  fields: PPO_FIELDS,
  check(config, reader) {
    checkRunFields(config, config.maxSteps, reader);
    checkVllmFields(config, reader);
    if (config.gradientAccumulationSteps % config.numMiniBatches !== 0) {
      throw reader.error(
        "num_mini_batches",
        `(${config.numMiniBatches}) must divide gradient_accumulation_steps (${config.gradientAccumulationSteps}): each mini-batch is whole micro-batches of per_device_train_batch_size`,
      );
    }
    if (config.stopToken !== null && config.stopTokenId !== null) {
      throw reader.error(
        "stop_token_id",
        'and stop_token are exclusive: give one (stop_token "eos" is the tokenizer\'s EOS)',
      );
    }
  },
});

/** A validated PPO run. */
export type PpoConfig = ConfigOf<typeof PPO_FIELDS>;

/** Validates a parsed JSON PPO config; `source` names the file in errors. */
export function parsePpoConfig(json: unknown, source: string): PpoConfig {
  return parseConfig(PPO_CONFIG, json, source);
}

/** Rollouts per update: per_device_train_batch_size × gradient_accumulation_steps. */
export function rolloutsPerUpdate(config: PpoConfig): number {
  return config.batchSize * config.gradientAccumulationSteps;
}

/** Updates of the run: max_steps, else ⌈total_episodes / rollouts per update⌉. */
export function totalUpdates(config: PpoConfig, prompts: number): number {
  if (config.maxSteps > 0) return config.maxSteps;
  const episodes = config.totalEpisodes ??
    Math.ceil(config.numTrainEpochs * prompts);
  return Math.max(1, Math.ceil(episodes / rolloutsPerUpdate(config)));
}
