/**
 * Settings of the math experiment (finetuned-llama's AI-MO run on tunebook's
 * generated GSM8K-format problems): the files, the prompt, the rewards as
 * trained, and the budgets. `fast` shrinks everything for CI.
 *
 * ```ts
 * const settings = mathSettings({ fast: true }); // run "fast", 2 steps per stage
 * mathSettings({ level: "one-step" }).run;       // "one-step", data/math/one_step/
 * mathTaskPrompt("Ann has 3 apples…");           // short system prompt + question
 * ```
 *
 * @module
 */
import { MATH_LEVELS, type MathLevel } from "../../data/math_problems.ts";
import { mathPrompt } from "../../prompt/system_prompts.ts";
import type { ChatMessage } from "../../tokenizer/mod.ts";
import { type ExperimentPaths, experimentPaths } from "../paths.ts";
import { promptWindow } from "../study_model.ts";

/** Settings of a math run (train and eval data: GSM8K-format JSONL, question and answer with `#### n`). */
export interface MathSettings extends ExperimentPaths {
  /** Which generated problems: "multi-step" (data/math/) or "one-step" (data/math/one_step/). */
  level: MathLevel;
  sftSteps: number;
  sftLearningRate: number;
  /** GRPO steps. */
  steps: number;
  /** Completions per prompt of GRPO (16 completions per step). */
  numGenerations: number;
  /** Rollout temperature of GRPO (with top-k 50, as the "standard" preset). */
  temperature: number;
  learningRate: number;
  /** Eval questions (the first N of the eval file). */
  evalQuestions: number;
  /** Samples per question of the sampled ("standard" preset) evaluation; 0 skips it. */
  sampledK: number;
  /** New-token budget of GRPO rollouts and evaluation. */
  maxCompletionLength: number;
  /** Prompts are cut from the left past this (prompt + completion ≤ 256). */
  maxPromptLength: number;
  /** SFT's sequence length: the model's context (256 on the default model). */
  maxLength: number;
  seed: number;
  /** CI's fast mode: a couple of steps per stage, 3 eval questions. */
  fast: boolean;
}

/** One GRPO reward of the run, in the GRPO config format. */
export interface MathRewardSpec {
  name: string;
  weight: number;
  [setting: string]: string | number;
}

/**
 * The GRPO rewards: strict R1 format + exact accuracy against the `answer`
 * column's `#### n` (finetuned-llama's two rewards, on the completion text, with an
 * unreadable gold skipped instead of rewarded), plus partial accuracy
 * (within 10 %) at a small weight for a denser signal, since a 5M-parameter
 * model rarely gets a multi-step answer exactly right.
 */
export const MATH_REWARDS: readonly MathRewardSpec[] = [
  { name: "format_strict", style: "think", weight: 1 },
  { name: "math_accuracy", column: "answer", gold: "gsm8k", weight: 1 },
  { name: "math_partial", column: "answer", gold: "gsm8k", weight: 0.25 },
];

/** The rewards of the main reward (format + accuracy, with their trained weights). */
export const MAIN_REWARD_NAMES = ["format_strict", "math_accuracy"] as const;

/** Per level: the data folder and the default run name (fast mode's run in brackets). */
const LEVEL_RUNS: Record<
  MathLevel,
  { data: string; run: string; fast: string }
> = {
  "multi-step": { data: "data/math", run: "main", fast: "fast" },
  "one-step": {
    data: "data/math/one_step",
    run: "one-step",
    fast: "fast-one-step",
  },
};

/** Options of {@link mathSettings}. */
export interface MathSettingsOptions {
  fast?: boolean;
  /** Run name; default "main" ("one-step" for that level, "fast…" in fast mode). */
  run?: string;
  /** Default "multi-step", the level of the committed `main` run. */
  level?: MathLevel;
  /** The starting model's folder (default: the embedded model). */
  model?: string;
  /** Its context in tokens (default: the embedded model's 256). */
  context?: number;
}

/**
 * Defaults for the embedded model at a level, or for `model` with its
 * `context`: SFT trains at the whole context, the prompt window of GRPO and
 * the evaluation shrinks to fit a shorter one (a longer one keeps it);
 * steps and rates stay the study's. `fast` shrinks everything for CI. The
 * multi-step defaults are those of the committed `main` run.
 */
export function mathSettings(options: MathSettingsOptions = {}): MathSettings {
  const fast = options.fast ?? false;
  const level = options.level ?? "multi-step";
  if (!MATH_LEVELS.includes(level)) {
    throw new Error(
      `unknown math level "${level}"; expected one of ${
        MATH_LEVELS.join(", ")
      }`,
    );
  }
  const paths = LEVEL_RUNS[level];
  const run = options.run ?? (fast ? paths.fast : paths.run);
  const settings: MathSettings = {
    ...experimentPaths("math", run, {
      train: `${paths.data}/problems.jsonl`,
      eval: `${paths.data}/eval.jsonl`,
    }),
    level,
    sftSteps: fast ? 2 : 300,
    sftLearningRate: 2e-3,
    steps: fast ? 2 : 80,
    // 3e-4 (TLDR's) let the format reward drift down over 40 steps here.
    learningRate: 2e-4,
    // 2 prompts × 8: with about a third of samples in format, a group of 8
    // rarely ties, so most groups carry a signal.
    numGenerations: 8,
    // At T 1 the SFT model's samples rarely close the tags, so the strict
    // format reward would almost always tie at 0 within a group.
    temperature: 0.7,
    evalQuestions: fast ? 3 : 100,
    sampledK: fast ? 0 : 2,
    // The longest prompt of the data (short system prompt) is 124 tokens and
    // the longest SFT target 116: 128 + 128 fills the 256-token context.
    // Fast mode (CI) only exercises the code: 32 tokens keep its sampling short.
    maxCompletionLength: fast ? 32 : 128,
    maxPromptLength: 128,
    maxLength: 256,
    seed: 3,
    fast,
  };
  const leveled = level === "one-step" ? oneStep(settings) : settings;
  return {
    ...leveled,
    model: options.model ?? leveled.model,
    maxLength: options.context ?? leveled.maxLength,
    maxPromptLength: promptWindow(
      leveled.maxPromptLength,
      leveled.maxCompletionLength,
      options.context ?? 256,
    ),
  };
}

/** The one-step level's changes to the multi-step settings (same prompt, rewards and format). */
function oneStep(settings: MathSettings): MathSettings {
  if (settings.fast) return settings;
  return {
    ...settings,
    // After 300 steps (2.4 epochs) the SFT model wrote the right operation
    // with the wrong numbers (7 % greedy accuracy); longer SFT copies more
    // of the question's numbers, so GRPO's groups hold more right answers.
    sftSteps: 500,
    // 80 steps (1280 rollouts) left accuracy where SFT had it. 200 did not
    // raise it measurably either (results/math/one-step), but stay within
    // the budget: ~1.7 s a step, about 12 minutes for the whole run on two
    // free cores (15.6 measured while another job shared them).
    steps: 200,
    // One-step targets are about 30 tokens; a shorter budget makes GRPO's
    // rollouts and the base model's rambling evaluation cheaper.
    maxCompletionLength: 64,
  };
}

/**
 * The prompt of a question in this experiment: the one-sentence system
 * prompt naming the tags, then the question. The R1 prompt would take 90
 * of the model's 256 positions.
 */
export function mathTaskPrompt(question: string): ChatMessage[] {
  return mathPrompt(question, "think", { system: "short" });
}
