/**
 * Training of the safety study, three LoRA stages on the default model:
 *
 * | stage    | starts from | trains                                                    |
 * | -------- | ----------- | --------------------------------------------------------- |
 * | `sft`    | base        | SFT on train prompt → chosen reply (loss on the reply)     |
 * | `dpo`    | `sft`       | DPO on the train pairs; π_ref = the SFT adapter, precomputed |
 * | `reward` | base        | a reward model: LoRA + score head on the train pairs       |
 * | `ppo`    | `sft`       | PPO on the train prompts, scored by `reward`; π_ref = the SFT adapter; value model from `reward` |
 *
 * Every stage reads the rows in TRL's conversational form (the user turn,
 * the assistant reply) through the chat template, as the evaluation
 * prompts the models. DPO and the reward model evaluate on the held-out
 * pairs as they train (TRL's `eval_*` metrics). A finished stage (its
 * final adapter written) is kept on a rerun; an interrupted one resumes.
 *
 * ```ts
 * const adapters = await trainSafety(settings);
 * adapters.dpo; // checkpoints/safety/main/dpo
 * ```
 *
 * @module
 */
import { readSafetyJsonl, type SafetyRow } from "../../data/safety_rows.ts";
import { runDpoFromConfig } from "../../train/dpo/from_config.ts";
import { runPpoFromConfig } from "../../train/ppo/from_config.ts";
import type { MetricsRecord } from "../../train/metrics_log.ts";
import { runRewardFromConfig } from "../../train/reward/from_config.ts";
import { runSftFromConfig } from "../../train/sft/from_config.ts";
import { writeJsonl } from "../../util/json_files.ts";
import { trainStage } from "../sft_then_grpo.ts";
import {
  assistantTurn,
  evalSubset,
  SAFETY_LORA,
  SAFETY_MAX_LENGTH,
  safetyPrompt,
  type SafetySettings,
} from "./settings.ts";

/** The stages, in training order. */
export const SAFETY_STAGES = ["sft", "dpo", "reward", "ppo"] as const;

/** One of {@link SAFETY_STAGES}. */
export type SafetyStage = typeof SAFETY_STAGES[number];

/** The adapter folder of each stage. */
export type SafetyAdapters = Record<SafetyStage, string>;

/** Where the stages' adapters live: `<checkpointsDir>/<stage>`. */
export function safetyAdapters(checkpointsDir: string): SafetyAdapters {
  return {
    sft: `${checkpointsDir}/sft`,
    dpo: `${checkpointsDir}/dpo`,
    reward: `${checkpointsDir}/reward`,
    ppo: `${checkpointsDir}/ppo`,
  };
}

/** The files {@link writeSafetyData} writes beside the adapters. */
export interface SafetyData {
  /** SFT conversations (`{messages}`): train, and held-out for eval_loss. */
  sft: string;
  evalSft: string;
  /** Conversational preference pairs with `id`, `kind`, `category`. */
  trainPairs: string;
  evalPairs: string;
}

/** A row as a conversational preference pair (TRL's explicit-prompt form). */
export function conversationalPair(row: SafetyRow): Record<string, unknown> {
  return {
    id: row.id,
    kind: row.kind,
    category: row.category,
    prompt: safetyPrompt(row.prompt),
    chosen: assistantTurn(row.chosen),
    rejected: assistantTurn(row.rejected),
  };
}

/** The held-out rows the run evaluates (all, or fast mode's subset). */
export function evalRows(settings: SafetySettings): SafetyRow[] {
  return evalSubset(readSafetyJsonl(settings.evalData), settings.evalRows);
}

/** Writes the stages' training files into the checkpoints folder. */
export async function writeSafetyData(
  settings: SafetySettings,
): Promise<SafetyData> {
  const train = readSafetyJsonl(settings.trainData);
  const held = evalRows(settings);
  const dir = settings.checkpointsDir;
  await Deno.mkdir(dir, { recursive: true });
  const files = {
    sft: `${dir}/sft.jsonl`,
    evalSft: `${dir}/eval_sft.jsonl`,
    trainPairs: `${dir}/train_pairs.jsonl`,
    evalPairs: `${dir}/eval_pairs.jsonl`,
  };
  const conversation = (r: SafetyRow) => ({
    messages: [...safetyPrompt(r.prompt), ...assistantTurn(r.chosen)],
  });
  await writeJsonl(files.sft, train.map(conversation));
  await writeJsonl(files.evalSft, held.map(conversation));
  await writeJsonl(files.trainPairs, train.map(conversationalPair));
  await writeJsonl(files.evalPairs, held.map(conversationalPair));
  return files;
}

