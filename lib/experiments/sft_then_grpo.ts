/**
 * The two-stage recipe the TLDR, reasoning and math experiments share: SFT
 * on reference answers, then GRPO that starts from the SFT adapter. On a
 * small model GRPO from the base model rarely samples a rewarded answer
 * (TLDR's collapsed to empty summaries); SFT first puts the format and the
 * rough length in reach, and GRPO then moves the reward.
 *
 * A stage whose final adapter exists is skipped; an interrupted GRPO stage
 * resumes from its newest checkpoint.
 *
 * ```ts
 * const adapters = await trainSftThenGrpo({
 *   name: "math",
 *   checkpointsDir: "checkpoints/math/main",
 *   sft: { model, train_data: "sft.jsonl", max_steps: 60, … },
 *   grpo: { model, train_data: "prompts.jsonl", rewards: [...], … },
 * });
 * adapters.sft; adapters.grpo; // the two adapter folders
 * ```
 *
 * @module
 */
import type { CausalLM } from "../model/decoder.ts";
import { loadPretrained } from "../model/pretrained.ts";
import { hasAdapter, loadAdapter } from "../peft/mod.ts";
import type { RewardContext } from "../rewards/registry.ts";
import { latestCheckpoint } from "../train/checkpoints.ts";
import { runGrpoFromConfig } from "../train/grpo/from_config.ts";
import { MetricsLog, type MetricsRecord } from "../train/metrics_log.ts";
import { runSftFromConfig } from "../train/sft/from_config.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";
import { writeJsonl } from "../util/json_files.ts";

/** The two stages' configs, in the SFT and GRPO config formats. */
export interface SftThenGrpoPlan {
  /** Names the run in config errors, e.g. "math sft". */
  name: string;
  /** The adapters go to `<checkpointsDir>/sft` and `<checkpointsDir>/grpo`. */
  checkpointsDir: string;
  /** SFT config fields (`output_dir` is set here). */
  sft: Record<string, unknown>;
  /** GRPO config fields (`output_dir` and `init_adapter` are set here). */
  grpo: Record<string, unknown>;
  /** A tokenizer or judge for the rewards (default: made when a reward needs one). */
  rewardContext?: RewardContext;
}

/** Where the adapters of a plan live. */
export interface StageAdapters {
  sft: string;
  grpo: string;
}

/** Hooks for progress display. */
export interface StageLogHooks {
  /** Every metrics record, tagged with its stage. */
  onLog?: (stage: "sft" | "grpo", record: MetricsRecord) => void;
  /** A progress line per stage (default: only when there is no `onLog`). */
  progress?: boolean;
}

/** The adapter folders of a plan's checkpoints folder. */
export function stageAdapters(checkpointsDir: string): StageAdapters {
  return { sft: `${checkpointsDir}/sft`, grpo: `${checkpointsDir}/grpo` };
}

/** The training files {@link writeStageData} wrote. */
export interface StageData {
  /** GRPO prompt rows (JSONL). */
  prompts: string;
  /** SFT conversations (JSONL rows `{messages}`). */
  pairs: string;
}

/**
 * Writes the GRPO prompt rows and the SFT conversations into
 * `checkpointsDir` (prompts.jsonl, sft.jsonl), beside the adapters they train.
 */
export async function writeStageData(
  checkpointsDir: string,
  prompts: readonly Record<string, unknown>[],
  conversations: readonly ChatMessage[][],
): Promise<StageData> {
  await Deno.mkdir(checkpointsDir, { recursive: true });
  const files = {
    prompts: `${checkpointsDir}/prompts.jsonl`,
    pairs: `${checkpointsDir}/sft.jsonl`,
  };
  await writeJsonl(files.prompts, prompts);
  await writeJsonl(
    files.pairs,
    conversations.map((messages) => ({ messages })),
  );
  return files;
}

/** What an interrupted stage says: a study resumes by being run again. */
export const STUDY_RESUME_HINT =
  "run the same command again to continue from there";

/** What a trainer's `…FromConfig` entry point takes besides its config. */
export interface StageRunOptions {
  onLog: (record: MetricsRecord) => void;
  progress: boolean;
  resume: boolean;
  resumeHint: string;
}

/**
 * Trains one stage of a study unless its final weights (`output_dir`) are
 * written ({@link stageFinished}): `run` is a trainer's `…FromConfig` (SFT, GRPO, DPO, reward),
 * resumed from the newest checkpoint when an earlier run was interrupted.
 * Returns whether it trained or skipped.
 */
