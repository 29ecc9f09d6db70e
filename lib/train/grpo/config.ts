/**
 * The GRPO run configuration: a JSON file with TRL's `GRPOConfig` field names
 * and defaults (see ../shared/notes/reference.md §B1), a PEFT-named `lora`
 * section as for SFT, and a `rewards` list naming reward functions from the
 * registry with their settings and weights. Each field is declared once
 * below; the registry validates each reward's own settings.
 *
 * @module
 */
import {
  type ConfigOf,
  defineConfig,
  derived,
  field,
  parseConfig,
  withDefaults,
} from "../../util/config_fields.ts";
import { checkRunFields, RUN_FIELDS } from "../run_config.ts";
import { checkVllmFields, VLLM_FIELDS } from "../vllm_config.ts";
import { REWARDS_FIELD } from "../../rewards/from_config.ts";
import type { ScaleRewards } from "./advantages.ts";
import type { LossType } from "./loss.ts";

const LOSS_TYPES = [
  "grpo",
  "bnpo",
  "dr_grpo",
  "dapo",
] as const satisfies readonly LossType[];
const SCALE_REWARDS = [
  "group",
  "batch",
  "none",
] as const satisfies readonly ScaleRewards[];

/** GRPO's fields: the shared run fields (with GRPOConfig's defaults) plus its own. */
export const GRPO_FIELDS = {
  ...withDefaults(RUN_FIELDS, {
    // TRL's GRPOConfig: learning rate 1e-6, a log line every step.
    learningRate: 1e-6,
    loggingSteps: 1,
  }),
  rewards: REWARDS_FIELD,
  numGenerations: field.integer("num_generations", {
    min: 1,
    default: 8,
    doc: "completions per prompt (G); must divide the per-step batch",
  }),
  maxCompletionLength: field.integer("max_completion_length", {
    min: 1,
    default: 256,
    doc: "new tokens per completion",
  }),
  maxPromptLength: field.integer("max_prompt_length", {
    default: 0,
    doc: "prompts longer than this are cut from the left (0: no limit)",
  }),
  temperature: field.number("temperature", {
    min: 0,
    max: 100,
    default: 1,
    doc: "sampling temperature (0 is refused: a greedy group learns nothing)",
  }),
  topP: field.number("top_p", {
    min: 0,
    max: 1,
    default: 1,
    doc: "nucleus sampling mass",
  }),
  topK: field.integer("top_k", {
    default: 0,
    doc: "sample from the k likeliest tokens (0: no top-k)",
  }),
  minP: field.number("min_p", {
    min: 0,
    max: 1,
    default: 0,
    doc: "drop tokens below this fraction of the likeliest one's probability",
  }),
  beta: field.number("beta", {
    min: 0,
    max: 1e6,
    default: 0,
    doc: "weight of the k3 KL to the reference model (0: no reference pass)",
  }),
  numIterations: field.integer("num_iterations", {
    min: 1,
    default: 1,
    doc: "updates per generated batch (μ), with stored old log-probs",
  }),
  epsilon: field.number("epsilon", {
    min: 0,
    max: 1,
    default: 0.2,
    doc: "lower ratio clip: ρ ≥ 1 − epsilon",
  }),
  epsilonHigh: field.number("epsilon_high", {
    min: 0,
    max: 1e6,
    default: derived((c) => c.epsilon as number, "epsilon"),
    doc: "upper ratio clip: ρ ≤ 1 + epsilon_high",
  }),
  lossType: field.choice("loss_type", LOSS_TYPES, {
    default: "dapo",
    doc: "how token losses are normalised",
  }),
  scaleRewards: field.choice("scale_rewards", SCALE_REWARDS, {
    default: "group",
    doc: "divide advantages by the reward std of the group, the batch, or not",
  }),
  maskTruncatedCompletions: field.boolean("mask_truncated_completions", {
    default: false,
    doc: "leave completions cut at max_completion_length out of the loss",
  }),
  maxSteps: field.integer("max_steps", {
    min: 0,
    default: 0,
    doc:
      "optimizer steps (0: num_train_epochs over the prompts); each of num_iterations passes over a generation batch is a step, as in TRL",
  }),
  numTrainEpochs: field.number("num_train_epochs", {
    min: 0,
    max: 1e6,
    default: 3,
    doc: "passes over the prompts when max_steps is 0 (TRL's default 3)",
  }),
  logCompletionsSteps: field.integer("log_completions_steps", {
    default: 10,
    doc: "write completions.jsonl rows every this many steps (0: never)",
  }),
  ...VLLM_FIELDS,
};

/** The GRPO config: its fields and the rules that span several of them. */
export const GRPO_CONFIG = defineConfig({
  name: "GRPO",
  fields: GRPO_FIELDS,
  check(config, reader) {
    checkRunFields(config, config.maxSteps, reader);
    if (config.maxSteps === 0 && config.numTrainEpochs === 0) {
      throw reader.error("max_steps", "or num_train_epochs must be positive");
    }
    checkVllmFields(config, reader);
    const perStep = config.batchSize * config.gradientAccumulationSteps;
    if (perStep % config.numGenerations !== 0) {
      throw reader.error(
        "num_generations",
        `(${config.numGenerations}) must divide per_device_train_batch_size × gradient_accumulation_steps (${perStep}): each step trains whole groups`,
      );
    }
    if (config.numGenerations < 2) {
      throw reader.error(
        "num_generations",
        "must be at least 2: advantages compare completions of the same prompt",
      );
    }
    // Greedy sampling makes a group's completions identical: every reward
    // std is 0, every advantage 0, and each step changes nothing. TRL lets
    // such a run go on; refusing up front saves the user a wasted run.
    const greedy = config.temperature === 0
      ? "temperature"
      : config.topK === 1
      ? "top_k"
      : null;
    if (greedy) {
      throw reader.error(
        greedy,
        `(${
          greedy === "top_k" ? 1 : 0
        }) makes sampling greedy: the num_generations completions of a prompt would be identical, every advantage 0 and no step would learn`,
      );
    }
  },
});

/** A validated GRPO run: the shared run fields plus GRPO's own. */
export type GrpoConfig = ConfigOf<typeof GRPO_FIELDS>;

/**
 * Optimizer steps of a run over `prompts` prompts: max_steps, else
 * ⌈num_train_epochs × ⌈prompts / prompts per step⌉⌉ generation batches,
 * each trained num_iterations times (TRL counts every iteration a step).
 */
export function totalSteps(config: GrpoConfig, prompts: number): number {
  if (config.maxSteps > 0) return config.maxSteps;
  const promptsPerStep = config.batchSize * config.gradientAccumulationSteps /
    config.numGenerations;
  const batches = Math.ceil(
    config.numTrainEpochs * Math.ceil(prompts / promptsPerStep),
  );
  return Math.max(1, batches) * config.numIterations;
}

/** Validates a parsed JSON GRPO config; `source` names the file in errors. */
export function parseGrpoConfig(json: unknown, source: string): GrpoConfig {
  return parseConfig(GRPO_CONFIG, json, source);
}
