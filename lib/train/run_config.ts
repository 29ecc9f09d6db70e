/**
 * The configuration fields every trainer shares (model, data, LoRA,
 * optimizer, schedule, batching, checkpoints, reporting), declared once with
 * transformers' `TrainingArguments` / PEFT's `LoraConfig` names and
 * defaults; each trainer adds its own fields and overrides defaults as TRL's
 * configs do (sft/config.ts, grpo/config.ts).
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { type ConfigOf, derived, field } from "../util/config_fields.ts";
import type { FieldReader } from "../util/fields.ts";
import { reportToField } from "./report_to.ts";
import type { ScheduleName } from "./schedule.ts";

/** PEFT `LoraConfig`'s fields, in the `lora` section of a config. */
export const LORA_FIELDS = {
  r: field.integer("r", { min: 1, default: 8, doc: "LoRA rank" }),
  alpha: field.number("lora_alpha", {
    above: 0,
    default: derived((c) => c.r as number, "r"),
    doc: "scale numerator: updates are scaled by lora_alpha / r",
  }),
  dropout: field.number("lora_dropout", {
    min: 0,
    max: 0.99,
    default: 0,
    doc: "dropout on the LoRA path's input",
  }),
  targetModules: field.stringList<string[] | "all-linear">("target_modules", {
    default: ["all-linear"],
    to: (list) =>
      list.length === 1 && list[0] === "all-linear" ? "all-linear" : list,
    doc: 'modules to adapt by name (e.g. ["q_proj", "v_proj"]) or "all-linear"',
  }),
  useRslora: field.boolean("use_rslora", {
    default: false,
    doc: "rank-stabilised scaling lora_alpha / √r",
  }),
};

/** LoRA settings in PEFT's names; a config without `lora` means full fine-tuning. */
export type LoraSettings = ConfigOf<typeof LORA_FIELDS>;

const SCHEDULES = [
  "constant",
  "constant_with_warmup",
  "linear",
  "cosine",
] as const satisfies readonly ScheduleName[];

/**
 * The fields every training run has, with `TrainingArguments`' defaults
 * (trainers override `learning_rate` and `logging_steps` as TRL does).
 */
/**
 * transformers' `BitsAndBytesConfig` fields for QLoRA's 4-bit base, in the
 * `quantization` section of a config: NF4 only (FP4, bitsandbytes' own
 * default, is not implemented), block size 64, float32 compute.
 */
export const QUANTIZATION_FIELDS = {
  loadIn4bit: field.boolean("load_in_4bit", {
    default: true,
    doc: "hold the base model's linear weights as 4-bit NF4 codes (QLoRA)",
  }),
  quantType: field.choice("bnb_4bit_quant_type", ["nf4"] as const, {
    default: "nf4",
    doc: "the 4-bit data type (NormalFloat 4)",
  }),
  doubleQuant: field.boolean("bnb_4bit_use_double_quant", {
    default: false,
    doc: "quantize the per-block scales to 8 bits too",
  }),
  computeDtype: field.choice("bnb_4bit_compute_dtype", ["float32"] as const, {
    default: "float32",
    doc: "the dtype products are computed in",
  }),
};

/** A parsed `quantization` section. */
export type QuantizationConfig = ConfigOf<typeof QUANTIZATION_FIELDS>;

export const RUN_FIELDS = {
  model: field.string("model", {
    // Shown by its repo path: the absolute one differs per checkout.
    default: derived(() => DEFAULT_MODEL_DIR, "checkpoints/tiny-base"),
    doc: "model folder or hub id (default: the embedded default model)",
  }),
  trainData: field.string("train_data", {
    doc: "training data file (JSON, JSONL, CSV, Parquet)",
  }),
  outputDir: field.string("output_dir", {
    doc: "where checkpoints, metrics and the final weights go",
  }),
  lora: field.section("lora", LORA_FIELDS, {
    doc: "PEFT LoRA settings; absent: full fine-tuning",
  }),
  quantization: field.section("quantization", QUANTIZATION_FIELDS, {
    doc:
      "BitsAndBytesConfig for a 4-bit (NF4) frozen base: QLoRA, with lora; absent: float32",
  }),
  initAdapter: field.string("init_adapter", {
    default: null,
    doc: "continue from this PEFT adapter folder instead of a fresh LoRA",
  }),
  learningRate: field.number("learning_rate", {
    // 0 would train nothing (and the schedule refuses it by its own name).
    above: 0,
    max: 1,
    default: 5e-5,
    doc: "peak learning rate of AdamW",
  }),
  weightDecay: field.number("weight_decay", {
    min: 0,
    max: 1,
    default: 0,
    doc: "AdamW's decoupled weight decay (none on biases and norms)",
  }),
  adamBeta1: field.number("adam_beta1", {
    min: 0,
    max: 0.999999,
    default: 0.9,
    doc: "AdamW β1",
  }),
  adamBeta2: field.number("adam_beta2", {
    min: 0,
    max: 0.999999,
    default: 0.999,
    doc: "AdamW β2",
  }),
  adamEpsilon: field.number("adam_epsilon", {
    min: 0,
    max: 1,
    default: 1e-8,
    doc: "AdamW ε",
  }),
  schedule: field.choice("lr_scheduler_type", SCHEDULES, {
    default: "linear",
    doc: "learning-rate schedule after warmup",
  }),
  warmupSteps: field.integer("warmup_steps", {
    default: 0,
    doc: "warmup steps (overrides warmup_ratio when > 0)",
  }),
  warmupRatio: field.number("warmup_ratio", {
    min: 0,
    max: 1,
    default: 0,
    doc: "warmup as a fraction of the total steps",
  }),
  maxGradNorm: field.number("max_grad_norm", {
    min: 0,
    default: 1,
    doc: "clip the global gradient norm to this (0: no clipping)",
  }),
  batchSize: field.integer("per_device_train_batch_size", {
    min: 1,
    default: 8,
    doc: "sequences per micro-batch",
  }),
  gradientAccumulationSteps: field.integer("gradient_accumulation_steps", {
    min: 1,
    default: 1,
    doc: "micro-batches per optimizer step",
  }),
  loggingSteps: field.integer("logging_steps", {
    min: 1,
    default: 500,
    doc: "write a metrics record every this many steps",
  }),
  saveSteps: field.integer("save_steps", {
    default: 500,
    doc: "checkpoint every this many steps (0: only the final save)",
  }),
  saveTotalLimit: field.integer("save_total_limit", {
    default: 0,
    doc: "keep at most this many checkpoints (0: keep all)",
  }),
  seed: field.integer("seed", {
    default: 42,
    doc: "seed of initialisation, data order and sampling",
  }),
  gradientCheckpointing: field.boolean("gradient_checkpointing", {
    default: false,
    doc: "recompute each decoder layer in the backward pass to save memory",
  }),
  reportTo: reportToField(),
  runName: field.string("run_name", {
    default: null,
    doc: "the run's name on W&B (default: output_dir's last folder)",
  }),
};

