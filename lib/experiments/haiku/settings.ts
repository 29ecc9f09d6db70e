/**
 * Settings of the haiku study (gemma_haiku, reproduced): which model, which data,
 * how many steps per stage, how the evaluation samples. Defaults are sized
 * for the embedded default model on a 2-core machine; `--model` with a
 * Hugging Face model gets per-model defaults (smaller learning rates, shorter
 * runs), and fast mode (TUNEBOOK_FAST=1) shrinks everything for CI.
 *
 * @module
 */
import { DEFAULT_MODEL_DIR } from "../../model/default_model.ts";
import { type ExperimentPaths, experimentPaths } from "../paths.ts";

/** Every setting of a study run. */
export interface HaikuStudySettings extends ExperimentPaths {
  seed: number;
  sft: {
    steps: number;
    learningRate: number;
    batchSize: number;
    loraRank: number;
    maxLength: number;
  };
  rl: {
    steps: number;
    learningRate: number;
    /** Completions per step (prompts × numGenerations). */
    batchSize: number;
    numGenerations: number;
    maxCompletionLength: number;
    beta: number;
    loraRank: number;
    /**
     * GRPO fields under TRL's names (`learning_rate`, `loss_type`, …) that
     * replace the study's values in every RL stage (`--rl-config`).
     */
    overrides: Record<string, unknown>;
  };
  /** The SFT → DPO stage: its on-policy preference set, then DPO. */
  dpo: {
    /** Answers per training topic; its best and worst make the topic's pair. */
    k: number;
    /** Sample only the first this many training topics (0: all). */
    prompts: number;
    steps: number;
    learningRate: number;
    /** Pairs per step (each a chosen and a rejected sequence). */
    batchSize: number;
    beta: number;
  };
  eval: {
    /** Samples per prompt. */
    k: number;
    /** Evaluate only the first this many prompts (0: all). */
    prompts: number;
    maxNewTokens: number;
    seed: number;
  };
  /** "cmu" (default) or "pyphen" (seed-compatible counting). */
  counter: "cmu" | "pyphen";
  /** Gemini model for the comparison row (skipped without GEMINI_API_KEY). */
  geminiModel: string | null;
}

/** The default settings for `model` (the embedded default model when omitted). */
export function haikuStudySettings(
  options: { model?: string; run?: string; fast?: boolean } = {},
): HaikuStudySettings {
  const model = options.model ?? DEFAULT_MODEL_DIR;
  const embedded = model === DEFAULT_MODEL_DIR;
  const run = options.run ?? (options.fast ? "fast" : "main");
  const base: HaikuStudySettings = {
    ...experimentPaths("haiku", run, {
      train: "data/haiku/train.json",
      eval: "data/haiku/eval.json",
    }),
    model,
    seed: 3407,
    // The tiny model learns the format from a few hundred examples in a few
    // epochs; a 1B model needs far fewer steps and a smaller rate (gemma_haiku:
    // 100 SFT steps at 2e-4, GRPO at 5e-6).
    sft: embedded
      ? {
        steps: 400,
        learningRate: 3e-3,
        batchSize: 16,
        loraRank: 64,
        maxLength: 96,
      }
      : {
        steps: 100,
        learningRate: 2e-4,
        batchSize: 8,
        loraRank: 16,
        maxLength: 128,
      },
    rl: embedded
      ? {
        steps: 60,
        // Measured on this model: 2e-4 already undid SFT's syllable
        // accuracy within 60 steps; 5e-5 keeps it and improves the format.
        learningRate: 5e-5,
        batchSize: 32,
        numGenerations: 8,
        maxCompletionLength: 40,
        // TRL's default; the reference is the base model (adapters off), and
        // a KL to it pulls the SFT'd policy back to unformatted text.
        beta: 0,
        loraRank: 64,
        overrides: {},
      }
      : {
        steps: 30,
        learningRate: 5e-6,
        batchSize: 8,
        numGenerations: 4,
        maxCompletionLength: 48,
        beta: 0,
        loraRank: 16,
        overrides: {},
      },
    // TRL's DPOConfig: β 0.1, the sigmoid loss, a linear schedule, 8 pairs
    // per step. On the default model the stage costs about one RL stage
    // (side by side on 2 busy cores: a GRPO step 5.8–7.5 s, a DPO step
    // 1.4–1.8 s): 4 answers to each of the 365 topics (1460 samples, the
    // sampling and scoring of ≈ 45 GRPO steps, whose update it skips), then
    // 120 steps, ≈ 2.6 epochs of ≤ 365 pairs (DPOConfig's default is 3
    // epochs). Measured from an SFT adapter trained with these settings, on
    // the eval prompts: 5e-5 (RL's rate) kept SFT's format, three-line rate
    // 0.87 against SFT's 0.85; 1e-4 lost some (0.83), 2e-4 more (0.76 after
    // 100 steps).
    dpo: embedded
      ? {
        k: 4,
        prompts: 0,
        steps: 120,
        learningRate: 5e-5,
        batchSize: 8,
        beta: 0.1,
      }
      : {
        // A 1B model samples far slower: 64 topics × 4 answers is about
        // one RL stage of sampling (30 steps × 8 completions). Not measured.
        k: 4,
        prompts: 64,
        steps: 30,
        // DPOConfig's default rate is 1e-6; TRL's docs suggest about 1e-5
        // with adapters.
        learningRate: 1e-5,
        batchSize: 4,
        beta: 0.1,
      },
    eval: { k: 4, prompts: 0, maxNewTokens: 50, seed: 0 },
    counter: "cmu",
    geminiModel: "gemini-2.5-flash",
  };
  if (!options.fast) return base;
  return {
    ...base,
    sft: { ...base.sft, steps: 3 },
    rl: {
      ...base.rl,
      steps: 2,
      batchSize: 8,
      numGenerations: 4,
      maxCompletionLength: 16,
    },
    dpo: { ...base.dpo, k: 2, prompts: 8, steps: 2, batchSize: 2 },
    eval: { ...base.eval, k: 1, prompts: 4, maxNewTokens: 20 },
  };
}
