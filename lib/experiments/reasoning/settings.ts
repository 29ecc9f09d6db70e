/**
 * Settings and SFT targets of the rubric-reasoning experiment
 * (ee596-fp, `42euge/ee596-fp`): answer a question in
 * `<reasoning>…</reasoning><answer>…</answer>`, rewarded by the strict
 * format plus a rubric grade.
 *
 * ```ts
 * const settings = reasoningSettings({ fast: true });
 * reasoningPrompt("Why does ice float?"); // lib/prompt: [system, user]
 * sftTarget(referenceAnswer, (s) => tok.encode(s).length, 120);
 * ```
 *
 * The policy sees the system prompt and the question only; the rubric goes
 * to the grader (ee596-fp pasted it into the prompt, so the policy could copy
 * its words).
 *
 * @module
 */
import { type ExperimentPaths, experimentPaths } from "../paths.ts";

/** Settings of a rubric-reasoning run. */
export interface ReasoningSettings extends ExperimentPaths {
  sftSteps: number;
  sftLearningRate: number;
  /**
   * SFT targets are cut to this many tokens, well under the completion cap,
   * so sampled answers (which run longer than the targets) still close
   * their tags before the cap.
   */
  sftTargetTokens: number;
  /** GRPO steps. */
  steps: number;
  learningRate: number;
  /** Weight of the rubric grade (in [0, 1]) against the strict format (0 or 1). */
  rubricWeight: number;
  /** GRPO and evaluation cap on new tokens; prompt + this must fit 256. */
  maxCompletionLength: number;
  /** Eval questions used (the first n of eval.jsonl). */
  evalQuestions: number;
  /** Samples per question and model. */
  k: number;
  seed: number;
  /** CI's fast mode: a couple of steps per stage, a few questions. */
  fast: boolean;
}

/** The longest prompt in data/rubric is 126 tokens on the default model. */
const MAX_POSITIONS = 256;

/**
 * Defaults for the embedded model, or for `model` (the model's own context
 * sets the prompt window when training: ./train.ts); `fast` shrinks
 * everything for CI.
 */
export function reasoningSettings(
  options: { fast?: boolean; run?: string; model?: string } = {},
): ReasoningSettings {
  const fast = options.fast ?? false;
  const run = options.run ?? (fast ? "fast" : "main");
  const paths = experimentPaths("reasoning", run, {
    train: "data/rubric/train.jsonl",
    eval: "data/rubric/eval.jsonl",
  });
  return {
    ...paths,
    model: options.model ?? paths.model,
    sftSteps: fast ? 2 : 200,
    sftLearningRate: 2e-3,
    sftTargetTokens: fast ? 24 : 88,
    steps: fast ? 2 : 80,
    // 3e-4 (TLDR's) collapsed the format within a few steps here: the
    // rubric grade is sparse on this model, so most groups carry noise.
    learningRate: 1e-4,
    rubricWeight: 2,
    maxCompletionLength: fast ? 32 : 128,
    evalQuestions: fast ? 3 : 22,
    k: fast ? 1 : 4,
    seed: 11,
    fast,
  };
}

/**
 * Splits a reference answer into sentences after `.`, `!` or `?` followed
 * by space and a capital, digit or quote, so "e.g. cell walls" and "0.92"
 * stay whole. Unlike lib/util/sentences.ts (built for book prose, which
 * merges after "No." and single initials), a one-word "No." here is a
 * sentence of its own.
 */
export function splitSentences(text: string): string[] {
  return text.trim().split(/(?<=[.!?])\s+(?=["'(\p{Lu}\p{N}])/u)
    .map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The tagged answer text of a reasoning and a final answer. */
export function taggedAnswer(reasoning: string, answer: string): string {
  return `<reasoning>\n${reasoning}\n</reasoning>\n<answer>\n${answer}\n</answer>`;
}

/**
 * The SFT target of a reference answer: its last sentence is the answer and
 * the sentences before it the reasoning; a one-sentence reference is both.
 * When the target is over `budget` (measured by `count`, e.g. tokens),
 * reasoning sentences are dropped from the end until it fits or one is
 * left, so the closing tags survive truncation to the model's context.
 */
export function sftTarget(
  reference: string,
  count: (text: string) => number = (t) => t.length,
  budget = Infinity,
): string {
  const sentences = splitSentences(reference);
  if (sentences.length === 0) {
    throw new Error("sftTarget: the reference answer is empty");
  }
  if (sentences.length === 1) return taggedAnswer(sentences[0], sentences[0]);
  const answer = sentences.at(-1)!;
  let reasoning = sentences.slice(0, -1);
  while (
    reasoning.length > 1 &&
    count(taggedAnswer(reasoning.join(" "), answer)) > budget
  ) {
    reasoning = reasoning.slice(0, -1);
  }
  return taggedAnswer(reasoning.join(" "), answer);
}

/** Checks that the longest prompt plus the completion cap fits the model. */
export function checkContext(
  promptTokens: readonly number[],
  maxCompletionLength: number,
  maxPositions = MAX_POSITIONS,
): void {
  const longest = Math.max(...promptTokens);
  if (longest + maxCompletionLength > maxPositions) {
    throw new Error(
      `reasoning: the longest prompt (${longest} tokens) + max_completion_length ` +
        `(${maxCompletionLength}) exceeds the model's ${maxPositions} positions`,
    );
  }
}
