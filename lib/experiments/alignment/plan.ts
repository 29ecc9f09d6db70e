/**
 * An experiment as stages of tunebook's TRL-named trainers:
 *
 * | mode     | stages                                                             |
 * | -------- | ------------------------------------------------------------------ |
 * | `sft`    | sft                                                                |
 * | `rl`     | dpo · or (reward) → ppo · or (reward) → grpo, from the base model    |
 * | `staged` | sft → the `rl` stages, starting from the SFT policy                 |
 *
 * (reward) trains a reward model (TRL RewardTrainer: the policy's backbone
 * with a score head, on the task's preference pairs) when `reward.type`
 * needs one and `reward.trainable.checkpoint_path` gives none.
 *
 * What differs from the reference project, on purpose (alignment.md §1.13):
 * staged RL's KL reference is the SFT policy it starts from (the reference
 * anchored it to the base model); RL honours `peft_type` (it ran every RL
 * stage in full); rollouts see the prompt alone; PPO is TRL's (value model,
 * GAE, token-level clipped ratios) and GRPO TRL's (groups of
 * completions); the reward is normalised once, in the trainer.
 *
 * @module
 */
import type { ResolvedExperiment } from "./load.ts";
import type { TaskFiles } from "./tasks.ts";

/** The trainers a stage can run. */
export type StageKind = "sft" | "reward" | "dpo" | "ppo" | "grpo";

/** One stage: which trainer, its config in the trainer's (TRL's) names. */
export interface Stage {
  kind: StageKind;
  config: Record<string, unknown> & { output_dir: string };
}

/** Completions per prompt of GRPO (TRL's default is 8; the reference had one). */
export const GRPO_GENERATIONS = 4;

/** Optimizer steps of `--debug` stages. */
export const DEBUG_STEPS = 2;

/** Tokens a PPO or GRPO rollout may generate (`--debug`: a few). */
function responseLength(config: ResolvedExperiment): number {
  return config.debug ? 16 : 128;
}

