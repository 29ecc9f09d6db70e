/**
 * The haiku study's metrics: gemma_haiku's four columns (`full_eval.py`)
 * computed exactly, plus diagnostics that explain them, scored into the
 * one report shape of lib/eval.
 *
 * ```ts
 * const report = await evaluateHaikuOutputs(outputs, {
 *   model: "sft",
 *   trainHaikus: await readTrainHaikus("data/haiku/train.json"),
 *   embedder: useLiteEmbedder(),
 * });
 * report.aggregate.haiku; // { mean, low, high, groups, values }
 * ```
 *
 * Per output (the completion, stripped as gemma_haiku's `.strip()` does):
 *
 * | metric | value |
 * | --- | --- |
 * | Haiku Score | `isHaiku`: 1 for exactly three non-empty lines of 5, 7, 5 syllables |
 * | Similarity Score | cos(e(output), e(topic)) − 0.5 |
 * | Total Score | Haiku + Similarity (gemma_haiku's total has no three-lines term) |
 * | Train Overlap | 1 when the output equals a stripped train haiku exactly |
 * | three lines | 1 for exactly three non-empty lines |
 * | syllable error | outputs with exactly three lines only: mean over the lines of abs(count − 5-7-5 target) |
 * | prompt echo | share of the topic's content words repeated (lib/eval/echo.ts) |
 * | broken text | 1 when the output holds U+FFFD or a control character (lib/generate/text_constraint.ts) |
 * | words, chars | whitespace words and code points |
 *
 * Aggregates are means over outputs (over prompts when k = 1, as in
 * gemma_haiku). Differences from gemma_haiku, on purpose: k seeded samples
 * per prompt instead of one unseeded one; intervals; the topic after the
 * first colon (`topicRule: "legacy"` restores gemma_haiku's); any embedder
 * (gemma_haiku used MiniLM; its name is recorded, as cosines differ between
 * embedders); and completions decoded from the new tokens only with special
 * tokens skipped, where gemma_haiku decoded prompt + completion and kept the
 * text between the first `"model\n"` and the next `"<end_of_turn>"` (the
 * same text, except that gemma_haiku cut a completion at a `"model\n"` of
 * its own and kept other special tokens inside it).
 *
 * @module
 */
import { checkOutputs, evaluateOutputs } from "../../eval/evaluate.ts";
import { promptEcho } from "../../eval/echo.ts";
import { hasBrokenText } from "../../generate/text_constraint.ts";
import { defineMetrics } from "../../eval/metrics.ts";
import type { BootstrapOptions } from "../../eval/stats.ts";
import type {
  EvalReport,
  GenerationSettings,
  SampleInput,
  SampleResult,
  SampleScores,
} from "../../eval/types.ts";
import {
  haikuLineCounts,
  isHaiku,
  legacyTopicOf,
  type SyllableCounterName,
  threeLines,
  topicOf,
} from "../../rewards/haiku.ts";
import {
  cosineSimilarities,
  type Embedder,
  EmbeddingCache,
} from "../../rewards/similarity.ts";
import { HAIKU_PATTERN } from "../../rewards/syllables.ts";
import { pyLen, pySplit, pyStrip } from "../../rewards/text.ts";
import type { ChatMessage } from "../../tokenizer/mod.ts";

const score = { kind: "score", digits: 2 } as const;
const count = { kind: "count", digits: 1 } as const;

/**
 * Every metric, gemma_haiku's four first (labels: its README's names;
 * columns: its `full_eval.py` names), in table order.
 */
