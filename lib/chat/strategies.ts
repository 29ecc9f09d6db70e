/**
 * ee596-fp's comparison of generation strategies (`comparison_demo.py`):
 * the same prompts answered under each sampling preset with the same seeds
 * — question i draws from the stream of (seed, 0, i) under every preset, so
 * presets differ only in how they pick tokens — and, per answer and per
 * preset, its length in words, its distinct-2 (unique ÷ total word bigrams:
 * low when it repeats itself), whether it is in the strict
 * `<reasoning>/<answer>` format, and the time each preset took (after one
 * short untimed pass, so the first preset does not pay the warm-up).
 *
 * ```ts
 * const result = compareStrategies(model, tokenizer, questions, prompts, {
 *   presets: ["greedy", "creative"], seed: 0, maxNewTokens: 64,
 * });
 * result.summary[0].meanWords;
 * ```
 *
 * @module
 */
import { sampleCompletions, sampleSeed } from "../eval/generate_samples.ts";
import { sampleDistinctN, wordCount } from "../eval/text_metrics.ts";
import { type PresetName, PRESETS } from "../generate/presets.ts";
import type { CausalLM } from "../model/decoder.ts";
import type { ChatMessage, Tokenizer } from "../tokenizer/mod.ts";
import { answerRecord, type Question } from "./answers.ts";

/** Options of {@link compareStrategies}. */
export interface StrategyOptions {
  /** Presets to compare, in order. */
  presets: readonly PresetName[];
  /** Base seed, the same for every preset. */
  seed: number;
  maxNewTokens: number;
  /** Prompts per `generate` call (default 8). */
  batchSize?: number;
  /** Called after each batch with the answers done so far over all presets. */
  onProgress?: (done: number, total: number) => void;
}

/** One answer: a question under a preset. */
export interface StrategyAnswer {
  /** Index of the question. */
  index: number;
  id: string | number;
  question: string;
  preset: PresetName;
  /** Seed of the answer's sampling stream (the same under every preset). */
  seed: number;
  /** The whole decoded completion. */
  answer: string;
  /** Text inside `<answer>…</answer>`, or null. */
  finalAnswer: string | null;
  formatOk: boolean;
  /** Cut by the new-token budget. */
  truncated: boolean;
  /** Whitespace words of the completion. */
  words: number;
  /** distinct-2 of the completion (0 below two words). */
  distinct2: number;
}

/** One preset's totals. */
export interface StrategySummary {
  preset: PresetName;
  temperature: number;
  topK: number;
  topP: number;
  answers: number;
  meanWords: number;
  /** Mean over answers of each answer's distinct-2. */
  meanDistinct2: number;
  /** Share of answers in the strict format (0–1). */
  formatRate: number;
  /** Wall-clock seconds the preset's answers took. */
  seconds: number;
}

/** What {@link compareStrategies} returns. */
export interface StrategyComparison {
  /** Question-major: every preset's answer to question 0, then to question 1, … */
  answers: StrategyAnswer[];
  /** One entry per preset, in the order asked. */
  summary: StrategySummary[];
}

/**
 * Answers `prompts` (the chat prompts of `questions`) once under each
 * preset with the same seeds, and measures each answer and each preset.
 */
export function compareStrategies(
  model: CausalLM,
  tokenizer: Tokenizer,
  questions: readonly Question[],
  prompts: readonly ChatMessage[][],
  options: StrategyOptions,
): StrategyComparison {
  if (options.presets.length === 0) {
    throw new Error("compareStrategies: no presets to compare");
  }
  // One short untimed pass first, so the first preset's time does not
  // include the engine's warm-up (kernel compilation, first allocations).
  sampleCompletions(
    model,
    tokenizer,
    prompts.slice(0, options.batchSize ?? 8),
    {
      k: 1,
      seed: options.seed,
      sampling: options.presets[0],
      maxNewTokens: Math.min(2, options.maxNewTokens),
      batchSize: options.batchSize,
    },
  );
  const total = options.presets.length * prompts.length;
  const byPreset: StrategyAnswer[][] = [];
  const summary: StrategySummary[] = [];
  options.presets.forEach((preset, p) => {
    const start = performance.now();
    const { outputs } = sampleCompletions(model, tokenizer, prompts, {
      k: 1,
      seed: options.seed,
      sampling: preset,
      maxNewTokens: options.maxNewTokens,
      batchSize: options.batchSize,
      onProgress: (done) =>
        options.onProgress?.(p * prompts.length + done, total),
    });
    const seconds = (performance.now() - start) / 1000;
    const answers = outputs.map((out, i): StrategyAnswer => {
      const text = out.samples[0];
      const record = answerRecord(
        questions[i],
        text,
        preset,
        sampleSeed(options.seed, 0, i),
      );
      return {
        index: i,
        id: record.id,
        question: record.question,
        preset,
        seed: record.seed,
        answer: text,
        finalAnswer: record.final_answer,
        formatOk: record.format_ok,
        truncated: out.truncated[0],
        words: wordCount(text),
        distinct2: sampleDistinctN(text, 2),
      };
    });
    byPreset.push(answers);
    const { temperature, topK, topP } = PRESETS[preset];
    summary.push({
      preset,
      temperature,
      topK,
      topP,
      answers: answers.length,
      meanWords: mean(answers.map((a) => a.words)),
      meanDistinct2: mean(answers.map((a) => a.distinct2)),
      formatRate: mean(answers.map((a) => (a.formatOk ? 1 : 0))),
      seconds,
    });
  });
  const answers = prompts.flatMap((_, i) => byPreset.map((list) => list[i]));
  return { answers, summary };
}

function mean(values: readonly number[]): number {
  return values.length === 0
    ? 0
    : values.reduce((a, b) => a + b, 0) / values.length;
}
