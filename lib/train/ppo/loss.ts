/**
 * PPO's clipped losses for one micro-batch, TRL's formulas (alignment.md
 * §4, step 10), every mean over the completion tokens the mask counts:
 *
 * ```
 * ρ      = e^(log π − log π_old)                                    per token
 * L_pg   = mean max(−A·ρ, −A·clip(ρ, 1 − cliprange, 1 + cliprange))
 * V_clip = V_old + clip(V − V_old, −cliprange_value, cliprange_value)
 * L_vf   = ½ · mean max((V − R)², (V_clip − R)²)
 * L      = L_pg + vf_coef · L_vf
 * ```
 *
 * Statistics under TRL's metric names: `loss/policy_avg`, `loss/value_avg`,
 * `policy/clipfrac_avg` (share of tokens where the clipped term won),
 * `val/clipfrac_avg`, `policy/approxkl_avg` (½·mean (log π − log π_old)²)
 * and `val/ratio` (mean ρ). TRL averages approxkl and ρ over padding too
 * (whose log-probs it fills with 1.0, so ρ = 1 and the difference 0
 * there); here they are means over the completion tokens.
 *
 * @module
 */
import { tf } from "../../engine/mod.ts";

/** One micro-batch's tensors, all [B, W] on the log-prob grid. */
export interface PpoLossInputs {
  /** log π of the current policy (differentiable). */
  logp: tf.Tensor2D;
  /** log π_old: the policy that sampled. */
  oldLogp: tf.Tensor2D;
  advantages: tf.Tensor2D;
  /** V of the current value model (differentiable). */
  values: tf.Tensor2D;
  /** V at the rollout. */
  oldValues: tf.Tensor2D;
  returns: tf.Tensor2D;
  /** 1 on completion tokens, 0 elsewhere. */
  mask: tf.Tensor2D;
}

/** The clip ranges and the value loss's weight. */
export interface PpoLossSettings {
  cliprange: number;
  cliprangeValue: number;
  vfCoef: number;
}

/** The loss to differentiate and its statistics (scalars). */
export interface PpoLoss {
  loss: tf.Scalar;
  stats: Record<string, tf.Scalar>;
}

/** PPO's loss on one micro-batch (see the module doc). */
export function ppoLoss(x: PpoLossInputs, s: PpoLossSettings): PpoLoss {
  return tf.tidy(() => {
    const count = tf.maximum(tf.sum(x.mask), 1);
    const masked = (t: tf.Tensor) =>
      tf.div(tf.sum(tf.mul(t, x.mask)), count) as tf.Scalar;
    const logRatio = tf.sub(x.logp, x.oldLogp);
    const ratio = tf.exp(logRatio);
    const pg1 = tf.mul(tf.neg(x.advantages), ratio);
    const pg2 = tf.mul(
      tf.neg(x.advantages),
      tf.clipByValue(ratio, 1 - s.cliprange, 1 + s.cliprange),
    );
    const policy = masked(tf.maximum(pg1, pg2));
    const clipped = tf.add(
      x.oldValues,
      tf.clipByValue(
        tf.sub(x.values, x.oldValues),
        -s.cliprangeValue,
        s.cliprangeValue,
      ),
    );
    const vf1 = tf.square(tf.sub(x.values, x.returns));
    const vf2 = tf.square(tf.sub(clipped, x.returns));
    const value = tf.mul(0.5, masked(tf.maximum(vf1, vf2))) as tf.Scalar;
    const loss = tf.add(policy, tf.mul(s.vfCoef, value)) as tf.Scalar;
    const share = (a: tf.Tensor, b: tf.Tensor) =>
      masked(tf.cast(tf.greater(a, b), "float32"));
    return {
      loss,
      stats: {
        "loss/policy_avg": policy,
        "loss/value_avg": value,
        "policy/clipfrac_avg": share(pg2, pg1),
        "val/clipfrac_avg": share(vf2, vf1),
        "policy/approxkl_avg": tf.mul(
          0.5,
          masked(tf.square(logRatio)),
        ) as tf.Scalar,
        "val/ratio": masked(ratio),
      },
    };
  });
}
