/**
 * From completions to a report: a study's scorer gives each sample a value
 * per metric (or null where it does not apply); each prompt gets the mean
 * of its samples, and each metric a mean over all its values with a
 * bootstrap interval that resamples prompts.
 *
 * ```ts
 * const report = await evaluateOutputs(
 *   [{ prompt: "2 + 2?", id: "q1", samples: ["4", "5"] }],
 *   {
 *     model: "sft",
 *     metrics: TOY_METRICS,
 *     score: (samples) => samples.map((s) => ({ values: { right: s.text === "4" ? 1 : 0 } })),
 *   },
 * );
 * report.aggregate.right; // { mean: 0.5, low, high, groups: 1, values: 2 }
 * ```
 *
 * @module
 */
import type { MetricSet } from "./metrics.ts";
import {
  bootstrapCI,
  type BootstrapOptions,
  bootstrapSettings,
} from "./stats.ts";
import type {
  EvalReport,
  GenerationSettings,
  PromptOutputs,
  PromptResult,
  SampleInput,
  SampleResult,
  SampleScorer,
  StudySetting,
} from "./types.ts";

/** Options of {@link evaluateOutputs}. */
export interface EvaluateOptions {
  /** Model name for tables. */
  model: string;
  /** The decoding or other variant, when a study evaluates one model several ways. */
  variant?: string;
  metrics: MetricSet;
  score: SampleScorer;
  /** How the outputs were generated, recorded in the report. */
  generation?: Partial<GenerationSettings>;
  /** Bootstrap settings (default B = 2000, seed 0, 95 %). */
  bootstrap?: BootstrapOptions;
  /** The study's settings that define its metrics (e.g. the embedder). */
  study?: Record<string, StudySetting>;
}

/**
 * Scores the k samples of every prompt and aggregates them. Every prompt
 * must have the same number k ≥ 1 of samples (so that a mean over samples
 * is also a mean over prompts).
 */
export async function evaluateOutputs(
  outputs: readonly PromptOutputs[],
  options: EvaluateOptions,
): Promise<EvalReport> {
  const k = checkOutputs(outputs);
  const bootstrap = bootstrapSettings(options.bootstrap);
  const inputs: SampleInput[] = outputs.flatMap((prompt, promptIndex) =>
    prompt.samples.map((text, sampleIndex) => ({
      prompt,
      promptIndex,
      sampleIndex,
      text,
    }))
  );
  const scores = await options.score(inputs);
  if (!Array.isArray(scores) || scores.length !== inputs.length) {
    throw new Error(
      `the scorer returned ${
        Array.isArray(scores) ? scores.length : typeof scores
      } scores for ${inputs.length} samples`,
    );
  }
  let at = 0;
  const prompts: PromptResult[] = outputs.map((o, index) => {
    const samples = o.samples.map((text, j): SampleResult => {
      const { values, extras } = scores[at++];
      checkValues(values, options.metrics, `output ${index} sample ${j}`);
      return { text, values, ...(extras !== undefined ? { extras } : {}) };
    });
    return {
      index,
      id: o.id,
      prompt: o.prompt,
      ...(o.reference !== undefined ? { reference: o.reference } : {}),
      ...(o.extras !== undefined ? { extras: o.extras } : {}),
      samples,
      means: promptMeans(samples, options.metrics),
    };
  });
  const aggregate = Object.fromEntries(options.metrics.map(({ key }) => {
    const groups = prompts.map((p) => sampleValues(p.samples, key));
    const any = groups.some((g) => g.length > 0);
    return [key, any ? bootstrapCI(groups, bootstrap) : null];
  }));
  const generation = options.generation ?? {};
  return {
    model: options.model,
    ...(options.variant !== undefined ? { variant: options.variant } : {}),
    settings: {
      k,
      prompts: outputs.length,
      seed: generation.seed ?? null,
      sampling: generation.sampling ?? null,
      maxNewTokens: generation.maxNewTokens ?? null,
      bootstrap,
      study: { ...options.study },
    },
    metrics: [...options.metrics],
    aggregate,
    prompts,
  };
}

/** The non-null values of metric `key` over `samples`. */
export function sampleValues(
  samples: readonly SampleResult[],
  key: string,
): number[] {
  return samples.map((s) => s.values[key]).filter(
    (v): v is number => v !== null && v !== undefined,
  );
}

/** The row label of a report: its model, and its variant in brackets. */
export function reportLabel(report: EvalReport): string {
  return report.variant === undefined
    ? report.model
    : `${report.model} (${report.variant})`;
}

/** Number of samples of a report (prompts × k). */
export function sampleCount(report: EvalReport): number {
  return report.prompts.reduce((n, p) => n + p.samples.length, 0);
}

/** Throws unless every prompt has the same number k ≥ 1 of text samples; returns k. */
export function checkOutputs(
  outputs: readonly { prompt: unknown; samples: unknown }[],
): number {
  if (!Array.isArray(outputs) || outputs.length === 0) {
    throw new Error("no outputs to evaluate");
  }
  let k = -1;
  outputs.forEach((o, i) => {
    const p = o?.prompt;
    if (typeof p !== "string" && !Array.isArray(p)) {
      throw new Error(
        `output ${i}: prompt must be a string or a message list, got ${typeof p}`,
      );
    }
    const samples = o.samples;
    if (!Array.isArray(samples) || samples.length === 0) {
      throw new Error(
        `output ${i}: samples must be a non-empty list of completions`,
      );
    }
    samples.forEach((s: unknown, j: number) => {
      if (typeof s !== "string") {
        throw new Error(
          `output ${i} sample ${j}: expected the completion text, got ${typeof s}`,
        );
      }
    });
    if (k < 0) k = samples.length;
    if (samples.length !== k) {
      throw new Error(
        `output ${i} has ${samples.length} samples but output 0 has ${k}; every prompt needs the same k`,
      );
    }
  });
  return k;
}

function promptMeans(
  samples: readonly SampleResult[],
  metrics: MetricSet,
): Record<string, number | null> {
  return Object.fromEntries(metrics.map(({ key }) => {
    const values = sampleValues(samples, key);
    return [
      key,
      values.length ? values.reduce((a, b) => a + b, 0) / values.length : null,
    ];
  }));
}

/** A value (finite number or null) for every metric, and no other key. */
function checkValues(
  values: Record<string, number | null>,
  metrics: MetricSet,
  where: string,
): void {
  if (typeof values !== "object" || values === null) {
    throw new Error(`${where}: the scorer gave no values`);
  }
  for (const { key } of metrics) {
    const v = values[key];
    if (v !== null && (typeof v !== "number" || !Number.isFinite(v))) {
      throw new Error(
        `${where}: metric "${key}" is ${v}; expected a finite number or null`,
      );
    }
  }
  const extra = Object.keys(values).find((key) =>
    !metrics.some((m) => m.key === key)
  );
  if (extra !== undefined) {
    throw new Error(
      `${where}: the scorer gave "${extra}", which is not in the metric set (${
        metrics.map((m) => m.key).join(", ")
      })`,
    );
  }
}