export const HAIKU_METRICS = defineMetrics(
  [
    {
      key: "haiku",
      label: "Haiku Score",
      column: "is_haiku_avg",
      description: "1 when the output is three lines of 5, 7, 5 syllables",
      format: score,
    },
    {
      key: "similarity",
      label: "Similarity Score",
      column: "similarity_avg",
      description: "cos(e(output), e(topic)) − 0.5 under the recorded embedder",
      format: score,
    },
    {
      key: "total",
      label: "Total Score",
      column: "total_avg",
      description:
        "Haiku + Similarity (no three-lines term, as in gemma_haiku)",
      format: score,
    },
    {
      key: "trainOverlap",
      label: "Train Overlap",
      column: "duplicate_percentage",
      description: "1 when the stripped output equals a stripped train haiku",
      format: { kind: "percent", digits: 1 },
    },
    {
      key: "threeLines",
      label: "Three lines",
      column: "three_line_rate",
      description: "1 when the output has exactly three non-empty lines",
      format: score,
    },
    {
      key: "syllableError",
      label: "Syllable error",
      column: "syllable_mae",
      description:
        "three-line outputs only: mean over the lines of |syllables − 5-7-5 target|",
      format: score,
    },
    {
      key: "promptEcho",
      label: "Prompt echo",
      column: "prompt_echo",
      description: "share of the topic's content words that the output repeats",
      format: score,
    },
    {
      key: "brokenText",
      label: "Broken text",
      column: "broken_text_rate",
      description:
        "1 when the output holds U+FFFD or a control character (other than tab and newlines)",
      format: { kind: "percent", digits: 1 },
    },
    {
      key: "words",
      label: "Words",
      column: "words_avg",
      description: "whitespace-separated words of the stripped output",
      format: count,
    },
    {
      key: "chars",
      label: "Characters",
      column: "chars_avg",
      description: "code points of the stripped output",
      format: count,
    },
  ] as const,
);

/** A haiku metric's key. */
export type HaikuMetric = typeof HAIKU_METRICS[number]["key"];

/** The model outputs for one prompt, as {@link evaluateHaikuOutputs} takes them. */
export interface HaikuOutput {
  /** The prompt as the model saw it (text or conversation). */
  prompt: string | ChatMessage[];
  /** The topic; default `topicOf(prompt)` (or the legacy rule, see options). */
  topic?: string;
  /** The dataset's reference haiku, carried into the per-prompt rows. */
  reference?: string;
  /** The k completions (completion text only, no prompt, no special tokens). */
  samples: string[];
}

/** Options of {@link evaluateHaikuOutputs}. */
export interface HaikuEvalOptions {
  /** The train haikus (assistant answers) the Train Overlap compares against. */
  trainHaikus: readonly string[];
  /** Sentence embedder of the similarity. */
  embedder: Embedder;
  /** Syllable counter (default "cmu"; "pyphen" is gemma_haiku's). */
  counter?: SyllableCounterName;
  /** Model name for tables (default "model"). */
  model?: string;
  /** How the outputs were generated, recorded in the report. */
  generation?: Partial<GenerationSettings>;
  /** Bootstrap settings (default B = 2000, seed 0, 95 %). */
  bootstrap?: BootstrapOptions;
  /** Topic rule when an output has no `topic` (default "fixed"). */
  topicRule?: "fixed" | "legacy";
  /** Texts per embedder call (default 256). */
  embedBatch?: number;
}

/** gemma_haiku's similarity offset. */
export const SIMILARITY_OFFSET = 0.5;

/** The haiku study's extras of a sample. */
export interface HaikuExtras {
  /** The raw cosine, before the offset. */
  cosine: number;
  /** Syllables per non-empty line. */
  lineSyllables: number[];
}

/**
 * Scores the k outputs of every prompt and aggregates them with bootstrap
 * intervals over prompts. Every prompt must have the same number k ≥ 1 of
 * samples. The report's study settings record the embedder, the syllable
 * counter, the topic rule and the similarity offset.
 */
export async function evaluateHaikuOutputs(
  outputs: readonly HaikuOutput[],
  options: HaikuEvalOptions,
): Promise<EvalReport> {
  checkOutputs(outputs);
  const counter = options.counter ?? "cmu";
  const topicRule = options.topicRule ?? "fixed";
  const train = trainSet(options.trainHaikus);
  if (typeof options.embedder?.embed !== "function") {
    throw new Error(
      "evaluateHaikuOutputs: options.embedder is not an Embedder",
    );
  }
  const batch = options.embedBatch ?? 256;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new Error(`embedBatch must be a positive integer, got ${batch}`);
  }
  const prompts = outputs.map((o, i) => {
    if (o.topic !== undefined && typeof o.topic !== "string") {
      throw new Error(
        `output ${i}: topic must be a string, got ${typeof o.topic}`,
      );
    }
    let topic = o.topic;
    try {
      topic ??= topicRule === "legacy"
        ? legacyTopicOf(o.prompt)
        : topicOf(o.prompt);
    } catch (error) {
      throw new Error(`output ${i}: ${(error as Error).message}`);
    }
    return {
      prompt: o.prompt,
      id: topic,
      ...(o.reference !== undefined ? { reference: o.reference } : {}),
      samples: o.samples,
    };
  });
  return await evaluateOutputs(prompts, {
    model: options.model ?? "model",
    metrics: HAIKU_METRICS,
    generation: options.generation,
    bootstrap: options.bootstrap,
    study: {
      embedder: options.embedder.name,
      counter,
      topicRule,
      similarityOffset: SIMILARITY_OFFSET,
    },
    score: async (samples) => {
      const cosines = await cosinesOf(options.embedder, samples, batch);
      return samples.map((s, i) =>
        scoreHaikuSample(s.text, s.prompt.id, cosines[i], train, counter)
      );
    },
  });
}

