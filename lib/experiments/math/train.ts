/**
 * Training of the math experiment: SFT on the worked answers in the
 * `<think>`/`<answer>` format, then GRPO from that adapter with the format
 * and accuracy rewards (lib/experiments/sft_then_grpo.ts; stages whose
 * adapter exists are skipped).
 *
 * @module
 */
import type { MetricsRecord } from "../../train/metrics_log.ts";
import { type StageAdapters, trainSftThenGrpo } from "../sft_then_grpo.ts";
import { writeTrainingData } from "./data.ts";
import { MATH_REWARDS, type MathSettings } from "./settings.ts";

/** The LoRA of both stages (finetuned-llama: r 16, α 32, all linear layers). */
export const MATH_LORA = {
  r: 16,
  lora_alpha: 32,
  target_modules: "all-linear",
};

/**
 * Writes the training files and trains the stages that have no adapter
 * yet. GRPO from the base model would almost never sample the format, so
 * every group's rewards would tie and carry no signal; SFT first makes the
 * format (and the shape of the steps) likely.
 */
export async function trainMath(
  settings: MathSettings,
  onLog?: (stage: "sft" | "grpo", record: MetricsRecord) => void,
): Promise<StageAdapters> {
  const data = await writeTrainingData(settings);
  return await trainSftThenGrpo({
    name: "math",
    checkpointsDir: settings.checkpointsDir,
    sft: {
      model: settings.model,
      train_data: data.pairs,
      lora: MATH_LORA,
      learning_rate: settings.sftLearningRate,
      max_steps: settings.sftSteps,
      per_device_train_batch_size: 8,
      max_length: settings.maxLength,
      save_steps: 0,
      logging_steps: settings.fast ? 1 : 10,
      seed: settings.seed,
    },
    grpo: {
      model: settings.model,
      train_data: data.prompts,
      lora: MATH_LORA,
      rewards: MATH_REWARDS,
      learning_rate: settings.learningRate,
      per_device_train_batch_size: 16,
      num_generations: settings.numGenerations,
      // A cut-off answer has no closing tags; leave it out of the loss
      // rather than teach "shorter" through it.
      mask_truncated_completions: true,
      max_completion_length: settings.maxCompletionLength,
      max_prompt_length: settings.maxPromptLength,
      temperature: settings.temperature,
      top_k: 50,
      max_steps: settings.steps,
      save_steps: settings.steps,
      log_completions_steps: Math.max(1, Math.floor(settings.steps / 4)),
      seed: settings.seed,
    },
  }, { onLog });
}
