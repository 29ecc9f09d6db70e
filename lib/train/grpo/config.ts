/**
 * The GRPO run configuration: a JSON file with TRL's `GRPOConfig` field names
 * and defaults (see ../shared/notes/reference.md §B1), a PEFT-named `lora`
 * section as for SFT, and a `rewards` list naming reward functions from the
 * registry with their settings and weights.
 *
 * @module
 */
import { FieldReader, type Json } from "../../util/fields.ts";
import {
  parseRunFields,
  RUN_FIELDS,
  type TrainingRunConfig,
} from "../run_config.ts";
import type { ScaleRewards } from "./advantages.ts";
import type { LossType } from "./loss.ts";

/** One reward function of the run: a registry name, its settings and weight. */
export interface RewardSpec {
  name: string;
  weight: number;
  /** Settings passed to the reward's factory (everything but name and weight). */
  settings: Json;
}

/** A validated GRPO run: the shared run fields plus GRPO's own. */
export interface GrpoConfig extends TrainingRunConfig {
  rewards: RewardSpec[];
  /** Completions per prompt (G). */
  numGenerations: number;
  maxCompletionLength: number;
  /** Prompts longer than this are cut from the left (0: no limit). */
  maxPromptLength: number;
  temperature: number;
  topP: number;
  /** 0 disables top-k (TRL's default). */
  topK: number;
  minP: number;
  beta: number;
  numIterations: number;
  epsilon: number;
  epsilonHigh: number;
  lossType: LossType;
  scaleRewards: ScaleRewards;
  maskTruncatedCompletions: boolean;
  maxSteps: number;
  /** Write prompt/completion/reward/advantage rows every this many steps (0: never). */
  logCompletionsSteps: number;
}

const GRPO_FIELDS = [
  ...RUN_FIELDS,
  "rewards",
  "num_generations",
  "max_completion_length",
  "max_prompt_length",
  "temperature",
  "top_p",
  "top_k",
  "min_p",
  "beta",
  "num_iterations",
  "epsilon",
  "epsilon_high",
  "loss_type",
  "scale_rewards",
  "mask_truncated_completions",
  "max_steps",
  "log_completions_steps",
] as const;

/** Validates a parsed JSON GRPO config; `source` names the file in errors. */
export function parseGrpoConfig(json: unknown, source: string): GrpoConfig {
  const r = FieldReader.of(json, source);
  r.onlyKnown(GRPO_FIELDS);
  const epsilon = r.numberIn("epsilon", 0, 1, 0.2);
  const config: GrpoConfig = {
    // TRL's GRPOConfig: learning rate 1e-6, a log line every step.
    ...parseRunFields(r, { learningRate: 1e-6, loggingSteps: 1 }),
    rewards: parseRewards(r),
    numGenerations: r.positiveInt("num_generations", 8),
    maxCompletionLength: r.positiveInt("max_completion_length", 256),
    maxPromptLength: r.int("max_prompt_length", 0),
    temperature: r.numberIn("temperature", 0, 100, 1),
    topP: r.numberIn("top_p", 0, 1, 1),
    topK: r.int("top_k", 0),
    minP: r.numberIn("min_p", 0, 1, 0),
    beta: r.numberIn("beta", 0, 1e6, 0),
    numIterations: r.positiveInt("num_iterations", 1),
    epsilon,
    epsilonHigh: r.numberIn("epsilon_high", 0, 1e6, epsilon),
    lossType: r.oneOf(
      "loss_type",
      ["grpo", "bnpo", "dr_grpo", "dapo"] as const,
      "dapo",
    ),
    scaleRewards: r.oneOf(
      "scale_rewards",
      ["group", "batch", "none"] as const,
      "group",
    ),
    maskTruncatedCompletions: r.bool("mask_truncated_completions", false),
    maxSteps: r.positiveInt("max_steps"),
    logCompletionsSteps: r.int("log_completions_steps", 10),
  };
  const perStep = config.batchSize * config.gradientAccumulationSteps;
  if (perStep % config.numGenerations !== 0) {
    throw r.error(
      "num_generations",
      `(${config.numGenerations}) must divide per_device_train_batch_size × gradient_accumulation_steps (${perStep}): each step trains whole groups`,
    );
  }
  if (config.numGenerations < 2) {
    throw r.error(
      "num_generations",
      "must be at least 2: advantages compare completions of the same prompt",
    );
  }
  return config;
}

function parseRewards(r: FieldReader): RewardSpec[] {
  const list = r.json.rewards;
  if (!Array.isArray(list) || list.length === 0) {
    throw r.error(
      "rewards",
      'must be a non-empty list of {"name": …, "weight"?: …, …settings}',
    );
  }
  return list.map((item, i) => {
    const entry = FieldReader.of(item, r.source, `rewards[${i}].`);
    const { name: _name, weight: _weight, ...settings } = entry.json;
    return {
      name: entry.string("name"),
      weight: entry.number("weight", 1),
      settings,
    };
  });
}