export async function trainStage(
  run: (
    raw: Record<string, unknown>,
    source: string,
    options: StageRunOptions,
  ) => Promise<unknown>,
  config: Record<string, unknown> & { output_dir: string },
  source: string,
  options: {
    /** Called before a stage that trains (not one that is skipped). */
    onStart?: () => void;
    onLog?: (record: MetricsRecord) => void;
    progress: boolean;
  },
): Promise<"trained" | "skipped"> {
  const dir = config.output_dir;
  if (await stageFinished(dir)) return "skipped";
  options.onStart?.();
  await run(config, source, {
    onLog: (r) => options.onLog?.(r),
    progress: options.progress,
    resume: (await latestCheckpoint(dir)) !== null,
    resumeHint: STUDY_RESUME_HINT,
  });
  return "trained";
}

/**
 * Whether a stage wrote its final weights into `dir`: an adapter (LoRA), or
 * a full model's weights (full fine-tuning; checkpoints live in
 * `checkpoint-N/` below it, so these appear only at the end).
 */
export async function stageFinished(dir: string): Promise<boolean> {
  if (await hasAdapter(dir)) return true;
  try {
    await Deno.stat(`${dir}/model.safetensors`);
    return true;
  } catch {
    return false;
  }
}

/** Trains the stages of `plan` that have no final adapter yet. */
export async function trainSftThenGrpo(
  plan: SftThenGrpoPlan,
  hooks: StageLogHooks = {},
): Promise<StageAdapters> {
  const adapters = stageAdapters(plan.checkpointsDir);
  const progress = hooks.progress ?? hooks.onLog === undefined;
  await trainStage(
    runSftFromConfig,
    { ...plan.sft, output_dir: adapters.sft },
    `${plan.name} sft`,
    { onLog: (r) => hooks.onLog?.("sft", r), progress },
  );
  await trainStage(
    (raw, source, options) =>
      runGrpoFromConfig(raw, source, {
        ...options,
        rewardContext: plan.rewardContext,
      }),
    {
      ...plan.grpo,
      output_dir: adapters.grpo,
      init_adapter: adapters.sft,
    },
    `${plan.name} grpo`,
    { onLog: (r) => hooks.onLog?.("grpo", r), progress },
  );
  return adapters;
}

/** The models a staged run compares, in table order. */
export const STAGE_MODELS = ["base", "SFT", "SFT → GRPO"] as const;

/** One of {@link STAGE_MODELS}. */
export type StageModel = typeof STAGE_MODELS[number];

/**
 * Loads the starting model once and calls `fn` with it as the base model,
 * then with the SFT adapter attached, then with the SFT → GRPO adapter
 * (each removed afterwards); returns what `fn` returned, in that order.
 * Evaluations compare the three on the same prompts and seeds this way.
 */
export async function forEachStageModel<T>(
  modelDir: string,
  adapters: StageAdapters,
  fn: (stage: StageModel, model: CausalLM, tokenizer: Tokenizer) => Promise<T>,
): Promise<T[]> {
  return await forEachAdapter(modelDir, [
    ["base", null],
    ["SFT", adapters.sft],
    ["SFT → GRPO", adapters.grpo],
  ], fn);
}

/**
 * Loads the starting model once and calls `fn` with each `[name, adapter
 * folder]` of `stages` in order (null: the base model alone), the adapter
 * attached for the call and removed afterwards; returns `fn`'s results in
 * that order.
 */
export async function forEachAdapter<N extends string, T>(
  modelDir: string,
  stages: readonly (readonly [N, string | null])[],
  fn: (stage: N, model: CausalLM, tokenizer: Tokenizer) => Promise<T>,
): Promise<T[]> {
  const { model, tokenizer, dir } = await loadPretrained(modelDir);
  if (!tokenizer) throw new Error(`${dir}: no tokenizer`);
  const results: T[] = [];
  try {
    for (const [stage, path] of stages) {
      const lora = path ? await loadAdapter(path, model) : null;
      try {
        results.push(await fn(stage, model, tokenizer));
      } finally {
        lora?.remove();
      }
    }
  } finally {
    model.dispose();
  }
  return results;
}

/**
 * The GRPO stage's metrics records (its metrics.jsonl), or none when the
 * stage has not logged yet. Chart them with lib/eval/charts.ts
 * `grpoRewardChart`.
 */
export async function loggedGrpoRecords(
  adapters: StageAdapters,
): Promise<MetricsRecord[]> {
  return await loggedRecords(adapters.grpo);
}

/**
 * The metrics records of a stage's output folder (its metrics.jsonl), or
 * none when the stage has not logged yet.
 */
export async function loggedRecords(dir: string): Promise<MetricsRecord[]> {
  try {
    return await MetricsLog.read(`${dir}/metrics.jsonl`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}