/** Progress hooks: every metrics record, tagged with its stage. */
export interface SafetyHooks {
  onStageStart?: (stage: SafetyStage) => void;
  onLog?: (stage: SafetyStage, record: MetricsRecord) => void;
  /** Progress lines (default: when there is no `onLog`). */
  progress?: boolean;
}

/** The stages' configs, in the trainers' (TRL's) field names. */
export function safetyConfigs(
  settings: SafetySettings,
  data: SafetyData,
): Record<SafetyStage, Record<string, unknown> & { output_dir: string }> {
  const adapters = safetyAdapters(settings.checkpointsDir);
  const common = {
    model: settings.model,
    lora: SAFETY_LORA,
    max_length: SAFETY_MAX_LENGTH,
    seed: settings.seed,
    logging_steps: settings.fast ? 1 : 4,
    save_steps: 0,
  };
  // Four held-out evaluations along the way, for the training curves.
  const evalSteps = (steps: number) => Math.max(1, Math.floor(steps / 4));
  return {
    sft: {
      ...common,
      output_dir: adapters.sft,
      train_data: data.sft,
      eval_data: data.evalSft,
      learning_rate: settings.sft.learningRate,
      per_device_train_batch_size: settings.sft.batchSize,
      max_steps: settings.sft.steps,
      eval_steps: evalSteps(settings.sft.steps),
    },
    dpo: {
      ...common,
      output_dir: adapters.dpo,
      init_adapter: adapters.sft,
      train_data: data.trainPairs,
      eval_data: data.evalPairs,
      // TRL's defaults (sigmoid loss), β as configured; the reference is
      // the SFT adapter, precomputed (init_adapter).
      beta: settings.dpo.beta,
      loss_type: ["sigmoid"],
      learning_rate: settings.dpo.learningRate,
      per_device_train_batch_size: settings.dpo.batchSize,
      max_steps: settings.dpo.steps,
      eval_steps: evalSteps(settings.dpo.steps),
    },
    reward: {
      ...common,
      output_dir: adapters.reward,
      train_data: data.trainPairs,
      eval_data: data.evalPairs,
      learning_rate: settings.reward.learningRate,
      per_device_train_batch_size: settings.reward.batchSize,
      max_steps: settings.reward.steps,
      eval_steps: evalSteps(settings.reward.steps),
    },
    ppo: {
      model: settings.model,
      lora: SAFETY_LORA,
      seed: settings.seed,
      logging_steps: 1,
      save_steps: 0,
      output_dir: adapters.ppo,
      init_adapter: adapters.sft,
      // The train pairs' conversational prompts; the replies are unused.
      train_data: data.trainPairs,
      rewards: [{ name: "reward_model", path: adapters.reward }],
      value_model_path: adapters.reward,
      // Replies as long as the evaluation's, ended by the EOS (an
      // unfinished reply is cut off mid-sentence: penalised).
      response_length: settings.maxNewTokens,
      stop_token: "eos",
      missing_eos_penalty: 1,
      kl_coef: settings.ppo.klCoef,
      learning_rate: settings.ppo.learningRate,
      per_device_train_batch_size: settings.ppo.batchSize / 2,
      gradient_accumulation_steps: 2,
      num_mini_batches: 2,
      max_steps: settings.ppo.steps,
      log_completions_steps: settings.fast ? 1 : 6,
    },
  };
}

/** Trains the stages that have no final adapter yet; returns the adapter folders. */
export async function trainSafety(
  settings: SafetySettings,
  hooks: SafetyHooks = {},
): Promise<SafetyAdapters> {
  const configs = safetyConfigs(settings, await writeSafetyData(settings));
  const progress = hooks.progress ?? hooks.onLog === undefined;
  const runners = {
    sft: runSftFromConfig,
    dpo: runDpoFromConfig,
    reward: runRewardFromConfig,
    ppo: runPpoFromConfig,
  };
  for (const stage of SAFETY_STAGES) {
    await trainStage(runners[stage], configs[stage], `safety ${stage}`, {
      onStart: () => hooks.onStageStart?.(stage),
      onLog: (r) => hooks.onLog?.(stage, r),
      progress,
    });
  }
  return safetyAdapters(settings.checkpointsDir);
}
