/**
 * The six training stages of the haiku study — gemma_haiku's five and
 * SFT → DPO — and the pipelines they form. Stages that several pipelines
 * share are trained once:
 *
 * | stage           | starts from      | trains                          | pipeline it ends             |
 * | --------------- | ---------------- | ------------------------------- | ---------------------------- |
 * | `sft`           | base             | SFT on topic → haiku pairs      | pure SFT                     |
 * | `rl-sparse`     | base             | GRPO, sparse reward             | pure RL (sparse)             |
 * | `sft-rl`        | `sft`            | GRPO, regular reward            | SFT → RL (regular)           |
 * | `sft-rl-sparse` | `sft`            | GRPO, sparse reward             | SFT → RL (sparse)            |
 * | `fullrun`       | `sft-rl-sparse`  | GRPO, regular reward            | SFT → RL sparse → RL regular |
 * | `sft-dpo`       | `sft`            | DPO on `sft`'s own answers      | SFT → DPO                    |
 *
 * `sft-dpo` first builds its on-policy preference set in its folder
 * (./preferences.ts: k answers of the SFT adapter per training topic,
 * best against worst by the regular reward; `preferences.jsonl`, and
 * `preferences.json` with the pair and tie counts once the set is complete),
 * then runs DPO from the SFT adapter, which is also its reference.
 *
 * A finished stage (its final adapter written) is skipped on a rerun; an
 * interrupted one resumes from its newest checkpoint (a complete preference
 * set is kept, not sampled again).
 *
 * @module
 */
import type { MetricsRecord } from "../../train/metrics_log.ts";
import { latestCheckpoint } from "../../train/checkpoints.ts";
import { runDpoFromConfig } from "../../train/dpo/from_config.ts";
import { runGrpoFromConfig } from "../../train/grpo/from_config.ts";
import { parseGrpoConfig } from "../../train/grpo/config.ts";
import { runSftFromConfig } from "../../train/sft/from_config.ts";
import { hasAdapter } from "../../peft/mod.ts";
import { readJsonFileIfPresent, writeJsonFile } from "../../util/json_files.ts";
import { InputError } from "../../util/errors.ts";
import { Progress } from "../../util/progress.ts";
import {
  describePreferences,
  type HaikuPreferenceReport,
  writeHaikuPreferences,
} from "./preferences.ts";
import type { HaikuStudySettings } from "./settings.ts";
import { STUDY_RESUME_HINT } from "../sft_then_grpo.ts";

/** A stage's name. */
export type StageName =
  | "sft"
  | "rl-sparse"
  | "sft-rl"
  | "sft-rl-sparse"
  | "fullrun"
  | "sft-dpo";

/** One training stage. */
export interface Stage {
  name: StageName;
  /** The stage whose adapter this one continues (null: the base model). */
  from: StageName | null;
  kind: "sft" | "grpo" | "dpo";
  /** GRPO's reward. */
  reward?: "haiku_sparse" | "haiku_regular";
  /** Row label in the evaluation table (gemma_haiku's model names, shortened). */
  label: string;
}

/** All stages, in an order where every stage follows the one it starts from. */
export const STAGES: readonly Stage[] = [
  { name: "sft", from: null, kind: "sft", label: "SFT" },
  {
    name: "rl-sparse",
    from: null,
    kind: "grpo",
    reward: "haiku_sparse",
    label: "RL sparse",
  },
  {
    name: "sft-rl",
    from: "sft",
    kind: "grpo",
    reward: "haiku_regular",
    label: "SFT → RL regular",
  },
  {
    name: "sft-rl-sparse",
    from: "sft",
    kind: "grpo",
    reward: "haiku_sparse",
    label: "SFT → RL sparse",
  },
  {
    name: "fullrun",
    from: "sft-rl-sparse",
    kind: "grpo",
    reward: "haiku_regular",
    label: "fullrun (SFT → RL sparse → RL regular)",
  },
  {
    name: "sft-dpo",
    from: "sft",
    // Its pairs are ranked by haiku_regular (./preferences.ts).
    kind: "dpo",
    label: "SFT → DPO",
  },
];

