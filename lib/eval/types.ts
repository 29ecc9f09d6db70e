/**
 * The shape of a haiku evaluation: the metrics, the per-sample and
 * per-prompt scores, and the report with its settings.
 *
 * @module
 */
import type { SamplingOptions } from "../generate/presets.ts";
import type { SyllableCounterName } from "../rewards/haiku.ts";
import type { ChatMessage } from "../rewards/types.ts";
import type { BootstrapOptions, Estimate } from "./stats.ts";

/** The metrics of a haiku evaluation, keyed as in {@link SampleScore}. */
export type HaikuMetric =
  | "haiku"
  | "similarity"
  | "total"
  | "trainOverlap"
  | "threeLines"
  | "syllableError"
  | "promptEcho"
  | "words"
  | "chars";

/** How a metric is named in tables and CSV files. */
export interface MetricInfo {
  key: HaikuMetric;
  /** Heading in markdown tables (gemma_haiku's README names for its four). */
  label: string;
  /** CSV column (gemma_haiku's `full_eval.py` names for its four). */
  column: string;
  /** Whether gemma_haiku reported it. */
  seed: boolean;
  /** One line: what a sample contributes. */
  description: string;
}

/** Every metric, gemma_haiku's first, in table order. */
export const HAIKU_METRICS: readonly MetricInfo[] = [
  {
    key: "haiku",
    label: "Haiku Score",
    column: "is_haiku_avg",
    seed: true,
    description: "1 when the output is three lines of 5, 7, 5 syllables",
  },
  {
    key: "similarity",
    label: "Similarity Score",
    column: "similarity_avg",
    seed: true,
    description: "cos(e(output), e(topic)) − 0.5 under the recorded embedder",
  },
  {
    key: "total",
    label: "Total Score",
    column: "total_avg",
    seed: true,
    description: "Haiku + Similarity (no three-lines term, as in gemma_haiku)",
  },
  {
    key: "trainOverlap",
    label: "Train Overlap",
    column: "duplicate_percentage",
    seed: true,
    description: "1 when the stripped output equals a stripped train haiku",
  },
  {
    key: "threeLines",
    label: "Three lines",
    column: "three_line_rate",
    seed: false,
    description: "1 when the output has exactly three non-empty lines",
  },
  {
    key: "syllableError",
    label: "Syllable error",
    column: "syllable_mae",
    seed: false,
    description:
      "three-line outputs only: mean over the lines of |syllables − 5-7-5 target|",
  },
  {
    key: "promptEcho",
    label: "Prompt echo",
    column: "prompt_echo",
    seed: false,
    description: "share of the topic's content words that the output repeats",
  },
  {
    key: "words",
    label: "Words",
    column: "words_avg",
    seed: false,
    description: "whitespace-separated words of the stripped output",
  },
  {
    key: "chars",
    label: "Characters",
    column: "chars_avg",
    seed: false,
    description: "code points of the stripped output",
  },
];

/** The {@link MetricInfo} of `key`. */
export function metricInfo(key: HaikuMetric): MetricInfo {
  const info = HAIKU_METRICS.find((m) => m.key === key);
  if (!info) {
    throw new Error(
      `unknown haiku metric ${JSON.stringify(key)}; expected one of ${
        HAIKU_METRICS.map((m) => m.key).join(", ")
      }`,
    );
  }
  return info;
}

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

/** How the outputs were generated, recorded in the report (null = unknown). */
export interface GenerationSettings {
  /** Base seed of the sampling. */
  seed: number | null;
  /** Sampling options, or a description when not tunebook's sampler (e.g. an API's defaults). */
  sampling: SamplingOptions | string | null;
  /** Cap on new tokens. */
  maxNewTokens: number | null;
}

/** Everything that defines the numbers of a report. */
export interface EvalSettings extends GenerationSettings {
  /** Samples per prompt. */
  k: number;
  /** Number of prompts. */
  prompts: number;
  /** Name of the embedder behind the similarity (cosines are not comparable across embedders). */
  embedder: string;
  /** Syllable counter. */
  counter: SyllableCounterName;
  /** "fixed": all text after the first colon; "legacy": gemma_haiku's first-to-second colon. */
  topicRule: "fixed" | "legacy";
  /** Subtracted from the cosine (0.5, gemma_haiku's). */
  similarityOffset: number;
  /** Bootstrap settings of every interval. */
  bootstrap: Required<BootstrapOptions>;
}

/** The scores of one output. Metric fields are `null` where the metric does not apply. */
export interface SampleScore {
  /** The completion as given. */
  text: string;
  haiku: number;
  /** The raw cosine, before the offset. */
  cosine: number;
  similarity: number;
  total: number;
  trainOverlap: number;
  threeLines: number;
  /** Syllables per non-empty line. */
  lineSyllables: number[];
  /** Only for outputs of exactly three lines. */
  syllableError: number | null;
  /** Null when the topic has no content words. */
  promptEcho: number | null;
  words: number;
  chars: number;
}

/** The scores of one prompt. */
export interface PromptScores {
  /** Position in the evaluated list (0-based). */
  index: number;
  prompt: string | ChatMessage[];
  topic: string;
  reference?: string;
  samples: SampleScore[];
  /** Per metric, the mean over the samples it applies to (null: none). */
  means: Record<HaikuMetric, number | null>;
}

/** A model's evaluation: settings, aggregates with intervals, per-prompt rows. */
export interface EvalReport {
  /** Model name, as shown in tables (gemma_haiku's `model_path`). */
  model: string;
  settings: EvalSettings;
  /**
   * Per metric, the mean over every output it applies to with a 95 %
   * (see settings) bootstrap interval over prompts; null when it applies to
   * no output (e.g. no output has three lines).
   */
  aggregate: Record<HaikuMetric, Estimate | null>;
  /** gemma_haiku's `duplicates`: outputs equal to a train haiku. */
  duplicates: number;
  /** Number of outputs, prompts × k (gemma_haiku's `total_samples` with k = 1). */
  outputs: number;
  prompts: PromptScores[];
}
