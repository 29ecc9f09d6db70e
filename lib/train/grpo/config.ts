/**
 * The GRPO run configuration: a JSON file with TRL's `GRPOConfig` field names
 * and defaults (see ../shared/notes/reference.md §B1), a PEFT-named `lora`
 * section as for SFT, and a `rewards` list naming reward functions from the
 * registry with their settings and weights.
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../../model/default_model.ts";
import { FieldReader, type Json } from "../../util/fields.ts";
import type { ScheduleName } from "../schedule.ts";
import { parseLoraSection, type SftLoraSettings } from "../sft/config.ts";
import type { ScaleRewards } from "./advantages.ts";
import type { LossType } from "./loss.ts";

/** One reward function of the run: a registry name, its settings and weight. */
export interface RewardSpec {
  name: string;
  weight: number;
  /** Settings passed to the reward's factory (everything but name and weight). */
  settings: Json;
}

/** A validated GRPO run. */
export interface GrpoConfig {
  /** Model folder or hub id (default: the embedded default model). */
  model: string;
  trainData: string;
  outputDir: string;
  lora: SftLoraSettings | null;
  /** Continue from this PEFT adapter (the previous stage's output) instead of a fresh LoRA. */
  initAdapter: string | null;
  rewards: RewardSpec[];
  learningRate: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  schedule: ScheduleName;
  warmupSteps: number;
  warmupRatio: number;
  maxGradNorm: number;
  /** Completions per micro-batch (TRL counts completions, not prompts). */
  batchSize: number;
  gradientAccumulationSteps: number;
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
  loggingSteps: number;
  saveSteps: number;
  saveTotalLimit: number;
  /** Write prompt/completion/reward/advantage rows every this many steps (0: never). */
  logCompletionsSteps: number;
  seed: number;
  gradientCheckpointing: boolean;
}

const FIELDS = [
  "model",
  "train_data",
  "output_dir",
  "lora",
  "init_adapter",
  "rewards",
  "learning_rate",
  "weight_decay",
  "adam_beta1",
  "adam_beta2",
  "adam_epsilon",
  "lr_scheduler_type",
  "warmup_steps",
  "warmup_ratio",
  "max_grad_norm",
  "per_device_train_batch_size",
  "gradient_accumulation_steps",
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
  "logging_steps",
  "save_steps",
  "save_total_limit",
  "log_completions_steps",
  "seed",
  "gradient_checkpointing",
] as const;

/** Validates a parsed JSON GRPO config; `source` names the file in errors. */
export function parseGrpoConfig(json: unknown, source: string): GrpoConfig {
  const r = FieldReader.of(json, source);
  r.onlyKnown(FIELDS);
  const lora = parseLoraSection(r);
  const epsilon = r.numberIn("epsilon", 0, 1, 0.2);
  const config: GrpoConfig = {
    model: r.string("model", DEFAULT_MODEL_DIR),
    trainData: r.string("train_data"),
    outputDir: r.string("output_dir"),
    lora,
    initAdapter: r.has("init_adapter") ? r.string("init_adapter") : null,
    rewards: parseRewards(r),
    learningRate: r.numberIn("learning_rate", 0, 1, 1e-6),
    weightDecay: r.numberIn("weight_decay", 0, 1, 0),
    adamBeta1: r.numberIn("adam_beta1", 0, 0.999999, 0.9),
    adamBeta2: r.numberIn("adam_beta2", 0, 0.999999, 0.999),
    adamEpsilon: r.numberIn("adam_epsilon", 0, 1, 1e-8),
    schedule: r.oneOf(
      "lr_scheduler_type",
      ["constant", "constant_with_warmup", "linear", "cosine"] as const,
      "linear",
    ),
    warmupSteps: r.int("warmup_steps", 0),
    warmupRatio: r.numberIn("warmup_ratio", 0, 1, 0),
    maxGradNorm: r.numberIn("max_grad_norm", 0, Infinity, 1),
    batchSize: r.positiveInt("per_device_train_batch_size", 8),
    gradientAccumulationSteps: r.positiveInt("gradient_accumulation_steps", 1),
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
    loggingSteps: r.positiveInt("logging_steps", 1),
    saveSteps: r.int("save_steps", 500),
    saveTotalLimit: r.int("save_total_limit", 0),
    logCompletionsSteps: r.int("log_completions_steps", 10),
    seed: r.int("seed", 42),
    gradientCheckpointing: r.bool("gradient_checkpointing", false),
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
