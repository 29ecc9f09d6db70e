/**
 * `adapter_config.json`: PEFT's LoraConfig as `save_pretrained` writes it
 * (every field, keys sorted, two-space indent), and reading one back into a
 * {@link LoraConfig}, refusing the PEFT features tunebook does not implement.
 *
 * @module
 */
import type { ModelConfig } from "../model/config.ts";
import { FieldReader } from "../util/fields.ts";
import {
  checkRegex,
  type LoraConfig,
  resolveTargets,
  shortName,
  type TargetModules,
} from "./config.ts";

/** The file name PEFT uses. */
export const ADAPTER_CONFIG_FILE = "adapter_config.json";

/**
 * PEFT's `task_type` of a tunebook adapter: a causal LM, or a sequence
 * classifier (a reward model: LoRA on the decoder plus the whole `score`
 * head, lib/model/sequence_classifier.ts).
 */
export type PeftTaskType = "CAUSAL_LM" | "SEQ_CLS";

/**
 * What `PeftModelForSequenceClassification` sets `modules_to_save` to when
 * the LoraConfig has none: PEFT 5d602fdb `src/peft/peft_model.py` appends
 * `["classifier", "score"]` before wrapping, and save_pretrained writes the
 * list so. Only `score` exists on a Llama or Gemma classifier.
 */
export const SEQ_CLS_MODULES_TO_SAVE = ["classifier", "score"];

/**
 * The fields PEFT's LoraConfig.to_dict() writes (PeftConfig's plus
 * LoraConfig's, without runtime_config), for a plain LoRA on a causal LM
 * or, with `taskType` "SEQ_CLS", on a sequence classifier (its score head
 * saved whole through `modules_to_save`). `modules` are the resolved
 * targets, used when the config says "all-linear": PEFT expands that
 * shorthand before saving, and writes the layers' short names.
 */
export function peftConfigObject(
  lora: LoraConfig,
  modules: readonly string[],
  baseModel: string,
  taskType: PeftTaskType = "CAUSAL_LM",
): Record<string, unknown> {
  const targets = lora.targetModules;
  const targetModules = targets === "all-linear"
    ? [...new Set(modules.map(shortName))]
    : Array.isArray(targets)
    ? [...targets]
    : targets.regex;
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: "none",
    corda_config: null,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: lora.init === "gaussian" ? "gaussian" : true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: lora.alpha,
    lora_bias: false,
    lora_dropout: lora.dropout,
    megatron_config: null,
    megatron_core: "megatron.core",
    modules_to_save: taskType === "SEQ_CLS"
      ? [...SEQ_CLS_MODULES_TO_SAVE]
      : null,
    peft_type: "LORA",
    qalora_group_size: 16,
    r: lora.r,
    rank_pattern: {},
    revision: null,
    target_modules: targetModules,
    task_type: taskType,
    trainable_token_indices: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: lora.useRslora,
  };
}

/**
 * The text of `adapter_config.json` as Python's
 * `json.dumps(d, indent=2, sort_keys=True)` prints it (lora_dropout is a
 * float there, so 0 prints as 0.0).
 */
export function peftConfigText(object: Record<string, unknown>): string {
  const sorted = Object.fromEntries(
    Object.keys(object).sort().map((k) => [k, object[k]]),
  );
  return JSON.stringify(sorted, null, 2).replace(
    /^( {2}"lora_dropout": )(-?\d+)(,?)$/m,
    "$1$2.0$3",
  );
}

/** What an `adapter_config.json` says, in tunebook's terms. */
export interface PeftAdapterConfig {
  lora: LoraConfig;
  baseModel: string | null;
  /** CAUSAL_LM, or SEQ_CLS for a reward model's adapter (with its score head). */
  taskType: PeftTaskType;
}

/** init_lora_weights values that change the base weights, so the adapter is meaningless on the original base model. */
const BASE_CHANGING_INITS = /^(pissa.*|olora|corda|loftq)$/;

/**
 * Reads a parsed `adapter_config.json`. Fields tunebook does not know are
 * ignored (PEFT adds fields often); PEFT features it does not implement are
 * errors naming the field. `where` is the file path, for errors.
 */
