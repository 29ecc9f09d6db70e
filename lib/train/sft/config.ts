/**
 * The SFT run configuration, read from a JSON file whose field names follow
 * TRL's `SFTConfig` / transformers' `TrainingArguments` (snake_case) and
 * PEFT's `LoraConfig` for the `lora` section, so a TRL user can carry a
 * config over. Unknown fields are errors (a typo must not silently fall back
 * to a default).
 *
 * @module
 */
import { FieldReader } from "../../util/fields.ts";
import {
  parseRunFields,
  RUN_FIELDS,
  type TrainingRunConfig,
} from "../run_config.ts";

/** A validated SFT run: the shared run fields plus SFT's own. */
export interface SftConfig extends TrainingRunConfig {
  /** Optional evaluation data file. */
  evalData: string | null;
  maxLength: number;
  packing: boolean;
  /** Optimizer steps; when 0, `numTrainEpochs` decides. */
  maxSteps: number;
  numTrainEpochs: number;
  /** Evaluate every this many steps (0: only at the end, when eval data is given). */
  evalSteps: number;
  evalBatchSize: number;
}

const SFT_FIELDS = [
  ...RUN_FIELDS,
  "eval_data",
  "max_length",
  "packing",
  "max_steps",
  "num_train_epochs",
  "eval_steps",
  "per_device_eval_batch_size",
] as const;

/** Validates a parsed JSON config; `source` names the file in errors. */
export function parseSftConfig(json: unknown, source: string): SftConfig {
  const r = FieldReader.of(json, source);
  r.onlyKnown(SFT_FIELDS);
  const lora = r.has("lora");
  const config: SftConfig = {
    // TRL's SFTConfig learning rate is 2e-5; LoRA runs use 2e-4 (PEFT's examples).
    ...parseRunFields(r, {
      learningRate: lora ? 2e-4 : 2e-5,
      loggingSteps: 10,
    }),
    evalData: r.has("eval_data") ? r.string("eval_data") : null,
    maxLength: r.positiveInt("max_length", 1024),
    packing: r.bool("packing", false),
    maxSteps: r.int("max_steps", 0),
    numTrainEpochs: r.numberIn("num_train_epochs", 0, 1e6, 3),
    evalSteps: r.int("eval_steps", 0),
    evalBatchSize: r.positiveInt("per_device_eval_batch_size", 8),
  };
  if (config.maxSteps === 0 && config.numTrainEpochs === 0) {
    throw r.error("max_steps", "or num_train_epochs must be positive");
  }
  return config;
}