/** What every training run is configured with. */
export type TrainingRunConfig = ConfigOf<typeof RUN_FIELDS>;

/**
 * The rules that span run fields, named by their config fields (the
 * schedule would otherwise refuse them mid-run by its own names):
 * "constant" has no warmup, a warmup cannot outlast `max_steps` (when
 * known; SFT's epoch-based total is checked when the run starts), and a
 * 4-bit base trains adapters only.
 */
export function checkRunFields(
  config:
    & Pick<TrainingRunConfig, "schedule" | "warmupSteps" | "warmupRatio">
    & Partial<Pick<TrainingRunConfig, "quantization" | "lora">>,
  maxSteps: number,
  reader: FieldReader,
): void {
  if (config.quantization?.loadIn4bit && !config.lora) {
    throw reader.error(
      "quantization",
      'holds the base weights in 4 bits, which cannot be fine-tuned in full: add a "lora" section (QLoRA trains adapters on the frozen 4-bit base)',
    );
  }
  if (config.schedule === "constant") {
    const warmup = config.warmupSteps > 0
      ? "warmup_steps"
      : config.warmupRatio > 0
      ? "warmup_ratio"
      : null;
    if (warmup) {
      throw reader.error(
        warmup,
        'asks for a warmup, which lr_scheduler_type "constant" does not have; use "constant_with_warmup"',
      );
    }
  }
  if (maxSteps > 0 && config.warmupSteps > maxSteps) {
    throw reader.error(
      "warmup_steps",
      `(${config.warmupSteps}) must be at most max_steps (${maxSteps})`,
    );
  }
}

/**
 * The length and evaluation fields of the trainers that pass over a dataset
 * in epochs (SFT, DPO, reward models; GRPO counts steps), declared once:
 * `unit` names what an epoch passes over and `evalUnit` what an evaluation
 * batch holds, for the docs.
 */
export function epochFields(unit: string, evalUnit: string) {
  return {
    maxSteps: field.integer("max_steps", {
      default: 0,
      doc: "optimizer steps; 0: num_train_epochs decides",
    }),
    numTrainEpochs: field.number("num_train_epochs", {
      min: 0,
      max: 1e6,
      default: 3,
      doc: `passes over the ${unit} when max_steps is 0`,
    }),
    evalSteps: field.integer("eval_steps", {
      default: 0,
      doc:
        "evaluate every this many steps (0: only at the end, with eval_data)",
    }),
    evalBatchSize: field.integer("per_device_eval_batch_size", {
      min: 1,
      default: 8,
      doc: `${evalUnit} per evaluation batch`,
    }),
  };
}

/**
 * The rules of an epoch-based run that span fields: the schedule's (see
 * {@link checkRunFields}) and a length from max_steps or epochs.
 */
export function checkEpochRunFields(
  config:
    & Pick<TrainingRunConfig, "schedule" | "warmupSteps" | "warmupRatio">
    & Partial<Pick<TrainingRunConfig, "quantization" | "lora">>
    & { maxSteps: number; numTrainEpochs: number },
  reader: FieldReader,
): void {
  checkRunFields(config, config.maxSteps, reader);
  if (config.maxSteps === 0 && config.numTrainEpochs === 0) {
    throw reader.error("max_steps", "or num_train_epochs must be positive");
  }
}

/** The load settings of a config's `quantization` section (none when absent or off). */
export function quantizationOf(
  config: Pick<TrainingRunConfig, "quantization">,
): { doubleQuant: boolean } | undefined {
  const q = config.quantization;
  return q?.loadIn4bit ? { doubleQuant: q.doubleQuant } : undefined;
}