/** The scores of one output against its topic (cosine precomputed). */
export function scoreHaikuSample(
  text: string,
  topic: string,
  cosine: number,
  train: ReadonlySet<string>,
  counter: SyllableCounterName = "cmu",
): SampleScores & { extras: HaikuExtras } {
  const stripped = pyStrip(text);
  const haiku = isHaiku(stripped, counter) ? 1 : 0;
  const similarity = cosine - SIMILARITY_OFFSET;
  const lineSyllables = haikuLineCounts(stripped, counter);
  const three = threeLines(stripped) === 0;
  return {
    values: {
      haiku,
      similarity,
      total: haiku + similarity,
      trainOverlap: train.has(stripped) ? 1 : 0,
      threeLines: three ? 1 : 0,
      syllableError: three ? syllableError(lineSyllables) : null,
      promptEcho: promptEcho(topic, stripped),
      // The raw text: a stray control byte is broken even where strip() drops it.
      brokenText: hasBrokenText(text) ? 1 : 0,
      words: pySplit(stripped).length,
      chars: pyLen(stripped),
    },
    extras: { cosine, lineSyllables },
  };
}

/** The haiku extras of a scored sample. */
export function haikuExtras(sample: SampleResult): HaikuExtras {
  return sample.extras as unknown as HaikuExtras;
}

/** gemma_haiku's `duplicates`: outputs equal to a train haiku. */
export function duplicates(report: EvalReport): number {
  return report.prompts.reduce(
    (n, p) => n + p.samples.filter((s) => s.values.trainOverlap === 1).length,
    0,
  );
}

/** Mean over the three lines of |count − target| for 5-7-5. */
export function syllableError(counts: readonly number[]): number {
  if (counts.length !== HAIKU_PATTERN.length) {
    throw new Error(
      `syllableError: expected ${HAIKU_PATTERN.length} line counts, got ${counts.length}`,
    );
  }
  const sum = counts.reduce((s, c, i) => s + Math.abs(c - HAIKU_PATTERN[i]), 0);
  return sum / counts.length;
}

/** The stripped train haikus, as gemma_haiku's duplicate check compares them. */
export function trainSet(trainHaikus: readonly string[]): Set<string> {
  if (!Array.isArray(trainHaikus)) {
    throw new Error(
      "evaluateHaikuOutputs: trainHaikus must be a list of strings",
    );
  }
  return new Set(trainHaikus.map((h, i) => {
    if (typeof h !== "string") {
      throw new Error(`trainHaikus[${i}] is ${typeof h}, not a string`);
    }
    return pyStrip(h);
  }));
}

/** Cosine of every stripped sample with its topic, `batch` texts per embedder call. */
async function cosinesOf(
  embedder: Embedder,
  samples: readonly SampleInput[],
  batch: number,
): Promise<number[]> {
  const texts = samples.map((s) => pyStrip(s.text));
  const refs = samples.map((s) => s.prompt.id);
  const cache = new EmbeddingCache();
  const flat: number[] = [];
  for (let at = 0; at < texts.length; at += batch) {
    const part = await cosineSimilarities(
      embedder,
      texts.slice(at, at + batch),
      refs.slice(at, at + batch),
      cache,
    );
    part.forEach((c, j) => {
      if (!Number.isFinite(c)) {
        const s = samples[at + j];
        throw new Error(
          `embedder "${embedder.name}" gave a cosine of ${c} for output ${s.promptIndex} sample ${s.sampleIndex}`,
        );
      }
    });
    flat.push(...part);
  }
  return flat;
}
