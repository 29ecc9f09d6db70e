/**
 * The sections of the alignment experiment file (`model`, `training`,
 * `rl`, `reward`, `logging`), each field declared once with the reference
 * project's name (config.ts puts them together and checks them).
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../../model/default_model.ts";
import { derived, field } from "../../util/config_fields.ts";

/** The reference project's `model` section. */
export const MODEL_FIELDS = {
  baseCheckpoint: field.string("base_checkpoint", {
    default: derived(() => DEFAULT_MODEL_DIR, "checkpoints/tiny-base"),
    doc:
      "model folder or hub id (the reference's default, google/gemma-3-270m-it, needs a download)",
  }),
  size: field.string("size", {
    default: null,
    doc: "informational label (the reference reads it nowhere)",
  }),
  peftType: field.choice("peft_type", ["lora", "qlora", "none"] as const, {
    default: "lora",
    doc:
      "lora; qlora: LoRA on a 4-bit NF4 base; none: full fine-tuning (also in RL, which the reference ran full whatever this said)",
  }),
  peftRank: field.integer("peft_rank", { min: 1, default: 8, doc: "LoRA r" }),
  peftAlpha: field.number("peft_alpha", {
    above: 0,
    default: 16,
    doc: "lora_alpha",
  }),
  peftDropout: field.number("peft_dropout", {
    min: 0,
    max: 0.99,
    default: 0.1,
    doc: "lora_dropout",
  }),
  peftTargetModules: field.stringList("peft_target_modules", {
    default: ["q_proj", "k_proj", "v_proj", "o_proj"],
    doc: 'modules to adapt, or ["all-linear"]',
  }),
  loadIn4bit: field.boolean("load_in_4bit", {
    default: false,
    doc: "NF4 base weights; implied by (and only with) peft_type qlora",
  }),
  loadIn8bit: field.boolean("load_in_8bit", {
    default: false,
    doc: "not supported (8-bit LLM.int8 weights); use peft_type qlora",
  }),
};

/** The `training` section. */
export const TRAINING_FIELDS = {
  mode: field.choice("mode", ["sft", "rl", "staged"] as const, {
    default: "sft",
    doc:
      "sft: SFT + PEFT; rl: RL only (rl.algorithm); staged: SFT, then RL from the SFT policy",
  }),
  epochs: field.number("epochs", {
    above: 0,
    max: 1e6,
    default: 3,
    doc: "passes over the training rows (num_train_epochs)",
  }),
  batchSize: field.integer("batch_size", {
    min: 1,
    default: 4,
    doc: "rows per device step (per_device_train_batch_size)",
  }),
  gradientAccumulationSteps: field.integer("gradient_accumulation_steps", {
    min: 1,
    default: 4,
    doc: "micro-batches per optimizer step",
  }),
  learningRate: field.number("learning_rate", {
    above: 0,
    max: 1,
    default: 5e-5,
    doc:
      "peak AdamW learning rate (5e-5 is a number here; PyYAML read it as a string)",
  }),
  weightDecay: field.number("weight_decay", {
    min: 0,
    max: 1,
    default: 0.01,
    doc: "AdamW weight decay (none on biases and norms)",
  }),
  warmupRatio: field.number("warmup_ratio", {
    min: 0,
    max: 1,
    default: 0.1,
    doc: "share of steps of linear warmup, then linear decay to 0",
  }),
  maxGradNorm: field.number("max_grad_norm", {
    min: 0,
    default: 1,
    doc: "gradient clipping (0: off)",
  }),
  maxSeqLength: field.integer("max_seq_length", {
    min: 8,
    default: 512,
    doc: "tokens per training row, cut to the model's context",
  }),
  fp16: field.boolean("fp16", {
    default: false,
    doc: "not supported: tunebook computes in float32",
  }),
  bf16: field.boolean("bf16", {
    default: true,
    doc:
      "accepted; tunebook computes in float32 (bf16 checkpoints load as float32)",
  }),
};

/** The `rl` section. */
export const RL_FIELDS = {
  algorithm: field.choice("algorithm", ["ppo", "grpo", "dpo"] as const, {
    default: "ppo",
    doc: "TRL's PPO (value model, GAE), GRPO (groups, clipped ratio) or DPO",
  }),
  learningRate: field.number("learning_rate", {
    above: 0,
    max: 1,
    default: null,
    doc:
      "tunebook's: the RL stage's peak learning rate (absent: training.learning_rate; staged runs want their own)",
  }),
  rolloutSize: field.integer("rollout_size", {
    min: 1,
    default: 64,
    doc:
      "unused (the reference only logged it); rollouts are batch_size × gradient_accumulation_steps prompts",
  }),
  numPpoEpochs: field.integer("num_ppo_epochs", {
    min: 1,
    default: 4,
    doc: "PPO passes over each rollout (GRPO: num_iterations)",
  }),
  ppoClip: field.number("ppo_clip", {
    above: 0,
    max: 1,
    default: 0.2,
    doc: "ratio clip ε (PPO cliprange, GRPO epsilon)",
  }),
  entropyCoeff: field.number("entropy_coeff", {
    min: 0,
    default: 0,
    doc:
      "must be 0: TRL's PPO and GRPO add no entropy bonus (the reference's 0.01 weighted its own loss term)",
  }),
  klCoef: field.number("kl_coef", {
    min: 0,
    default: 0.1,
    doc: "KL penalty to the reference (PPO kl_coef, GRPO beta)",
  }),
  dpoBeta: field.number("dpo_beta", {
    above: 0,
    default: 0.1,
    doc: "DPO β",
  }),
  valueCoeff: field.number("value_coeff", {
    min: 0,
    default: 0.1,
    doc: "PPO vf_coef (TRL's 0.1; the reference had no value model)",
  }),
  gamma: field.number("gamma", {
    min: 0,
    max: 1,
    default: 1,
    doc: "PPO discount",
  }),
  lam: field.number("lam", {
    min: 0,
    max: 1,
    default: 0.95,
    doc: "PPO GAE λ",
  }),
  targetKl: field.number("target_kl", {
    above: 0,
    default: null,
    doc: "not supported (TRL's PPO has no early stop on KL): absent or null",
  }),
};

