/**
 * Scoring text under a model: the log-probability of every token given the
 * ones before it, read back to the host (no gradient), for a batch (GRPO's
 * reference and sampling-policy log-probs) or one sequence with its
 * perplexity.
 *
 * @module
 */
import {
  type PromptCompletion,
  promptCompletionBatch,
  targetMask,
  type TokenBatch,
} from "./batch.ts";
import type { CausalLM } from "./decoder.ts";
import { batchLogProbs, type LogProbOptions } from "./logprobs.ts";

/**
 * Next-token log-probs of `b` as host values, [B × (L − 1)] row-major
 * (see {@link batchLogProbs}); nothing stays on the heap.
 */
export function scoreBatch(
  model: CausalLM,
  b: TokenBatch,
  options: LogProbOptions = {},
): Float32Array {
  const values = batchLogProbs(model, b, options);
  try {
    // A copy: some backends hand out their own storage.
    return new Float32Array(values.dataSync());
  } finally {
    values.dispose();
  }
}

/** Per-token scores of one sequence. */
export interface SequenceScore {
  /** Token ids scored (the first has no log-prob: nothing precedes it). */
  ids: number[];
  /** log p(ids[t] | ids[< t]) for t ≥ 1; entry 0 is null. */
  logprobs: (number | null)[];
  /** Sum of the log-probs. */
  totalLogprob: number;
  /** Mean negative log-likelihood per scored token (nats). */
  meanNll: number;
  /** exp(meanNll). */
  perplexity: number;
}

/**
 * Scores `ids` (at least two tokens). Long sequences are scored in one
 * forward pass; memory stays bounded by the chunked log-prob computation.
 */
export function scoreSequence(
  model: CausalLM,
  ids: number[],
  chunk?: number,
): SequenceScore {
  if (ids.length < 2) {
    throw new Error(
      `scoreSequence: need at least 2 tokens to score, got ${ids.length}`,
    );
  }
  const max = model.config.maxPositionEmbeddings;
  if (ids.length > max) {
    throw new Error(
      `scoreSequence: ${ids.length} tokens exceed the model's max_position_embeddings (${max})`,
    );
  }
  const bad = ids.findIndex((t) =>
    !Number.isInteger(t) || t < 0 || t >= model.config.vocabSize
  );
  if (bad >= 0) {
    throw new Error(
      `scoreSequence: token ${bad} is ${
        ids[bad]
      }, outside the vocabulary [0, ${model.config.vocabSize})`,
    );
  }
  const lp = Array.from(scoreBatch(
    model,
    { ids: Int32Array.from(ids), batch: 1, length: ids.length },
    { chunk },
  ));
  const total = lp.reduce((a, b) => a + b, 0);
  const meanNll = -total / lp.length;
  return {
    ids,
    logprobs: [null, ...lp],
    totalLogprob: total,
    meanNll,
    perplexity: Math.exp(meanNll),
  };
}

/**
 * Σ log π of each completion given its prompt (T = 1), in batches of 8;
 * the stop token, when sampled, counts as a completion token.
 */
export function completionLogProbSums(
  model: CausalLM,
  replies: readonly PromptCompletion[],
  padId: number,
): number[] {
  const out: number[] = [];
  for (let start = 0; start < replies.length; start += 8) {
    const batch = promptCompletionBatch(replies.slice(start, start + 8), padId);
    const logps = scoreBatch(model, batch);
    const { weights } = targetMask(batch);
    const width = batch.length - 1;
    for (let r = 0; r < batch.batch; r++) {
      let sum = 0;
      for (let t = 0; t < width; t++) {
        sum += weights[r * width + t] * logps[r * width + t];
      }
      out.push(sum);
    }
  }
  return out;
}
