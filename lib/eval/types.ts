/**
 * The shape of an evaluation report: one model (optionally one variant of
 * it, e.g. a decoding preset) × prompts × k samples × a study's metrics,
 * with the per-prompt means and the aggregates with bootstrap intervals
 * over prompts. Every study's evaluation produces this shape, and every
 * table, CSV file, chart and paired comparison reads it.
 *
 * A study supplies its {@link MetricSet} (lib/eval/metrics.ts), a
 * {@link SampleScorer}, and optionally a {@link ReportLayout} for its own
 * columns, tables and charts.
 *
 * @module
 */
import type { SamplingOptions } from "../generate/presets.ts";
import type { ChatMessage } from "../tokenizer/mod.ts";
import type { Metric } from "./metrics.ts";
import type { BootstrapOptions, Estimate } from "./stats.ts";

/** How the outputs were generated, recorded in the report (null = unknown). */
export interface GenerationSettings {
  /** Base seed of the sampling. */
  seed: number | null;
  /** Sampling options, or a description when not tunebook's sampler (e.g. an API's defaults). */
  sampling: SamplingOptions | string | null;
  /** Cap on new tokens. */
  maxNewTokens: number | null;
}

/** A study setting recorded in a report (JSON- and CSV-friendly). */
export type StudySetting = string | number | boolean | null;

/** Everything that defines the numbers of a report. */
export interface EvalSettings extends GenerationSettings {
  /** Samples per prompt. */
  k: number;
  /** Number of prompts. */
  prompts: number;
  /** Bootstrap settings of every interval. */
  bootstrap: Required<BootstrapOptions>;
  /**
   * The study's own settings that change what a metric means (e.g. the
   * embedder behind a similarity); reports are paired only when they agree.
   */
  study: Record<string, StudySetting>;
}

/** One sample: its text, its metric values and the study's extras. */
export interface SampleResult {
  /** The completion as scored. */
  text: string;
  /** Per metric key, the value; null where the metric does not apply. */
  values: Record<string, number | null>;
  /** What else the study keeps per sample (e.g. syllables per line, the extracted answer). */
  extras?: Record<string, unknown>;
}

/** One prompt's samples and their means. */
export interface PromptResult {
  /** Position in the evaluated list (0-based). */
  index: number;
  /** What names the prompt in tables and pairings (a topic, a question, a row id). */
  id: string;
  /** The prompt as the model saw it (text or conversation). */
  prompt: string | ChatMessage[];
  /** The dataset's reference answer, if any. */
  reference?: string;
  /** What else the study keeps per prompt (e.g. a problem's story template). */
  extras?: Record<string, unknown>;
  samples: SampleResult[];
  /** Per metric, the mean over the samples it applies to (null: none). */
  means: Record<string, number | null>;
}

/** A model's evaluation: settings, metric set, aggregates with intervals, per-prompt rows. */
export interface EvalReport {
  /** Model name: the row of the tables. */
  model: string;
  /** Set when a study evaluates one model several ways (a decoding preset). */
  variant?: string;
  settings: EvalSettings;
  /** The metrics scored, in table order. */
  metrics: Metric[];
  /**
   * Per metric key, the mean over every sample it applies to with a
   * bootstrap interval over prompts; null when it applies to no sample.
   */
  aggregate: Record<string, Estimate | null>;
  prompts: PromptResult[];
}

/** One prompt's completions, as {@link evaluateOutputs} takes them. */
export interface PromptOutputs {
  prompt: string | ChatMessage[];
  /** See {@link PromptResult.id}. */
  id: string;
  reference?: string;
  extras?: Record<string, unknown>;
  /** The k completions (completion text only). */
  samples: string[];
}

/** One sample as a {@link SampleScorer} sees it. */
export interface SampleInput {
  /** The prompt it answers. */
  prompt: PromptOutputs;
  promptIndex: number;
  sampleIndex: number;
  text: string;
}

/** What a scorer returns for one sample. */
export interface SampleScores {
  /** A value (or null) for every metric of the set. */
  values: Record<string, number | null>;
  extras?: Record<string, unknown>;
}

/**
 * Scores every sample of a report at once (prompt by prompt, sample by
 * sample), so that batched scorers (an embedder, a reward batch) make one
 * pass; a per-sample scorer maps over the list.
 */
export type SampleScorer = (
  samples: readonly SampleInput[],
) => SampleScores[] | Promise<SampleScores[]>;

/** A CSV row: column → cell (null cells are written empty). */
export type CsvRow = Record<string, string | number | null>;

/**
 * How a study's results look beyond the generic files: its names for the
 * model and prompt columns, columns of its own, its summary.md and its
 * charts. Every field is optional.
 */
export interface ReportLayout {
  /** CSV heading of the model column (default "model"). */
  modelColumn?: string;
  /** CSV heading of the prompt id column (default "id"). */
  idColumn?: string;
  /**
   * Columns that open summary.csv, with their cells per report (e.g. a
   * reference project's columns in its order). A metric column or the
   * model column named here is not repeated later.
   */
  summaryLead?: {
    columns: readonly string[];
    cells(report: EvalReport): CsvRow;
  };
  /** Study columns of samples.csv, after the completion, from a sample's extras. */
  sampleColumns?: {
    columns: readonly string[];
    cells(sample: SampleResult): CsvRow;
  };
  /** The text of summary.md (default: the summary table). */
  summaryMarkdown?(reports: readonly EvalReport[]): string;
  /** Charts written beside the tables: file name → SVG text. */
  charts?(reports: readonly EvalReport[]): Record<string, string>;
}
