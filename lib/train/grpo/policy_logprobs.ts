/**
 * Per-token log-probabilities of sampled completions under a policy, on the
 * grid the loss works on: prompt + completion right-padded to a common
 * length L, scored at positions 1…L−1, with a mask selecting completion
 * tokens. Logits are divided by the sampling temperature first, as TRL does,
 * so the ratio compares the distributions the tokens were drawn from.
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";
import type { CausalLM } from "../../model/decoder.ts";
import { tokenLogProbs } from "../../model/logprobs.ts";

/** Token ids of prompt and completion. */
export interface Sequence {
  promptIds: readonly number[];
  completionIds: readonly number[];
}

/** A batch of sequences laid out for scoring. */
export interface ScoringBatch {
  /** [B × L] ids, right-padded. */
  ids: Int32Array;
  /** [B × L] 1 for real tokens. */
  attentionMask: Uint8Array;
  /** [B × (L − 1)]: 1 where position t + 1 holds a completion token. */
  completionMask: Float32Array;
  batch: number;
  length: number;
}

/** Lays out sequences for scoring. */
export function scoringBatch(
  sequences: readonly Sequence[],
  padId: number,
): ScoringBatch {
  const batch = sequences.length;
  const length = Math.max(
    2,
    ...sequences.map((s) => s.promptIds.length + s.completionIds.length),
  );
  const ids = new Int32Array(batch * length).fill(padId);
  const attentionMask = new Uint8Array(batch * length);
  const completionMask = new Float32Array(batch * (length - 1));
  sequences.forEach((s, r) => {
    const p = s.promptIds.length, c = s.completionIds.length;
    ids.set(s.promptIds, r * length);
    ids.set(s.completionIds, r * length + p);
    attentionMask.fill(1, r * length, r * length + p + c);
    // Target position t predicts token t + 1.
    completionMask.fill(
      1,
      r * (length - 1) + p - 1,
      r * (length - 1) + p + c - 1,
    );
  });
  return { ids, attentionMask, completionMask, batch, length };
}

/** log π(token t+1 | ≤ t) at temperature `temperature`, [B, L − 1] (differentiable). */
export function policyLogProbs(
  model: CausalLM,
  b: ScoringBatch,
  temperature: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const ids = tf.tensor2d(b.ids, [b.batch, b.length], "int32");
    const hidden = model.forward(ids, { attentionMask: b.attentionMask });
    let inputs: tf.Tensor = tf.slice(hidden, [0, 0, 0], [
      b.batch,
      b.length - 1,
      -1,
    ]);
    // logits / T = (h / T)·Wᵀ: scale the hidden states, never the vocabulary.
    if (temperature > 0 && temperature !== 1) {
      inputs = tf.div(inputs, temperature);
    }
    const targets = tf.slice(ids, [0, 1], [b.batch, b.length - 1]);
    return tokenLogProbs(model, inputs, targets) as tf.Tensor2D;
  });
}
