/**
 * TRL RewardTrainer's loss and metrics on one micro-batch of B pairs, from
 * the scores of its 2B sequences (chosen rows first, then rejected, as one
 * forward pass):
 *
 * ```
 * L = −mean_b log σ(r⁺_b − r⁻_b − m_b)  +  c · mean_b (r⁺_b + r⁻_b)²
 * ```
 *
 * with m the pairs' `margin` column (0 where a pair has none; TRL applies
 * the margin when the dataset has the column) and c
 * `center_rewards_coefficient` (null: no centring term; 0.01 is TRL's
 * recommendation, after Eisenstein et al. 2023, eq. 2). Metrics, under
 * TRL's names: `accuracy` = share of r⁺ > r⁻ (strict), `margin` =
 * mean(r⁺ − r⁻) — the scores' gap, not the data margin — and
 * `min_reward` / `mean_reward` / `max_reward` over all 2B scores.
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";

/** The loss and TRL's statistics of one micro-batch. */
export interface RewardLoss {
  loss: tf.Scalar;
  stats: {
    accuracy: tf.Scalar;
    margin: tf.Scalar;
    min_reward: tf.Scalar;
    mean_reward: tf.Scalar;
    max_reward: tf.Scalar;
  };
}

/**
 * The loss of `scores` [2B] (chosen first), `margins` [B] (null: none) and
 * the centring coefficient (null: off). Differentiable in `scores`.
 */
export function rewardLoss(
  scores: tf.Tensor1D,
  margins: Float32Array | null,
  centerCoefficient: number | null,
): RewardLoss {
  const n = scores.shape[0];
  if (n % 2 !== 0 || n === 0) {
    throw new Error(
      `rewardLoss: expected 2B scores (chosen then rejected), got ${n}`,
    );
  }
  const b = n / 2;
  if (margins && margins.length !== b) {
    throw new Error(`rewardLoss: ${margins.length} margins for ${b} pairs`);
  }
  return tf.tidy(() => {
    const chosen = tf.slice(scores, [0], [b]);
    const rejected = tf.slice(scores, [b], [b]);
    const gap = tf.sub(chosen, rejected);
    const logits = margins ? tf.sub(gap, tf.tensor1d(margins)) : gap;
    // −log σ(x) = softplus(−x): finite for any x.
    let loss = tf.mean(tf.softplus(tf.neg(logits))) as tf.Scalar;
    if (centerCoefficient !== null) {
      const centred = tf.mean(tf.square(tf.add(chosen, rejected)));
      loss = tf.add(loss, tf.mul(centred, centerCoefficient)) as tf.Scalar;
    }
    return {
      loss,
      stats: {
        accuracy: tf.mean(tf.cast(tf.greater(chosen, rejected), "float32")),
        margin: tf.mean(gap),
        min_reward: tf.min(scores),
        mean_reward: tf.mean(scores),
        max_reward: tf.max(scores),
      },
    };
  }) as RewardLoss;
}