/** The `reward.heuristic` section: the reference's keyword heuristic. */
export const HEURISTIC_FIELDS = {
  toxicityThreshold: field.number("toxicity_threshold", {
    min: 0,
    default: 0.3,
    doc: "share of toxic words above which the reward drops",
  }),
  toxicityWeight: field.number("toxicity_weight", {
    min: 0,
    default: 0.5,
    doc: "penalty per unit of toxic share",
  }),
  lengthPenalty: field.number("length_penalty", {
    min: 0,
    default: 0,
    doc: "penalty for replies under 20 or over 1000 characters",
  }),
  repetitionPenalty: field.number("repetition_penalty", {
    min: 0,
    default: 0.1,
    doc: "penalty for a low unique-word ratio",
  }),
};

/** The `reward.trainable` section (the reference reads none of it but `hidden_size`/`num_layers` for its own network). */
export const TRAINABLE_FIELDS = {
  architecture: field.string("architecture", {
    default: null,
    doc:
      "unused: the reward model is the policy's backbone + a score head (TRL RewardTrainer)",
  }),
  hiddenSize: field.integer("hidden_size", {
    min: 1,
    default: null,
    doc: "unused (see architecture)",
  }),
  numLayers: field.integer("num_layers", {
    min: 1,
    default: null,
    doc: "unused (see architecture)",
  }),
  learningRate: field.number("learning_rate", {
    above: 0,
    max: 1,
    default: 2e-5,
    doc: "the reward model's learning rate",
  }),
  checkpointPath: field.string("checkpoint_path", {
    default: null,
    doc:
      "a trained reward model (folder or SEQ_CLS adapter) to use instead of training one",
  }),
};

/** The `reward` section. */
export const REWARD_FIELDS = {
  type: field.choice("type", ["heuristic", "trainable", "hybrid"] as const, {
    default: "hybrid",
    doc:
      "heuristic: the keyword heuristic; trainable: a reward model; hybrid: alpha·heuristic + beta·model",
  }),
  alpha: field.number("alpha", {
    min: 0,
    default: 0.5,
    doc: "weight of the heuristic in hybrid",
  }),
  beta: field.number("beta", {
    min: 0,
    default: 0.5,
    doc: "weight of the reward model in hybrid",
  }),
  normalizeRewards: field.boolean("normalize_rewards", {
    default: true,
    doc: "z-score the combined reward over each batch (once)",
  }),
  clipRewards: field.number("clip_rewards", {
    above: 0,
    default: 10,
    doc: "clamp the combined reward to ±this",
  }),
  heuristic: field.section("heuristic", HEURISTIC_FIELDS, {
    doc: "the keyword heuristic's settings",
  }),
  trainable: field.section("trainable", TRAINABLE_FIELDS, {
    doc: "the reward model's settings",
  }),
};

/** The `logging` section. */
export const LOGGING_FIELDS = {
  wandbEnabled: field.boolean("wandb_enabled", {
    default: false,
    doc:
      "every stage also reports to Weights & Biases (report_to wandb; needs WANDB_API_KEY); metrics.jsonl is always written",
  }),
  wandbProject: field.string("wandb_project", {
    default: null,
    doc: "unused: W&B reads WANDB_PROJECT from the environment or .env",
  }),
  wandbEntity: field.string("wandb_entity", {
    default: null,
    doc: "unused: W&B reads WANDB_ENTITY from the environment or .env",
  }),
  logInterval: field.integer("log_interval", {
    min: 1,
    default: 50,
    doc: "optimizer steps between metric records (logging_steps)",
  }),
  evalInterval: field.integer("eval_interval", {
    min: 1,
    default: 500,
    doc: "steps between held-out evaluations (eval_steps)",
  }),
  saveInterval: field.integer("save_interval", {
    min: 1,
    default: 1000,
    doc: "steps between checkpoints (save_steps)",
  }),
  outputDir: field.string("output_dir", {
    default: "results/alignment",
    doc: "where each run's folder (resolved config, metrics, results) goes",
  }),
  checkpointDir: field.string("checkpoint_dir", {
    default: "checkpoints/alignment",
    doc: "where each run's checkpoints and adapters go",
  }),
};
