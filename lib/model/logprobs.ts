/**
 * Log-probabilities of chosen tokens, without materialising [B, T, V].
 *
 * log p(t | h) = h·w_t − logsumexp(h·Wᵀ). The picked logit comes from the
 * gathered rows w_t (no one-hot of vocabulary width), and the logsumexp is
 * computed over chunks of positions, so peak memory is chunk × V rather than
 * B × T × V — Gemma's vocabulary has 262 144 entries. Differentiable.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import type { CausalLM } from "./decoder.ts";

/** Default number of positions per logits chunk. */
export const DEFAULT_CHUNK = 256;

/**
 * Log-probs of `targets` given hidden states: hidden [..., D], targets [...]
 * (int32, same leading shape) → [...].
 */
export function tokenLogProbs(
  model: CausalLM,
  hidden: tf.Tensor,
  targets: tf.Tensor,
  chunk = DEFAULT_CHUNK,
): tf.Tensor {
  return tf.tidy(() => {
    const d = model.config.hiddenSize;
    const flat = tf.reshape(hidden, [-1, d]) as tf.Tensor2D;
    const ids = tf.cast(tf.reshape(targets, [-1]), "int32") as tf.Tensor1D;
    const n = flat.shape[0];
    if (ids.shape[0] !== n) {
      throw new Error(
        `tokenLogProbs: ${n} hidden positions but ${ids.shape[0]} targets`,
      );
    }
    const head = model.headWeight();
    const pieces: tf.Tensor[] = [];
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const h = tf.slice(flat, [start, 0], [size, d]);
      const t = tf.slice(ids, [start], [size]);
      const logits = tf.matMul(h, head, false, true);
      const picked = tf.sum(tf.mul(h, tf.gather(head, t)), -1);
      pieces.push(tf.sub(picked, tf.logSumExp(logits, -1)));
    }
    const joined = pieces.length === 1 ? pieces[0] : tf.concat(pieces, 0);
    return tf.reshape(joined, targets.shape);
  });
}

/**
 * Next-token log-probs of a batch of sequences: for ids [B, T] returns
 * [B, T − 1], entry t being log p(ids[t + 1] | ids[≤ t]).
 */
export function sequenceLogProbs(
  model: CausalLM,
  ids: tf.Tensor2D,
  attentionMask?: ArrayLike<number>,
  chunk = DEFAULT_CHUNK,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, t] = ids.shape;
    const hidden = model.forward(ids, { attentionMask });
    const inputs = tf.slice(hidden, [0, 0, 0], [b, t - 1, -1]);
    const targets = tf.slice(ids, [0, 1], [b, t - 1]);
    return tokenLogProbs(model, inputs, targets, chunk) as tf.Tensor2D;
  });
}
