/**
 * DPO's batch, TRL's layout: B pairs become one {@link TokenBatch} of 2B
 * rows — prompt + chosen for every pair, then prompt + rejected — right-
 * padded, with the completion tokens as the only targets. One forward pass
 * through the one log-prob path (lib/model/logprobs.ts) gives every row's
 * summed completion log-prob:
 *
 *   Σ_t m_t · log π(x_{t+1} | x_{≤t})   m: the completion mask on the shifted grid
 *
 * and, for TRL's `logits/*` metrics, the sum over the same positions of
 * the logit vector's vocabulary mean.
 *
 * ```ts
 * const batch = pairBatch(encoded, [4, 9], tok.padId);   // rows: c4, c9, r4, r9
 * const { logps } = completionSums(model, batch);        // [4] differentiable
 * const ref = referenceSums(model, batch);               // Float32Array [4], no gradient
 * ```
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import {
  attendedTokens,
  promptCompletionBatch,
  targetMask,
  type TokenBatch,
} from "../../model/batch.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { batchLogProbsAndMeanLogits } from "../../model/logprobs.ts";
import type { EncodedPair } from "../../prompt/preference.ts";

/** B pairs laid out as 2B rows (see the module comment). */
export interface PairBatch {
  /** The pairs' indices in their split (for precomputed reference values). */
  indices: number[];
  /** Pairs: the first `pairs` rows are chosen, the next `pairs` rejected. */
  pairs: number;
  tokens: TokenBatch;
  /** Counted completion positions [2B × (L − 1)]. */
  mask: Float32Array;
  /** Completion tokens of each row [2B]. */
  lengths: Float32Array;
  /** Attended (non-padding) tokens of all rows: TRL's num_tokens. */
  attended: number;
}

/** Lays out `pairs[i]` for each i of `indices` (see the module comment). */
export function pairBatch(
  pairs: readonly Pick<
    EncodedPair,
    "promptIds" | "chosenIds" | "rejectedIds"
  >[],
  indices: readonly number[],
  padId: number,
): PairBatch {
  if (indices.length === 0) throw new Error("pairBatch: no pairs");
  const chosen = indices.map((i) => ({
    promptIds: pairs[i].promptIds,
    completionIds: pairs[i].chosenIds,
  }));
  const rejected = indices.map((i) => ({
    promptIds: pairs[i].promptIds,
    completionIds: pairs[i].rejectedIds,
  }));
  const tokens = promptCompletionBatch([...chosen, ...rejected], padId);
  const mask = targetMask(tokens).weights;
  const lengths = Float32Array.from(
    [...chosen, ...rejected].map((s) => s.completionIds.length),
  );
  return {
    indices: [...indices],
    pairs: indices.length,
    tokens,
    mask,
    lengths,
    attended: attendedTokens(tokens),
  };
}

/** Per-row sums of one forward pass over a {@link PairBatch}. */
export interface CompletionSums {
  /** Σ log π over each row's completion [2B] (differentiable). */
  logps: tf.Tensor1D;
  /** Σ of the vocabulary-mean logit over each row's completion [2B] (no gradient). */
  meanLogits: tf.Tensor1D;
}

/** The summed completion log-probs (and mean logits) of every row, in one pass. */
export function completionSums(
  model: CausalLM,
  batch: PairBatch,
): CompletionSums {
  return tf.tidy(() => {
    const { tokens } = batch;
    const out = batchLogProbsAndMeanLogits(model, tokens);
    const mask = tf.tensor2d(batch.mask, [tokens.batch, tokens.length - 1]);
    return {
      logps: tf.sum(tf.mul(out.logps, mask), 1) as tf.Tensor1D,
      meanLogits: tf.sum(tf.mul(out.meanLogits, mask), 1) as tf.Tensor1D,
    };
  });
}

/**
 * The summed completion log-probs of every row under the model as it is
 * now (the caller switches adapters off or on), read to the host [2B]: the
 * same computation as the policy's, so equal weights give equal numbers.
 */
export function referenceSums(model: CausalLM, batch: PairBatch): Float32Array {
  const { logps, meanLogits } = completionSums(model, batch);
  try {
    // A copy: some backends hand out their own storage.
    return new Float32Array(logps.dataSync());
  } finally {
    tf.dispose([logps, meanLogits]);
  }
}

/**
 * Σ log π over the chosen and over the rejected completion of every pair,
 * in pair order, `size` pairs per forward pass, under the model as it is
 * now (the caller sets adapters and dropout): the reference log-probs DPO
 * precomputes, and what a study reads the implicit rewards β·(log π −
 * log π_ref) of held-out pairs from.
 */
export function pairSums(
  model: CausalLM,
  pairs: readonly Pick<
    EncodedPair,
    "promptIds" | "chosenIds" | "rejectedIds"
  >[],
  size: number,
  padId: number,
): { chosen: Float32Array; rejected: Float32Array } {
  const chosen = new Float32Array(pairs.length);
  const rejected = new Float32Array(pairs.length);
  for (let start = 0; start < pairs.length; start += size) {
    const indices = Array.from(
      { length: Math.min(size, pairs.length - start) },
      (_, k) => start + k,
    );
    const sums = referenceSums(model, pairBatch(pairs, indices, padId));
    indices.forEach((i, k) => {
      chosen[i] = sums[k];
      rejected[i] = sums[indices.length + k];
    });
  }
  return { chosen, rejected };
}

/** The first half of a [2B] tensor (chosen rows) and the second (rejected). */
export function halves(t: tf.Tensor1D): [tf.Tensor1D, tf.Tensor1D] {
  const b = t.shape[0] / 2;
  return [
    tf.slice(t, [0], [b]) as tf.Tensor1D,
    tf.slice(t, [b], [b]) as tf.Tensor1D,
  ];
}
