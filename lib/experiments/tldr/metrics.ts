/**
 * The TLDR metrics: finetuned-llama's length reward −|target − characters|
 * on the completion text, the characters themselves, the distance to the
 * target, and the USE-lite similarity of the summary to its passage.
 *
 * ```ts
 * const score = tldrScorer({ embedder, passageVectors, target: 50 });
 * const report = await evaluateOutputs(outputs, { model: "SFT", metrics: tldrMetrics(50), score });
 * ```
 *
 * @module
 */
import { defineMetrics, type MetricSet } from "../../eval/metrics.ts";
import type { SampleScorer } from "../../eval/types.ts";
import { cosine, type Embedder } from "../../rewards/similarity.ts";

const one = { kind: "score", digits: 1 } as const;

/** The metrics for a target length in characters, in table order. */
export function tldrMetrics(target: number): MetricSet {
  return defineMetrics([
    {
      key: "reward",
      label: `Reward −|${target} − chars|`,
      column: "reward",
      description:
        `finetuned-llama's reward_len on the completion text: −|${target} − characters|`,
      format: one,
    },
    {
      key: "chars",
      label: "Characters",
      column: "chars",
      description: "code points of the trimmed summary",
      format: { kind: "count", digits: 1 },
    },
    {
      key: "absError",
      label: "|error|",
      column: "abs_error",
      description: `|${target} − characters|`,
      format: one,
    },
    {
      key: "similarity",
      label: "Similarity to passage",
      column: "similarity",
      description: "USE-lite cosine of the summary and its passage",
      format: { kind: "score", digits: 3 },
    },
  ]);
}

/** What {@link tldrScorer} needs. */
export interface TldrScorerOptions {
  embedder: Embedder;
  /** The passages' embeddings, in prompt order. */
  passageVectors: readonly Float32Array[];
  target: number;
}

/** Scores the summaries of a report, embedding them in one call. */
export function tldrScorer(options: TldrScorerOptions): SampleScorer {
  return async (samples) => {
    const vectors = await options.embedder.embed(samples.map((s) => s.text));
    return samples.map((s, i) => {
      const chars = [...s.text].length;
      const reward = -Math.abs(options.target - chars);
      return {
        values: {
          reward,
          chars,
          absError: -reward,
          similarity: cosine(vectors[i], options.passageVectors[s.promptIndex]),
        },
      };
    });
  };
}