/** A DPO stage's preference set, in its folder. */
export const PREFERENCE_FILE = "preferences.jsonl";
/** What building the set gave (pairs, ties, mean rewards); written once the set is complete. */
export const PREFERENCE_REPORT_FILE = "preferences.json";

/** Where a stage's final adapter lives. */
export function stageDir(
  settings: HaikuStudySettings,
  stage: StageName,
): string {
  return `${settings.checkpointsDir}/${stage}`;
}

/** Whether a stage has finished (its final adapter is written). */
export function stageDone(
  settings: HaikuStudySettings,
  stage: StageName,
): Promise<boolean> {
  return hasAdapter(stageDir(settings, stage));
}

/** Hooks for progress display (notebooks plot live from `onLog`). */
export interface StageHooks {
  onStageStart?: (stage: Stage) => void;
  /** Lines about work besides training (a DPO stage's preference set). */
  log?: (line: string) => void;
  onLog?: (stage: Stage, record: MetricsRecord) => void;
  progress?: boolean;
}

/** Trains one stage (or skips it when done; resumes it when interrupted). */
export async function runStage(
  settings: HaikuStudySettings,
  stage: Stage,
  hooks: StageHooks = {},
): Promise<"trained" | "skipped"> {
  if (await stageDone(settings, stage.name)) return "skipped";
  hooks.onStageStart?.(stage);
  const out = stageDir(settings, stage.name);
  const resume = (await latestCheckpoint(out)) !== null;
  const common = commonConfig(settings, stage);
  const onLog = (record: MetricsRecord) => hooks.onLog?.(stage, record);
  const source = `haiku stage ${stage.name}`;
  const run = {
    resume,
    onLog,
    progress: hooks.progress,
    resumeHint: STUDY_RESUME_HINT,
  };
  if (stage.kind === "sft") {
    const s = settings.sft;
    const config = {
      ...common,
      eval_data: settings.evalData,
      lora: {
        r: s.loraRank,
        lora_alpha: 2 * s.loraRank,
        lora_dropout: 0.05,
        target_modules: "all-linear",
      },
      max_length: s.maxLength,
      learning_rate: s.learningRate,
      lr_scheduler_type: "linear",
      warmup_steps: Math.min(5, s.steps - 1),
      weight_decay: 0.01,
      per_device_train_batch_size: s.batchSize,
      max_steps: s.steps,
      eval_steps: Math.max(1, Math.floor(s.steps / 4)),
      save_steps: Math.max(1, Math.floor(s.steps / 2)),
    };
    await runSftFromConfig(config, source, run);
    return "trained";
  }
  if (stage.kind === "dpo") {
    const d = settings.dpo;
    const config = {
      ...common,
      train_data: await preferenceSet(settings, stage, hooks),
      // The SFT adapter continues (its own adapter_config.json decides the
      // shape); init_adapter makes it the frozen reference too.
      lora: {
        r: settings.sft.loraRank,
        lora_alpha: 2 * settings.sft.loraRank,
        target_modules: "all-linear",
      },
      beta: d.beta,
      loss_type: ["sigmoid"],
      learning_rate: d.learningRate,
      lr_scheduler_type: "linear",
      per_device_train_batch_size: d.batchSize,
      // SFT's cap holds a prompt and an RL-length answer.
      max_length: settings.sft.maxLength,
      max_steps: d.steps,
      save_steps: Math.max(1, Math.floor(d.steps / 2)),
    };
    await runDpoFromConfig(config, source, {
      ...run,
      keep: [PREFERENCE_FILE, PREFERENCE_REPORT_FILE],
    });
    return "trained";
  }
  await runGrpoFromConfig(rlStageConfig(settings, stage), source, run);
  return "trained";
}

/** The config fields every stage shares: model, data, folders, seed, logging. */
function commonConfig(settings: HaikuStudySettings, stage: Stage) {
  return {
    model: settings.model,
    train_data: settings.trainData,
    output_dir: stageDir(settings, stage.name),
    seed: settings.seed,
    logging_steps: 1,
    save_total_limit: 1,
    init_adapter: stage.from ? stageDir(settings, stage.from) : undefined,
  };
}

