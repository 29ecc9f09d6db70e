/**
 * The configuration fields every trainer shares (model, data, LoRA,
 * optimizer, schedule, batching, checkpoints), with TRL's /
 * transformers' names and defaults, read once for SFT and GRPO alike.
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import type { FieldReader } from "../util/fields.ts";
import type { ScheduleName } from "./schedule.ts";

/** LoRA settings in PEFT's names; null in a config means full fine-tuning. */
export interface LoraSettings {
  r: number;
  alpha: number;
  dropout: number;
  targetModules: string[] | "all-linear";
  useRslora: boolean;
}

/** What every training run is configured with. */
export interface TrainingRunConfig {
  /** Model folder or hub id (default: the embedded default model). */
  model: string;
  /** Training data file (JSON, JSONL, CSV, Parquet). */
  trainData: string;
  outputDir: string;
  lora: LoraSettings | null;
  /** Continue from this PEFT adapter (the previous stage's output) instead of a fresh LoRA. */
  initAdapter: string | null;
  learningRate: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  schedule: ScheduleName;
  warmupSteps: number;
  warmupRatio: number;
  /** Clip the global gradient norm to this (0: no clipping). */
  maxGradNorm: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  loggingSteps: number;
  /** Checkpoint every this many steps (0: only the final save). */
  saveSteps: number;
  /** Keep at most this many checkpoints (0: keep all). */
  saveTotalLimit: number;
  seed: number;
  gradientCheckpointing: boolean;
}

/** The JSON names of {@link TrainingRunConfig}'s fields. */
export const RUN_FIELDS = [
  "model",
  "train_data",
  "output_dir",
  "lora",
  "init_adapter",
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
  "logging_steps",
  "save_steps",
  "save_total_limit",
  "seed",
  "gradient_checkpointing",
] as const;

const LORA_FIELDS = [
  "r",
  "lora_alpha",
  "lora_dropout",
  "target_modules",
  "use_rslora",
] as const;

/** Reads the optional PEFT-named `lora` section (null: full fine-tuning). */
export function parseLoraSection(r: FieldReader): LoraSettings | null {
  const section = r.section("lora");
  if (!section) return null;
  section.onlyKnown(LORA_FIELDS);
  const rank = section.positiveInt("r", 8);
  const targets = section.stringList("target_modules", ["all-linear"]);
  return {
    r: rank,
    alpha: section.number("lora_alpha", rank),
    dropout: section.numberIn("lora_dropout", 0, 0.99, 0),
    targetModules: targets.length === 1 && targets[0] === "all-linear"
      ? "all-linear"
      : targets,
    useRslora: section.bool("use_rslora", false),
  };
}

/** Reads the shared fields; `defaults` are the trainer's own (TRL's differ per trainer). */
export function parseRunFields(
  r: FieldReader,
  defaults: { learningRate: number; loggingSteps: number },
): TrainingRunConfig {
  return {
    model: r.string("model", DEFAULT_MODEL_DIR),
    trainData: r.string("train_data"),
    outputDir: r.string("output_dir"),
    lora: parseLoraSection(r),
    initAdapter: r.has("init_adapter") ? r.string("init_adapter") : null,
    learningRate: r.numberIn("learning_rate", 0, 1, defaults.learningRate),
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
    loggingSteps: r.positiveInt("logging_steps", defaults.loggingSteps),
    saveSteps: r.int("save_steps", 500),
    saveTotalLimit: r.int("save_total_limit", 0),
    seed: r.int("seed", 42),
    gradientCheckpointing: r.bool("gradient_checkpointing", false),
  };
}