/** The stages of `config`, writing into `checkpointDir/<stage>`. */
export function planStages(
  config: ResolvedExperiment,
  files: TaskFiles,
  checkpointDir: string,
): Stage[] {
  const { model, training, rl, reward, logging } = config;
  const dir = (kind: StageKind) => `${checkpointDir}/${kind}`;
  const lora = model.peftType === "none" ? undefined : {
    r: model.peftRank,
    lora_alpha: model.peftAlpha,
    lora_dropout: model.peftDropout,
    target_modules: model.peftTargetModules,
  };
  const base = {
    model: model.baseCheckpoint,
    ...(lora ? { lora } : {}),
    ...(model.peftType === "qlora"
      ? {
        quantization: {
          load_in_4bit: true,
          bnb_4bit_quant_type: "nf4",
          bnb_4bit_use_double_quant: true,
        },
      }
      : {}),
    seed: config.seed,
    learning_rate: training.learningRate,
    weight_decay: training.weightDecay,
    lr_scheduler_type: "linear",
    warmup_ratio: training.warmupRatio,
    max_grad_norm: training.maxGradNorm,
    per_device_train_batch_size: training.batchSize,
    gradient_accumulation_steps: training.gradientAccumulationSteps,
    logging_steps: config.debug ? 1 : logging.logInterval,
    report_to: logging.wandbEnabled ? "wandb" : "none",
    save_steps: config.debug ? 0 : logging.saveInterval,
  };
  const length = { max_length: training.maxSeqLength };
  const budget = config.debug
    ? { max_steps: DEBUG_STEPS }
    : { num_train_epochs: training.epochs };
  const evaluated = {
    eval_steps: config.debug ? 1 : logging.evalInterval,
  };
  const stages: Stage[] = [];
  const needsPairs = (kind: StageKind) => {
    if (!files.trainPairs) {
      throw new Error(
        `${kind} needs preference pairs, and task "${config.task}" has none`,
      );
    }
    return { train_data: files.trainPairs, eval_data: files.evalPairs };
  };

  if (training.mode !== "rl") {
    stages.push({
      kind: "sft",
      config: {
        ...base,
        ...length,
        ...budget,
        ...evaluated,
        output_dir: dir("sft"),
        train_data: files.sft,
        eval_data: files.evalSft,
      },
    });
  }
  if (training.mode === "sft") return stages;

  // The RL stage starts from the SFT policy when staged (its adapter, or
  // its full weights without PEFT), which is then also its KL reference.
  const start = training.mode === "staged"
    ? lora ? { init_adapter: dir("sft") } : { model: dir("sft") }
    : {};
  // Staged RL runs max(1, ⌊epochs / 2⌋) epochs, as the reference's did,
  // at rl.learning_rate when given: SFT and RL rarely share a step size.
  const rlEpochs = training.mode === "staged"
    ? Math.max(1, Math.floor(training.epochs / 2))
    : training.epochs;
  const rlBudget = {
    learning_rate: rl.learningRate ?? training.learningRate,
    ...(config.debug
      ? { max_steps: DEBUG_STEPS }
      : { num_train_epochs: rlEpochs }),
  };

  if (rl.algorithm === "dpo") {
    stages.push({
      kind: "dpo",
      config: {
        ...base,
        ...start,
        ...length,
        ...rlBudget,
        ...evaluated,
        ...needsPairs("dpo"),
        output_dir: dir("dpo"),
        beta: rl.dpoBeta,
        loss_type: ["sigmoid"],
      },
    });
    return stages;
  }

  const rewardModel = reward.type === "heuristic"
    ? null
    : reward.trainable.checkpointPath ?? dir("reward");
  if (rewardModel === dir("reward")) {
    stages.push({
      kind: "reward",
      config: {
        ...base,
        ...length,
        ...budget,
        ...evaluated,
        ...needsPairs("reward"),
        output_dir: dir("reward"),
        learning_rate: reward.trainable.learningRate,
      },
    });
  }
  const rewards = rewardEntries(config, rewardModel);
  const rollout = { ...base, ...start, train_data: files.prompts, rewards };
  if (rl.algorithm === "ppo") {
    stages.push({
      kind: "ppo",
      config: {
        ...rollout,
        ...rlBudget,
        output_dir: dir("ppo"),
        ...(rewardModel ? { value_model_path: rewardModel } : {}),
        response_length: responseLength(config),
        stop_token: "eos",
        missing_eos_penalty: 1,
        num_ppo_epochs: rl.numPpoEpochs,
        cliprange: rl.ppoClip,
        kl_coef: rl.klCoef,
        vf_coef: rl.valueCoeff,
        gamma: rl.gamma,
        lam: rl.lam,
      },
    });
  } else {
    // TRL counts GRPO's batch in completions, whole groups of them: the
    // reference's batch_size × gradient_accumulation_steps rows become
    // that many completions a step, in groups of GRPO_GENERATIONS.
    const g = GRPO_GENERATIONS;
    const perDevice = g * Math.max(1, Math.floor(training.batchSize / g));
    const promptsPerStep = Math.max(
      1,
      Math.floor(training.batchSize * training.gradientAccumulationSteps / g),
    );
    stages.push({
      kind: "grpo",
      config: {
        ...rollout,
        learning_rate: rlBudget.learning_rate,
        output_dir: dir("grpo"),
        per_device_train_batch_size: perDevice,
        gradient_accumulation_steps: Math.ceil(promptsPerStep * g / perDevice),
        num_generations: GRPO_GENERATIONS,
        max_completion_length: responseLength(config),
        // GRPO counts its steps from the epochs as TRL does (every one of
        // num_iterations passes over a generation batch is a step).
        ...(config.debug
          ? { max_steps: DEBUG_STEPS }
          : { num_train_epochs: rlEpochs }),
        num_iterations: rl.numPpoEpochs,
        epsilon: rl.ppoClip,
        beta: rl.klCoef,
      },
    });
  }
  return stages;
}

/**
 * The `rewards` list of PPO and GRPO: the heuristic, the reward model, or
 * hybrid α·heuristic + β·model, normalised and clipped as configured.
 */
function rewardEntries(
  config: ResolvedExperiment,
  rewardModel: string | null,
): Record<string, unknown>[] {
  const { reward } = config;
  const heuristic = {
    name: "gemma_alignment_heuristic",
    toxicity_threshold: reward.heuristic.toxicityThreshold,
    toxicity_weight: reward.heuristic.toxicityWeight,
    length_penalty: reward.heuristic.lengthPenalty,
    repetition_penalty: reward.heuristic.repetitionPenalty,
  };
  const model = { name: "reward_model", path: rewardModel };
  const components = reward.type === "heuristic"
    ? [{ ...heuristic, weight: 1 }]
    : reward.type === "trainable"
    ? [{ ...model, weight: 1 }]
    : [
      { ...heuristic, weight: reward.alpha },
      { ...model, weight: reward.beta },
    ];
  return [{
    name: "hybrid",
    components,
    normalize: reward.normalizeRewards ? "batch" : "none",
    clip: reward.clipRewards,
  }];
}