/**
 * The GRPO config of an RL stage: the study's values, then the settings'
 * overrides. The stage's own input adapter and output folder are set as in
 * {@link runStage}.
 */
export function rlStageConfig(
  settings: HaikuStudySettings,
  stage: Stage,
): Record<string, unknown> {
  const r = settings.rl;
  return {
    ...commonConfig(settings, stage),
    lora: {
      r: r.loraRank,
      lora_alpha: 2 * r.loraRank,
      target_modules: "all-linear",
    },
    rewards: [{ name: stage.reward!, counter: settings.counter }],
    learning_rate: r.learningRate,
    lr_scheduler_type: "cosine",
    warmup_ratio: 0.1,
    adam_beta2: 0.99,
    weight_decay: 0.1,
    max_grad_norm: 0.1,
    per_device_train_batch_size: r.batchSize,
    num_generations: r.numGenerations,
    max_completion_length: r.maxCompletionLength,
    // Sample as the evaluation does (gemma_haiku's T 1.0, top-p 0.95, top-k 64),
    // so RL improves the distribution that is measured.
    temperature: 1.0,
    top_p: 0.95,
    top_k: 64,
    beta: r.beta,
    max_steps: r.steps,
    save_steps: Math.max(1, Math.floor(r.steps / 2)),
    log_completions_steps: Math.max(1, Math.floor(r.steps / 6)),
    ...r.overrides,
  };
}

/**
 * Checks the RL stages' config (the overrides included) before anything
 * trains: a bad field is one line naming `source` and the field.
 */
export function checkRlStageConfig(
  settings: HaikuStudySettings,
  source: string,
): void {
  const stage = STAGES.find((s) => s.kind === "grpo")!;
  parseGrpoConfig(rlStageConfig(settings, stage), source);
}

/** The pair and tie counts of a DPO stage's complete preference set, or null before it is built. */
export async function readPreferenceReport(
  settings: HaikuStudySettings,
  stage: StageName,
): Promise<HaikuPreferenceReport | null> {
  const path = `${stageDir(settings, stage)}/${PREFERENCE_REPORT_FILE}`;
  const report = await readJsonFileIfPresent(path, "preference set report");
  return (report as HaikuPreferenceReport | undefined) ?? null;
}

/**
 * The JSONL file of a DPO stage's preference set: kept when a killed run
 * completed it (its report is written last), else sampled from the adapter
 * the stage starts from. A set without a pair is an error.
 */
async function preferenceSet(
  settings: HaikuStudySettings,
  stage: Stage,
  hooks: StageHooks,
): Promise<string> {
  const dir = stageDir(settings, stage.name);
  const file = `${dir}/${PREFERENCE_FILE}`;
  const kept = await readPreferenceReport(settings, stage.name);
  if (kept) {
    hooks.log?.(
      `stage ${stage.name}: preference set kept: ${describePreferences(kept)}`,
    );
    return file;
  }
  const d = settings.dpo;
  let bar: Progress | null = null;
  const report = await writeHaikuPreferences(settings, {
    adapter: stage.from ? stageDir(settings, stage.from) : null,
    out: file,
    k: d.k,
    prompts: d.prompts || undefined,
    onProgress: hooks.progress === false ? undefined : (done, total) => {
      bar ??= new Progress(`${stage.name} preferences`, total, {
        unit: "answer",
      });
      bar.update(done);
    },
  });
  hooks.log?.(
    `stage ${stage.name}: preference set: ${describePreferences(report)}`,
  );
  if (report.pairs === 0) {
    throw new InputError(
      `${file}: no preference pair: each topic's ${report.k} answers scored the same or were the same text; raise the settings' dpo.k (answers per topic)`,
    );
  }
  await writeJsonFile(`${dir}/${PREFERENCE_REPORT_FILE}`, report);
  return file;
}
