/**
 * Training of the rubric-reasoning experiment: SFT on tagged reference
 * answers, then GRPO with the strict format reward plus the embedding
 * rubric grade (lib/rewards/rubric_embedding.ts), through the shared
 * {@link trainSftThenGrpo} recipe.
 *
 * ```ts
 * const adapters = await trainReasoning(reasoningSettings());
 * adapters.sft; adapters.grpo;
 * ```
 *
 * @module
 */
import { readRows } from "../../data/read.ts";
import { loadConfig } from "../../model/load.ts";
import { encodePrompt } from "../../prompt/encode.ts";
import { loadTokenizer, type Tokenizer } from "../../tokenizer/mod.ts";
import type { MetricsRecord } from "../../train/metrics_log.ts";
import {
  type StageAdapters,
  type StageData,
  trainSftThenGrpo,
  writeStageData,
} from "../sft_then_grpo.ts";
import { checkContext, type ReasoningSettings, sftTarget } from "./settings.ts";
import { reasoningPrompt } from "../../prompt/system_prompts.ts";

/** The GRPO rewards as config entries: format (0/1) + weighted rubric grade (0–1). */
export function reasoningRewards(settings: ReasoningSettings) {
  return [
    { name: "format_strict", style: "reasoning", weight: 1 },
    { name: "rubric_embedding", weight: settings.rubricWeight },
  ];
}

/** Reads a rubric data file and checks each row has what the experiment uses. */
export async function readRubricRows(path: string) {
  const rows = await readRows(path);
  if (rows.length === 0) throw new Error(`${path}: no rows`);
  rows.forEach((row, i) => {
    for (const field of ["question", "reference_answer"]) {
      if (typeof row[field] !== "string" || row[field] === "") {
        throw new Error(
          `${path} row ${i + 1}: "${field}" must be a non-empty string`,
        );
      }
    }
    if (!Array.isArray(row.rubric)) {
      throw new Error(`${path} row ${i + 1}: "rubric" must be a list`);
    }
  });
  return rows;
}

/**
 * Writes the GRPO prompts and the SFT pairs. SFT targets are cut to fit
 * the completion budget so no target loses its closing tags.
 */
export async function writeReasoningData(
  settings: ReasoningSettings,
  tokenizer: Tokenizer,
): Promise<StageData> {
  const rows = await readRubricRows(settings.trainData);
  const budget = Math.min(
    settings.sftTargetTokens,
    settings.maxCompletionLength - 1, // the end-of-turn token follows
  );
  const count = (text: string) => tokenizer.encode(text).length;
  return await writeStageData(
    settings.checkpointsDir,
    // GRPO prompt rows keep every column: the rubric reward reads "rubric".
    rows.map((r) => ({ ...r, prompt: reasoningPrompt(String(r.question)) })),
    rows.map((r) => [...reasoningPrompt(String(r.question)), {
      role: "assistant",
      content: sftTarget(String(r.reference_answer), count, budget),
    }]),
  );
}

/**
 * Trains SFT on the tagged reference answers, then GRPO from that adapter
 * (each skipped when its adapter exists, GRPO resumed when interrupted).
 */
export async function trainReasoning(
  settings: ReasoningSettings,
  onLog?: (stage: "sft" | "grpo", record: MetricsRecord) => void,
): Promise<StageAdapters> {
  const tokenizer = await loadTokenizer(settings.model);
  const config = await loadConfig(settings.model);
  const rows = await readRubricRows(settings.trainData);
  checkContext(
    rows.map((r) =>
      encodePrompt(tokenizer, reasoningPrompt(String(r.question))).length
    ),
    settings.maxCompletionLength,
    config.maxPositionEmbeddings,
  );
  const data = await writeReasoningData(settings, tokenizer);
  const lora = { r: 16, lora_alpha: 32, target_modules: "all-linear" };
  return await trainSftThenGrpo({
    name: "reasoning",
    checkpointsDir: settings.checkpointsDir,
    sft: {
      model: settings.model,
      train_data: data.pairs,
      lora,
      learning_rate: settings.sftLearningRate,
      max_steps: settings.sftSteps,
      per_device_train_batch_size: 8,
      max_length: config.maxPositionEmbeddings,
      save_steps: 0,
      logging_steps: 10,
      seed: settings.seed,
    },
    grpo: {
      model: settings.model,
      train_data: data.prompts,
      lora,
      rewards: reasoningRewards(settings),
      learning_rate: settings.learningRate,
      per_device_train_batch_size: 16,
      num_generations: 4,
      // The evaluation's "standard" preset, so training samples what is scored.
      temperature: 0.7,
      top_k: 50,
      top_p: 0.95,
      max_completion_length: settings.maxCompletionLength,
      // DAPO's overlong filtering: a completion cut at the cap has no closing
      // tags; without this, all-truncated groups (advantages from the rubric
      // grade alone) taught the model to ramble and lose the format.
      mask_truncated_completions: true,
      max_prompt_length: config.maxPositionEmbeddings -
        settings.maxCompletionLength,
      max_steps: settings.steps,
      save_steps: Math.max(1, Math.min(10, settings.steps)),
      log_completions_steps: Math.max(1, Math.floor(settings.steps / 4)),
      seed: settings.seed,
    },
  }, { onLog });
}
