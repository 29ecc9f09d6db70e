/**
 * The GRPO policy loss with TRL's semantics, term by term.
 *
 * Per completion token t of completion i, with log-probs under the current
 * policy (logp), the policy that sampled it (old) and the reference model
 * (ref):
 *
 *   ρ      = exp(logp − old)                       probability ratio
 *   L_clip = −min(ρ·Â_i, clip(ρ, 1 − ε_low, 1 + ε_high)·Â_i)
 *   KL     = exp(ref − logp) − (ref − logp) − 1    the k3 estimator, ≥ 0
 *   ℓ_t    = L_clip + β·KL
 *
 * and the per-token losses are aggregated by `loss_type`:
 *
 * - `grpo`: mean over each completion's tokens, then over completions
 *   (favours short completions);
 * - `bnpo`: sum over the batch's completion tokens / their count;
 * - `dr_grpo`: sum / (completions × max_completion_length), a constant;
 * - `dapo` (TRL's default): sum / completion tokens of the whole accumulated
 *   batch, so every token weighs the same however the batch is split.
 *
 * With one iteration per generation (μ = 1) the old policy is the current one
 * detached: ρ = 1 in value but its gradient is Â·∇logp.
 *
 * @module
 */
import { detach } from "../../engine/detach.ts";
import { tf } from "../../engine/mod.ts";

/** TRL's `loss_type`s implemented here. */
export type LossType = "grpo" | "bnpo" | "dr_grpo" | "dapo";

/** The tensors of one micro-batch; every [B, T] tensor is over completion positions. */
export interface PolicyLossInputs {
  /** log π_θ of each completion token [B, T] (differentiable). */
  logp: tf.Tensor2D;
  /** log π_old [B, T]; null when μ = 1 (then the detached logp is used). */
  oldLogp: tf.Tensor2D | null;
  /** log π_ref [B, T]; null when β = 0. */
  refLogp: tf.Tensor2D | null;
  /** Â per completion [B]. */
  advantages: tf.Tensor1D;
  /** 1 for completion tokens that count, 0 for padding and masked completions [B, T]. */
  mask: tf.Tensor2D;
}

/** Settings of the loss. */
export interface PolicyLossOptions {
  lossType: LossType;
  epsilonLow: number;
  epsilonHigh: number;
  beta: number;
  /** dr_grpo's constant: max_completion_length. */
  maxCompletionLength: number;
  /** dapo's normaliser: counted completion tokens over all micro-batches of the step. */
  activeTokensInStep: number;
  /**
   * Micro-batches in the step. Gradients of micro-batches are averaged, so
   * dapo's per-micro-batch loss is multiplied by this to make the average a
   * sum over the step's tokens.
   */
  microBatches: number;
}

/**
 * The loss and the statistics TRL logs (token means over counted tokens),
 * under TRL's metric names.
 */
export interface PolicyLoss {
  loss: tf.Scalar;
  /** Mean k3 KL; only when β ≠ 0 (TRL logs it only then). */
  kl?: tf.Scalar;
  /** Share of tokens clipped at the low side with Â < 0. */
  "clip_ratio/low_mean": tf.Scalar;
  /** Share of tokens clipped at the high side with Â > 0. */
  "clip_ratio/high_mean": tf.Scalar;
  /** Either. */
  "clip_ratio/region_mean": tf.Scalar;
}

/** Computes the GRPO loss of one micro-batch (see the module comment). */
export function policyLoss(
  x: PolicyLossInputs,
  o: PolicyLossOptions,
): PolicyLoss {
  return tf.tidy(() => {
    const old = x.oldLogp ?? detach(x.logp);
    const ratio = tf.exp(tf.sub(x.logp, old));
    const adv = tf.expandDims(x.advantages, 1);
    const clipped = tf.clipByValue(ratio, 1 - o.epsilonLow, 1 + o.epsilonHigh);
    let perToken: tf.Tensor = tf.neg(
      tf.minimum(tf.mul(ratio, adv), tf.mul(clipped, adv)),
    );
    let kl: tf.Tensor | null = null;
    if (o.beta !== 0) {
      if (!x.refLogp) throw new Error("policyLoss: β ≠ 0 needs refLogp");
      const diff = tf.sub(x.refLogp, x.logp);
      kl = tf.sub(tf.sub(tf.exp(diff), diff), 1);
      perToken = tf.add(perToken, tf.mul(kl, o.beta));
    }
    const masked = tf.mul(perToken, x.mask);
    const tokens = tf.sum(x.mask);
    const safe = (t: tf.Tensor) => tf.maximum(t, 1);
    let loss: tf.Tensor;
    switch (o.lossType) {
      case "grpo":
        loss = tf.mean(
          tf.div(tf.sum(masked, 1), safe(tf.sum(x.mask, 1))),
        );
        break;
      case "bnpo":
        loss = tf.div(tf.sum(masked), safe(tokens));
        break;
      case "dr_grpo":
        loss = tf.div(
          tf.sum(masked),
          x.mask.shape[0] * o.maxCompletionLength,
        );
        break;
      case "dapo":
        loss = tf.div(
          tf.mul(tf.sum(masked), o.microBatches),
          Math.max(1, o.activeTokensInStep),
        );
        break;
    }
    const tokenMean = (t: tf.Tensor) =>
      tf.div(tf.sum(tf.mul(t, x.mask)), safe(tokens)) as tf.Scalar;
    const low = tf.logicalAnd(
      tf.less(ratio, 1 - o.epsilonLow),
      tf.less(adv, 0),
    );
    const high = tf.logicalAnd(
      tf.greater(ratio, 1 + o.epsilonHigh),
      tf.greater(adv, 0),
    );
    return {
      loss: loss as tf.Scalar,
      ...(kl ? { kl: tokenMean(detach(kl)) } : {}),
      "clip_ratio/low_mean": tokenMean(tf.cast(low, "float32")),
      "clip_ratio/high_mean": tokenMean(tf.cast(high, "float32")),
      "clip_ratio/region_mean": tokenMean(
        tf.cast(tf.logicalOr(low, high), "float32"),
      ),
    };
  });
}
