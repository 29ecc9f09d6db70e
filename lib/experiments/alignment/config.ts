/**
 * The experiment file of the alignment-paradigms study: Gemma-Alignment-
 * Paradigms' YAML fields (alignment.md §1.3), each declared once with its
 * type, range, default and what tunebook does with it. Its defaults are the
 * reference project's, except where tunebook runs offline (the model) or
 * where the reference's value was a defect (§1.13).
 *
 * Fields the reference reads nowhere (`model.size`, `rl.rollout_size`,
 * `reward.trainable.*`, `logging.wandb_project`/`wandb_entity`) are accepted, so its files load,
 * and documented as unused; fields tunebook cannot honour are errors that
 * say why (8-bit loading, fp16).
 *
 * @module
 */
import {
  type ConfigOf,
  defineConfig,
  field,
} from "../../util/config_fields.ts";
import {
  LOGGING_FIELDS,
  MODEL_FIELDS,
  REWARD_FIELDS,
  RL_FIELDS,
  TRAINING_FIELDS,
} from "./sections.ts";

/** The tasks (data/<task>/ train.jsonl and eval.jsonl; tasks.ts). */
export const TASKS = ["safety", "clinical", "conala"] as const;

/** The tasks with preference pairs, which DPO and a trained reward model need. */
export const TASKS_WITH_PAIRS: readonly string[] = ["safety"];

/** The whole experiment file. */
export const EXPERIMENT_FIELDS = {
  task: field.choice("task", TASKS, {
    default: "safety",
    doc:
      "safety (preference pairs), clinical (dialogue → summary) or conala (intent → Python)",
  }),
  datasetPath: field.string("dataset_path", {
    default: null,
    doc:
      "a folder with {task}/train.jsonl and eval.jsonl (default: the shipped data/)",
  }),
  seed: field.integer("seed", { default: 42, doc: "seed of every stage" }),
  device: field.choice("device", ["auto", "cpu", "cuda"] as const, {
    default: "auto",
    doc:
      "auto: the best engine here; cpu: wasm + OpenBLAS; cuda: tfjs-node-gpu (must be installed)",
  }),
  debug: field.boolean("debug", {
    default: false,
    doc: "the whole pipeline on a few rows and steps (also --debug)",
  }),
  model: field.section("model", MODEL_FIELDS, { doc: "the model and PEFT" }),
  training: field.section("training", TRAINING_FIELDS, {
    doc: "the optimizer and the mode",
  }),
  rl: field.section("rl", RL_FIELDS, { doc: "the RL algorithm" }),
  reward: field.section("reward", REWARD_FIELDS, { doc: "RL's reward" }),
  logging: field.section("logging", LOGGING_FIELDS, {
    doc: "intervals and folders",
  }),
};

/** A parsed experiment file (sections present: defaults.yml fills them). */
export type ExperimentConfig = ConfigOf<typeof EXPERIMENT_FIELDS>;

/** The experiment file's declaration and its cross-field rules. */
export const EXPERIMENT_CONFIG = defineConfig({
  name: "alignment experiment",
  fields: EXPERIMENT_FIELDS,
  check(config, reader) {
    const model = config.model, training = config.training;
    if (model?.loadIn8bit) {
      throw reader.error(
        "model.load_in_8bit",
        "is not supported (8-bit LLM.int8 weights): use peft_type qlora for a 4-bit NF4 base",
      );
    }
    if (model && model.loadIn4bit !== (model.peftType === "qlora")) {
      throw reader.error(
        "model.load_in_4bit",
        model.loadIn4bit
          ? `is true but peft_type is "${model.peftType}": 4-bit weights need peft_type qlora (LoRA on the frozen NF4 base)`
          : 'is false but peft_type is "qlora", which loads the base in 4 bits: set load_in_4bit: true',
      );
    }
    if (config.rl && config.rl.entropyCoeff > 0) {
      throw reader.error(
        "rl.entropy_coeff",
        `is ${config.rl.entropyCoeff}, but TRL's PPO and GRPO add no entropy bonus: set 0`,
      );
    }
    if (config.rl?.targetKl != null) {
      throw reader.error(
        "rl.target_kl",
        "is not supported (TRL's PPO has no early stop on KL): remove it or set null",
      );
    }
    const rl = config.rl, reward = config.reward;
    if (
      !TASKS_WITH_PAIRS.includes(config.task) && training?.mode !== "sft" && rl
    ) {
      if (rl.algorithm === "dpo") {
        throw reader.error(
          "rl.algorithm",
          `is dpo, which needs preference pairs, and task "${config.task}" has none (${
            TASKS_WITH_PAIRS.join(", ")
          } has them)`,
        );
      }
      if (
        reward && reward.type !== "heuristic" &&
        !reward.trainable?.checkpointPath
      ) {
        throw reader.error(
          "reward.type",
          `is ${reward.type}, which trains a reward model on preference pairs, and task "${config.task}" has none: use heuristic, or set reward.trainable.checkpoint_path to a trained reward model`,
        );
      }
    }
    if (training?.fp16) {
      throw reader.error(
        "training.fp16",
        "is not supported: tunebook computes in float32 (remove it or set false)",
      );
    }
  },
});
