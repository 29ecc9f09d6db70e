/**
 * The SFT run configuration, read from a JSON file whose field names follow
 * TRL's `SFTConfig` / transformers' `TrainingArguments` (snake_case) and
 * PEFT's `LoraConfig` for the `lora` section, so a TRL user can carry a
 * config over. Unknown fields are errors (a typo must not silently fall back
 * to a default).
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../../model/default_model.ts";
import { FieldReader, type Json } from "../../util/fields.ts";
import type { ScheduleName } from "../schedule.ts";

/** LoRA settings in PEFT's names; null in {@link SftConfig} means full fine-tuning. */
export interface SftLoraSettings {
  r: number;
  alpha: number;
  dropout: number;
  targetModules: string[] | "all-linear";
  useRslora: boolean;
}

/** A validated SFT run. */
export interface SftConfig {
  /** Model folder or hub id (default: the embedded default model). */
  model: string;
  /** Training data file (JSON, JSONL, CSV, Parquet). */
  trainData: string;
  /** Optional evaluation data file. */
  evalData: string | null;
  outputDir: string;
  lora: SftLoraSettings | null;
  /** Continue from this PEFT adapter (the previous stage's output) instead of a fresh LoRA. */
  initAdapter: string | null;
  maxLength: number;
  packing: boolean;
  learningRate: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  schedule: ScheduleName;
  warmupSteps: number;
  warmupRatio: number;
  maxGradNorm: number;
  batchSize: number;
  gradientAccumulationSteps: number;
  /** Optimizer steps; when 0, `numTrainEpochs` decides. */
  maxSteps: number;
  numTrainEpochs: number;
  loggingSteps: number;
  /** Evaluate every this many steps (0: only at the end, when eval data is given). */
  evalSteps: number;
  evalBatchSize: number;
  /** Checkpoint every this many steps (0: only the final save). */
  saveSteps: number;
  /** Keep at most this many checkpoints (0: keep all). */
  saveTotalLimit: number;
  seed: number;
  gradientCheckpointing: boolean;
}

const TOP_LEVEL = [
  "model",
  "train_data",
  "eval_data",
  "output_dir",
  "lora",
  "init_adapter",
  "max_length",
  "packing",
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
  "max_steps",
  "num_train_epochs",
  "logging_steps",
  "eval_steps",
  "per_device_eval_batch_size",
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

const SCHEDULES = [
  "constant",
  "constant_with_warmup",
  "linear",
  "cosine",
] as const;

/** Reads the optional PEFT-named `lora` section (null: full fine-tuning). */
export function parseLoraSection(r: FieldReader): SftLoraSettings | null {
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

/** Validates a parsed JSON config; `source` names the file in errors. */
export function parseSftConfig(json: unknown, source: string): SftConfig {
  const r = FieldReader.of(json, source);
  r.onlyKnown(TOP_LEVEL);
  const lora = parseLoraSection(r);
  const config: SftConfig = {
    model: r.string("model", DEFAULT_MODEL_DIR),
    trainData: r.string("train_data"),
    evalData: r.has("eval_data") ? r.string("eval_data") : null,
    outputDir: r.string("output_dir"),
    lora,
    initAdapter: r.has("init_adapter") ? r.string("init_adapter") : null,
    maxLength: r.positiveInt("max_length", 1024),
    packing: r.bool("packing", false),
    learningRate: r.numberIn("learning_rate", 0, 1, lora ? 2e-4 : 2e-5),
    weightDecay: r.numberIn("weight_decay", 0, 1, 0),
    adamBeta1: r.numberIn("adam_beta1", 0, 0.999999, 0.9),
    adamBeta2: r.numberIn("adam_beta2", 0, 0.999999, 0.999),
    adamEpsilon: r.numberIn("adam_epsilon", 0, 1, 1e-8),
    schedule: r.oneOf("lr_scheduler_type", SCHEDULES, "linear"),
    warmupSteps: r.int("warmup_steps", 0),
    warmupRatio: r.numberIn("warmup_ratio", 0, 1, 0),
    maxGradNorm: r.numberIn("max_grad_norm", 0, Infinity, 1),
    batchSize: r.positiveInt("per_device_train_batch_size", 8),
    gradientAccumulationSteps: r.positiveInt("gradient_accumulation_steps", 1),
    maxSteps: r.int("max_steps", 0),
    numTrainEpochs: r.numberIn("num_train_epochs", 0, 1e6, 3),
    loggingSteps: r.positiveInt("logging_steps", 10),
    evalSteps: r.int("eval_steps", 0),
    evalBatchSize: r.positiveInt("per_device_eval_batch_size", 8),
    saveSteps: r.int("save_steps", 500),
    saveTotalLimit: r.int("save_total_limit", 0),
    seed: r.int("seed", 42),
    gradientCheckpointing: r.bool("gradient_checkpointing", false),
  };
  if (config.maxSteps === 0 && config.numTrainEpochs === 0) {
    throw r.error("max_steps", "or num_train_epochs must be positive");
  }
  return config;
}

/** Reads and validates a config file. */
export async function readSftConfig(path: string): Promise<SftConfig> {
  let json: Json;
  try {
    json = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new Error(
      `${path}: cannot read the SFT config: ${(e as Error).message}`,
    );
  }
  return parseSftConfig(json, path);
}
