/**
 * The TLDR length experiment (finetuned-llama's SmolTLDR run, with its reward bug
 * fixed): GRPO with `reward_len` = −|50 − len(completion)| measured on the
 * completion text (weight 0.02) plus the USE-lite similarity of the summary to
 * its passage, on public-domain passages (data/tldr), starting from an SFT
 * adapter trained on the reference summaries. The starting model
 * and the trained adapter answer the same eval passages with the same seeds;
 * we report the length distribution against the target, the reward, and the
 * similarity of each summary to its passage (USE-lite), with 95 % bootstrap
 * intervals and a paired comparison (./evaluate.ts, ./metrics.ts,
 * ./report.ts).
 *
 * @module
 */
import { readRows } from "../../data/read.ts";
import type { ChatMessage } from "../../tokenizer/mod.ts";
import type { MetricsRecord } from "../../train/metrics_log.ts";
import {
  type StageAdapters,
  type StageData,
  trainSftThenGrpo,
  writeStageData,
} from "../sft_then_grpo.ts";
import { type ExperimentPaths, experimentPaths } from "../paths.ts";
import { promptWindow } from "../study_model.ts";

/** Settings of a TLDR run. */
export interface TldrSettings extends ExperimentPaths {
  /** The ideal summary length in characters (finetuned-llama: 50). */
  target: number;
  steps: number;
  learningRate: number;
  evalPassages: number;
  k: number;
  seed: number;
  /**
   * Prompt tokens kept (cut from the left) in GRPO rollouts and in the
   * evaluation: {@link TLDR_MAX_PROMPT_LENGTH}, or less when the model's
   * context cannot hold it beside {@link TLDR_NEW_TOKENS}.
   */
  maxPromptLength: number;
  /** SFT's sequence length: the model's context (256 on the default model). */
  maxLength: number;
  /** CI's fast mode: a couple of steps per stage. */
  fast: boolean;
}

/** Options of {@link tldrSettings}. */
export interface TldrSettingsOptions {
  fast?: boolean;
  run?: string;
  /** The starting model's folder (default: the embedded model). */
  model?: string;
  /** Its context in tokens (default: the embedded model's 256). */
  context?: number;
}

/**
 * Defaults for the embedded model, or for `model` with its `context`: SFT
 * trains at the whole context, the prompt window of GRPO and the
 * evaluation shrinks to fit a shorter one (a longer one keeps it, so every
 * model summarises the same text); steps and rates stay the study's.
 * `fast` shrinks everything for CI.
 */
export function tldrSettings(options: TldrSettingsOptions = {}): TldrSettings {
  const run = options.run ?? (options.fast ? "fast" : "main");
  const context = options.context ?? 256;
  const paths = experimentPaths("tldr", run, {
    train: "data/tldr/train.jsonl",
    eval: "data/tldr/eval.jsonl",
  });
  return {
    ...paths,
    model: options.model ?? paths.model,
    maxPromptLength: promptWindow(
      TLDR_MAX_PROMPT_LENGTH,
      TLDR_NEW_TOKENS,
      context,
    ),
    maxLength: context,
    target: 50,
    steps: options.fast ? 2 : 40,
    learningRate: 3e-4,
    evalPassages: options.fast ? 3 : 40,
    k: options.fast ? 1 : 2,
    seed: 7,
    fast: options.fast ?? false,
  };
}

/**
 * Prompt tokens kept (cut from the left) in GRPO rollouts and in the
 * evaluation: with 48 new tokens they fit the embedded model's 256
 * positions, and many passages are longer than that.
 */
export const TLDR_MAX_PROMPT_LENGTH = 200;

/** New tokens per summary, in GRPO rollouts and in the evaluation. */
export const TLDR_NEW_TOKENS = 48;

/** The instruction comes last, so cutting a long passage from the left keeps it. */
export function tldrPrompt(passage: string): ChatMessage[] {
  return [{
    role: "user",
    content: `${passage}\n\nSummarize the passage above in one short sentence.`,
  }];
}

/** Writes the conversational GRPO prompts and the SFT pairs (rows with a reference summary). */
async function writeTrainingData(settings: TldrSettings): Promise<StageData> {
  const rows = await readRows(settings.trainData);
  return await writeStageData(
    settings.checkpointsDir,
    rows.map((r) => ({
      prompt: tldrPrompt(String(r.prompt)),
      passage: r.prompt,
      id: r.id,
    })),
    rows.filter((r) => typeof r.completion === "string").map((r) => [
      ...tldrPrompt(String(r.prompt)),
      { role: "assistant", content: String(r.completion) },
    ]),
  );
}

/**
 * Trains SFT on the reference summaries, then GRPO from that adapter (each
 * skipped when its adapter exists). GRPO straight from the base model
 * learned to answer with an empty string (−50 beats a long answer's −100);
 * starting from concise SFT answers it moves toward the target instead.
 */
export async function trainTldr(
  settings: TldrSettings,
  onLog?: (stage: "sft" | "grpo", record: MetricsRecord) => void,
): Promise<StageAdapters> {
  const data = await writeTrainingData(settings);
  const lora = { r: 16, lora_alpha: 32, target_modules: "all-linear" };
  return await trainSftThenGrpo({
    name: "tldr",
    checkpointsDir: settings.checkpointsDir,
    sft: {
      model: settings.model,
      train_data: data.pairs,
      lora,
      learning_rate: 2e-3,
      max_steps: settings.fast ? 2 : 60,
      per_device_train_batch_size: 8,
      max_length: settings.maxLength,
      save_steps: 0,
      logging_steps: 10,
      seed: settings.seed,
    },
    grpo: {
      model: settings.model,
      train_data: data.prompts,
      lora,
      // finetuned-llama's reward_len on the completion text, scaled (0.02 per
      // character), plus the summary's similarity to its passage.
      rewards: [
        {
          name: "length",
          unit: "chars",
          target: settings.target,
          weight: 0.02,
        },
        { name: "similarity", reference: "passage" },
      ],
      learning_rate: settings.learningRate,
      per_device_train_batch_size: 16,
      num_generations: 4,
      max_completion_length: TLDR_NEW_TOKENS,
      max_prompt_length: settings.maxPromptLength,
      max_steps: settings.steps,
      save_steps: settings.steps,
      log_completions_steps: Math.max(1, Math.floor(settings.steps / 4)),
      seed: settings.seed,
    },
  }, { onLog });
}