export function parsePeftAdapterConfig(
  json: unknown,
  where: string,
): PeftAdapterConfig {
  const reader = FieldReader.of(json, where);
  const peftType = reader.string("peft_type");
  if (peftType !== "LORA") {
    throw reader.error(
      "peft_type",
      `is ${
        JSON.stringify(peftType)
      }; tunebook loads LoRA adapters only ("LORA")`,
    );
  }
  const taskType = reader.string("task_type", "CAUSAL_LM");
  if (taskType !== "CAUSAL_LM" && taskType !== "SEQ_CLS") {
    throw reader.error(
      "task_type",
      `is ${
        JSON.stringify(taskType)
      }; tunebook loads causal-LM adapters ("CAUSAL_LM") and reward-model adapters ("SEQ_CLS")`,
    );
  }
  // A SEQ_CLS adapter saves its score head whole; PEFT adds "classifier"
  // and "score" itself, so null means the same.
  const headOnly = (v: unknown) =>
    v === null ||
    (Array.isArray(v) && v.every((m) => SEQ_CLS_MODULES_TO_SAVE.includes(m)));
  const unsupported = (
    field: string,
    isDefault: (v: unknown) => boolean,
    what: string,
  ) => {
    const v = reader.json[field];
    if (v !== undefined && !isDefault(v)) {
      throw reader.error(
        field,
        `is ${JSON.stringify(v)}, but ${what} is not supported by tunebook`,
      );
    }
  };
  const isNullish = (v: unknown) => v === null;
  const isEmpty = (v: unknown) =>
    v === null ||
    (typeof v === "object" && Object.keys(v as object).length === 0);
  unsupported("use_dora", (v) => v === false, "DoRA (use_dora: true)");
  unsupported(
    "bias",
    (v) => v === "none",
    `training biases (bias other than "none")`,
  );
  unsupported(
    "lora_bias",
    (v) => v === false,
    "a bias on LoRA B (lora_bias: true)",
  );
  unsupported(
    "modules_to_save",
    taskType === "SEQ_CLS" ? headOnly : isEmpty,
    taskType === "SEQ_CLS"
      ? "saving whole modules other than the score head (modules_to_save)"
      : "saving whole modules (modules_to_save)",
  );
  unsupported(
    "fan_in_fan_out",
    (v) => v === false,
    "fan_in_fan_out (GPT-2 Conv1D layout)",
  );
  unsupported("rank_pattern", isEmpty, "per-module ranks (rank_pattern)");
  unsupported("alpha_pattern", isEmpty, "per-module alphas (alpha_pattern)");
  unsupported("layers_to_transform", isNullish, "layers_to_transform");
  unsupported("layer_replication", isNullish, "layer_replication");
  unsupported("exclude_modules", isEmpty, "exclude_modules");
  unsupported("trainable_token_indices", isEmpty, "trainable_token_indices");
  unsupported("target_parameters", isEmpty, "target_parameters");
  unsupported("use_qalora", (v) => v === false, "QALoRA (use_qalora: true)");

  const init = reader.json.init_lora_weights;
  if (typeof init === "string" && BASE_CHANGING_INITS.test(init)) {
    throw reader.error(
      "init_lora_weights",
      `is ${
        JSON.stringify(init)
      }: this initialisation changes the base weights, so the adapter only works on the modified base model (convert it to a plain LoRA with PEFT first)`,
    );
  }
  const alpha = reader.number("lora_alpha", 8);
  if (alpha <= 0) {
    throw reader.error("lora_alpha", `must be a positive number, got ${alpha}`);
  }
  const dropout = reader.number("lora_dropout", 0);
  if (dropout < 0 || dropout >= 1) {
    throw reader.error(
      "lora_dropout",
      `must be a probability in [0, 1), got ${dropout}`,
    );
  }
  const baseModel = reader.json.base_model_name_or_path;
  return {
    lora: {
      r: reader.positiveInt("r", 8),
      alpha,
      dropout,
      targetModules: peftTargets(reader),
      useRslora: reader.bool("use_rslora", false),
      init: init === "gaussian" ? "gaussian" : "default",
    },
    baseModel: typeof baseModel === "string" ? baseModel : null,
    taskType,
  };
}

/** PEFT's target_modules: a list, "all-linear", a regex string, or null (the family default). */
function peftTargets(reader: FieldReader): TargetModules {
  const v = reader.json.target_modules;
  // PEFT's built-in default for llama and gemma3_text models.
  if (v === undefined || v === null) return ["q_proj", "v_proj"];
  if (typeof v === "string") {
    if (v.toLowerCase() === "all-linear") return "all-linear";
    return { regex: checkRegex(reader, "target_modules", v) };
  }
  if (
    Array.isArray(v) && v.length > 0 &&
    v.every((x) => typeof x === "string" && x !== "")
  ) {
    return [...new Set(v as string[])];
  }
  throw reader.error(
    "target_modules",
    `must be a list of module names, "all-linear" or a regular expression, got ${
      JSON.stringify(v)
    }`,
  );
}

/** The modules a read config selects on `model`, with the file named in errors. */
export function resolveFileTargets(
  lora: LoraConfig,
  model: ModelConfig,
  where: string,
): string[] {
  try {
    return resolveTargets(lora, { config: model });
  } catch (error) {
    throw new Error(
      `${where}: target_modules do not fit this model: ${
        (error as Error).message
      }`,
    );
  }
}
