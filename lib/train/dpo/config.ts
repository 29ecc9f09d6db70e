/**
 * The DPO run configuration: a JSON file with TRL's `DPOConfig` field names
 * and defaults (alignment.md §2), TRL's script names for the dataset
 * (`dataset_config`, `dataset_train_split`, `dataset_test_split`), and a
 * PEFT-named `lora` section as for SFT. Each field is declared once below;
 * unknown fields are errors, as in every trainer.
 *
 * Left out on purpose (TRL fields refused as unknown): `ld_alpha`,
 * `use_weighting` (WPO needs the log-sum-exp of doubled logits over the
 * vocabulary), `sync_ref_model` (TR-DPO; TRL itself refuses it with PEFT),
 * `padding_free` and the MoE/offloading switches. `gradient_checkpointing`
 * keeps the shared default (false; DPOConfig's is true): recomputing layers
 * only pays where activations would not fit, and the field says so.
 *
 * @module
 */
import {
  type ConfigOf,
  defineConfig,
  field,
  parseConfig,
  withDefaults,
} from "../../util/config_fields.ts";
import { checkEpochRunFields, epochFields, RUN_FIELDS } from "../run_config.ts";
import { DPO_LOSS_TYPES, type DpoLossType, F_DIVERGENCES } from "./loss.ts";

/** DPO's fields: the shared run fields (with DPOConfig's defaults) plus its own. */
export const DPO_FIELDS = {
  ...withDefaults(RUN_FIELDS, {
    // DPOConfig: learning rate 1e-6 (its docs suggest ≈1e-5 for adapters),
    // a log line every 10 steps.
    learningRate: 1e-6,
    loggingSteps: 10,
  }),
  // The shared fields, as DPO reads them (same names and defaults).
  trainData: {
    ...RUN_FIELDS.trainData,
    doc: "preference pairs: a data file, a data folder or a hub dataset id",
  },
  batchSize: {
    ...RUN_FIELDS.batchSize,
    doc: "pairs per micro-batch (2 sequences each: chosen, rejected)",
  },
  datasetConfig: field.string("dataset_config", {
    default: null,
    doc: "config (subset) of a hub dataset or data folder, e.g. harmless-base",
  }),
  datasetTrainSplit: field.string("dataset_train_split", {
    default: "train",
    doc: 'split of train_data, optionally sliced ("train[:1000]")',
  }),
  evalData: field.string("eval_data", {
    default: null,
    doc: "held-out preference pairs (file, folder or hub id)",
  }),
  datasetTestSplit: field.string("dataset_test_split", {
    default: "test",
    doc: "split of eval_data (a single file is read whole unless sliced)",
  }),
  beta: field.number("beta", {
    above: 0,
    default: 0.1,
    doc: "strength of the pull towards the reference (IPO's τ)",
  }),
  lossType: field.stringList<DpoLossType[]>("loss_type", {
    default: ["sigmoid"],
    doc: `one or more of ${DPO_LOSS_TYPES.join(", ")}`,
  }),
  lossWeights: field.numberList("loss_weights", {
    default: null,
    doc: "weight of each loss_type (default: 1 each)",
  }),
  labelSmoothing: field.number("label_smoothing", {
    min: 0,
    max: 0.999,
    default: 0,
    doc:
      "ε: flip probability of robust (< 0.5), smoothing of exo_pair (> 0) and aot",
  }),
  fDivergenceType: field.choice("f_divergence_type", F_DIVERGENCES, {
    default: "reverse_kl",
    doc: "f-DPO's divergence; reverse_kl is standard DPO",
  }),
  fAlphaDivergenceCoef: field.number("f_alpha_divergence_coef", {
    default: 0.5,
    doc: "α of alpha_divergence",
  }),
  discopopTau: field.number("discopop_tau", {
    above: 0,
    default: 0.05,
    doc: "τ of the discopop loss",
  }),
  maxLength: field.integer("max_length", {
    min: 1,
    default: 1024,
    doc:
      "tokens of prompt + completion, at most the context; completions lose their end, pairs whose prompt fills it are dropped",
  }),
  truncationMode: field.choice("truncation_mode", ["keep_start"] as const, {
    default: "keep_start",
    doc: "TRL's default (keep_end is deprecated there)",
  }),
  precomputeRefLogProbs: field.boolean("precompute_ref_log_probs", {
    default: false,
    doc:
      "compute the reference log-probs once before training (always done with init_adapter or without lora)",
  }),
  precomputeRefBatchSize: field.integer("precompute_ref_batch_size", {
    min: 1,
    default: null,
    doc: "pairs per precomputing batch (default: the train / eval batch size)",
  }),
  disableDropout: field.boolean("disable_dropout", {
    default: true,
    doc: "train without LoRA dropout, as TRL disables every dropout",
  }),
  ...epochFields("training pairs", "pairs"),
};

/** The DPO config: its fields and the rules that span several of them. */
export const DPO_CONFIG = defineConfig({
  name: "DPO",
  fields: DPO_FIELDS,
  check(config, reader) {
    checkEpochRunFields(config, reader);
    const types = config.lossType;
    if (types.length === 0) {
      throw reader.error("loss_type", "must name at least one loss type");
    }
    const unknown = types.find((t) =>
      !(DPO_LOSS_TYPES as readonly string[]).includes(t)
    );
    if (unknown !== undefined) {
      throw reader.error(
        "loss_type",
        `has unknown type ${JSON.stringify(unknown)}; use ${
          DPO_LOSS_TYPES.join(", ")
        }`,
      );
    }
    if (new Set(types).size !== types.length) {
      throw reader.error("loss_type", "names a type twice");
    }
    if (config.lossWeights && config.lossWeights.length !== types.length) {
      throw reader.error(
        "loss_weights",
        `has ${config.lossWeights.length} weights for ${types.length} loss types: give one per loss_type`,
      );
    }
    const eps = config.labelSmoothing;
    if (types.includes("robust") && eps >= 0.5) {
      throw reader.error(
        "label_smoothing",
        `(${eps}) must be below 0.5 for robust: it is the probability that a label is flipped`,
      );
    }
    if (types.includes("exo_pair") && eps === 0) {
      throw reader.error(
        "label_smoothing",
        "must be greater than 0 for exo_pair (its target distribution is [1 − ε, ε]; the EXO paper uses 1e-3)",
      );
    }
  },
});

/** A validated DPO run: the shared run fields plus DPO's own. */
export type DpoConfig = ConfigOf<typeof DPO_FIELDS>;

/** Validates a parsed JSON DPO config; `source` names the file in errors. */
export function parseDpoConfig(json: unknown, source: string): DpoConfig {
  return parseConfig(DPO_CONFIG, json, source);
}

/** Whether the reference log-probs are computed once, before the first step. */
export function precomputesReference(
  config: Pick<DpoConfig, "precomputeRefLogProbs" | "initAdapter" | "lora">,
): boolean {
  // A started adapter's reference is that adapter frozen, and full
  // fine-tuning has no adapter to switch off: both are the starting weights.
  return config.precomputeRefLogProbs || config.initAdapter !== null ||
    config.lora === null;
}
