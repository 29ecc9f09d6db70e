/**
 * The DPO loss with TRL's semantics (DPOTrainer ≥ 0.29), every `loss_type`
 * as one closed form per pair.
 *
 * For pair i, with log-probs summed over the completion tokens (chosen y⁺,
 * rejected y⁻) under the policy π_θ and the reference π_ref:
 *
 *   Δ⁺ = log π_θ(y⁺) − log π_ref(y⁺)      Δ⁻ likewise     (log-ratios)
 *   s⁺ = f(Δ⁺), s⁻ = f(Δ⁻)                 the f-divergence score
 *   d  = s⁺ − s⁻,  ε = label_smoothing,    σ the logistic function
 *
 * with f = identity (`reverse_kl`, standard DPO), −e^(−Δ) (`forward_kl`),
 * log σ(Δ) (`js_divergence`) or e^((a−1)Δ)/(a − 1) (`alpha_divergence`,
 * a = f_alpha_divergence_coef, exponent clamped at 80 as TRL does):
 *
 * | loss_type      | ℓᵢ                                                         |
 * | -------------- | ---------------------------------------------------------- |
 * | `sigmoid`      | −log σ(βd)                                                 |
 * | `hinge`        | max(0, 1 − βd)                                             |
 * | `ipo`          | (s⁺/\|y⁺\| − s⁻/\|y⁻\| − 1/(2β))²  (per-token means, β = τ) |
 * | `exo_pair`     | q(log q − log(1−ε)) + (1−q)(log(1−q) − log ε), q = σ(βd)   |
 * | `nca_pair`     | −log σ(βs⁺) − ½ log σ(−βs⁺) − ½ log σ(−βs⁻)                |
 * | `robust`       | [−(1−ε) log σ(βd) + ε log σ(−βd)] / (1 − 2ε)               |
 * | `bco_pair`     | −log σ(βs⁺) − log σ(−βs⁻)                                  |
 * | `sppo_hard`    | (s⁺ − 1/(2β))² + (s⁻ + 1/(2β))²                            |
 * | `aot`          | −(1−ε) log σ(βδ) − ε log σ(−βδ), δ = sort(π⁺ − π⁻) − sort(ref⁺ − ref⁻) |
 * | `aot_unpaired` | the same with δ = sort(Δ⁺) − sort(Δ⁻)                      |
 * | `apo_zero`     | 1 − σ(βΔ⁺) + σ(βΔ⁻)                                        |
 * | `apo_down`     | σ(βΔ⁺) + 1 − σ(βd)                                         |
 * | `discopop`     | (1−m)(−log σ(βd)) + m·e^(−βd), m = σ(βd/τ)                 |
 * | `sft`          | −Σ log π_θ(y⁺) / Σ\|y⁺\|: the chosen tokens' mean NLL       |
 * | `sigmoid_norm` | −log σ(β(s⁺/\|y⁺\| − s⁻/\|y⁻\|))                           |
 *
 * (|y| counts completion tokens, at least 1; `aot` sorts within the
 * micro-batch, as TRL sorts within its batch.) The loss is
 * Σₖ loss_weightsₖ · meanᵢ ℓᵢ over the configured types; RPO is
 * `["sigmoid", "sft"]` with weights `[1, α]`.
 *
 * The statistics use TRL's names: `rewards/chosen` = mean βΔ⁺,
 * `rewards/rejected` = mean βΔ⁻, `rewards/margins` = their mean difference,
 * `rewards/accuracies` = share of pairs with βΔ⁺ > βΔ⁻ (strict: 0 at step
 * 0), `logps/chosen|rejected` = mean summed policy log-probs. Rewards use
 * the log-ratios, never the f-divergence scores.
 *
 * @module
 */
import { detach } from "../../engine/detach.ts";
import { tf } from "../../engine/mod.ts";

/** TRL's `loss_type`s, every one implemented here. */
export const DPO_LOSS_TYPES = [
  "sigmoid",
  "hinge",
  "ipo",
  "exo_pair",
  "nca_pair",
  "robust",
  "bco_pair",
  "sppo_hard",
  "aot",
  "aot_unpaired",
  "apo_zero",
  "apo_down",
  "discopop",
  "sft",
  "sigmoid_norm",
] as const;

/** One of {@link DPO_LOSS_TYPES}. */
export type DpoLossType = typeof DPO_LOSS_TYPES[number];

/** TRL's `f_divergence_type`s. */
export const F_DIVERGENCES = [
  "reverse_kl",
  "forward_kl",
  "js_divergence",
  "alpha_divergence",
] as const;

/** One of {@link F_DIVERGENCES}. */
export type FDivergence = typeof F_DIVERGENCES[number];

/** The tensors of one micro-batch of B pairs, each [B]. */
export interface DpoLossInputs {
  /** Σ log π_θ over each chosen completion (differentiable). */
  chosenLogps: tf.Tensor1D;
  rejectedLogps: tf.Tensor1D;
  /** Σ log π_ref over the same tokens (constants). */
  refChosenLogps: tf.Tensor1D;
  refRejectedLogps: tf.Tensor1D;
  /** Completion tokens of each chosen / rejected completion. */
  chosenLengths: tf.Tensor1D;
  rejectedLengths: tf.Tensor1D;
}

/** Settings of the loss (DPOConfig's names in camelCase). */
export interface DpoLossOptions {
  lossTypes: readonly DpoLossType[];
  /** One weight per loss type (TRL: all 1 when not given). */
  lossWeights: readonly number[];
  beta: number;
  labelSmoothing: number;
  fDivergence: FDivergence;
  fAlphaDivergenceCoef: number;
  discopopTau: number;
}

/** The loss, each type's batch mean, and TRL's statistics (all scalars). */
export interface DpoLoss {
  loss: tf.Scalar;
  /** meanᵢ ℓᵢ of each configured type, before its weight. */
  terms: Partial<Record<DpoLossType, tf.Scalar>>;
  "rewards/chosen": tf.Scalar;
  "rewards/rejected": tf.Scalar;
  "rewards/accuracies": tf.Scalar;
  "rewards/margins": tf.Scalar;
  "logps/chosen": tf.Scalar;
  "logps/rejected": tf.Scalar;
}

/** Computes the DPO loss of one micro-batch (see the module comment). */
export function dpoLoss(x: DpoLossInputs, o: DpoLossOptions): DpoLoss {
  if (o.lossWeights.length !== o.lossTypes.length) {
    throw new Error(
      `dpoLoss: ${o.lossWeights.length} loss weights for ${o.lossTypes.length} loss types`,
    );
  }
  return tf.tidy(() => {
    const beta = o.beta, eps = o.labelSmoothing;
    const chosenRatio = tf.sub(x.chosenLogps, x.refChosenLogps);
    const rejectedRatio = tf.sub(x.rejectedLogps, x.refRejectedLogps);
    const sc = score(chosenRatio, o), sr = score(rejectedRatio, o);
    const d = tf.sub(sc, sr);
    const bd = tf.mul(d, beta);
    const perToken = (s: tf.Tensor, n: tf.Tensor1D) =>
      tf.div(s, tf.maximum(n, 1));
    const normDelta = () =>
      tf.sub(perToken(sc, x.chosenLengths), perToken(sr, x.rejectedLengths));
    const smoothed = (delta: tf.Tensor) => {
      const z = tf.mul(delta, beta);
      return tf.sub(
        tf.mul(tf.neg(logSig(z)), 1 - eps),
        tf.mul(logSig(tf.neg(z)), eps),
      );
    };
    const perPair: Record<DpoLossType, () => tf.Tensor> = {
      sigmoid: () => tf.neg(logSig(bd)),
      hinge: () => tf.relu(tf.sub(1, bd)),
      ipo: () => tf.square(tf.sub(normDelta(), 1 / (2 * beta))),
      exo_pair: () => {
        const q = tf.sigmoid(bd);
        return tf.add(
          tf.mul(q, tf.sub(logSig(bd), Math.log1p(-eps))),
          tf.mul(tf.sub(1, q), tf.sub(logSig(tf.neg(bd)), Math.log(eps))),
        );
      },
      nca_pair: () =>
        tf.sub(
          tf.sub(
            tf.neg(logSig(tf.mul(sc, beta))),
            tf.mul(logSig(tf.mul(sc, -beta)), 0.5),
          ),
          tf.mul(logSig(tf.mul(sr, -beta)), 0.5),
        ),
      robust: () =>
        tf.div(
          tf.add(
            tf.mul(tf.neg(logSig(bd)), 1 - eps),
            tf.mul(logSig(tf.neg(bd)), eps),
          ),
          1 - 2 * eps,
        ),
      bco_pair: () =>
        tf.sub(
          tf.neg(logSig(tf.mul(sc, beta))),
          logSig(tf.mul(sr, -beta)),
        ),
      sppo_hard: () =>
        tf.add(
          tf.square(tf.sub(sc, 0.5 / beta)),
          tf.square(tf.add(sr, 0.5 / beta)),
        ),
      aot: () =>
        smoothed(tf.sub(
          sorted(tf.sub(x.chosenLogps, x.rejectedLogps)),
          sorted(tf.sub(x.refChosenLogps, x.refRejectedLogps)),
        )),
      aot_unpaired: () =>
        smoothed(tf.sub(sorted(chosenRatio), sorted(rejectedRatio))),
      apo_zero: () =>
        tf.add(
          tf.sub(1, tf.sigmoid(tf.mul(chosenRatio, beta))),
          tf.sigmoid(tf.mul(rejectedRatio, beta)),
        ),
      apo_down: () =>
        tf.add(
          tf.sigmoid(tf.mul(chosenRatio, beta)),
          tf.sub(1, tf.sigmoid(bd)),
        ),
      discopop: () => {
        const m = tf.sigmoid(tf.div(bd, o.discopopTau));
        return tf.add(
          tf.mul(tf.neg(logSig(bd)), tf.sub(1, m)),
          tf.mul(tf.exp(tf.neg(bd)), m),
        );
      },
      // One value for the micro-batch (TRL's cross-entropy over the chosen
      // completion tokens); its mean over pairs is itself.
      sft: () =>
        tf.div(
          tf.neg(tf.sum(x.chosenLogps)),
          tf.maximum(tf.sum(x.chosenLengths), 1),
        ),
      sigmoid_norm: () => tf.neg(logSig(tf.mul(normDelta(), beta))),
    };
    const terms: Partial<Record<DpoLossType, tf.Scalar>> = {};
    let loss: tf.Tensor = tf.scalar(0);
    o.lossTypes.forEach((type, k) => {
      const term = tf.mean(perPair[type]()) as tf.Scalar;
      terms[type] = term;
      loss = tf.add(loss, tf.mul(term, o.lossWeights[k]));
    });
    const chosenReward = tf.mul(detach(chosenRatio), beta);
    const rejectedReward = tf.mul(detach(rejectedRatio), beta);
    const mean = (t: tf.Tensor) => tf.mean(t) as tf.Scalar;
    return {
      loss: loss as tf.Scalar,
      terms,
      "rewards/chosen": mean(chosenReward),
      "rewards/rejected": mean(rejectedReward),
      "rewards/accuracies": mean(
        tf.cast(tf.greater(chosenReward, rejectedReward), "float32"),
      ),
      "rewards/margins": mean(tf.sub(chosenReward, rejectedReward)),
      "logps/chosen": mean(detach(x.chosenLogps)),
      "logps/rejected": mean(detach(x.rejectedLogps)),
    };
  });
}

/**
 * log σ(x) = −softplus(−x). Not tf.logSigmoid: its gradient reads x from a
 * closure, which the loss's tidy has disposed by the backward pass.
 */
function logSig(x: tf.Tensor): tf.Tensor {
  return tf.neg(tf.softplus(tf.neg(x)));
}

/** The f-divergence score of log-ratios Δ (see the module comment). */
function score(ratio: tf.Tensor, o: DpoLossOptions): tf.Tensor {
  switch (o.fDivergence) {
    case "reverse_kl":
      return ratio;
    case "forward_kl":
      return tf.neg(tf.exp(tf.neg(ratio)));
    case "js_divergence":
      return logSig(ratio);
    case "alpha_divergence": {
      const a = o.fAlphaDivergenceCoef;
      // a → 1 is f'(t) = log t: standard DPO.
      if (Math.abs(a - 1) < 1e-6) return ratio;
      const t = tf.minimum(tf.mul(ratio, a - 1), 80);
      return tf.mul(tf.exp(t), 1 / (a - 1));
    }
  }
}

/**
 * x sorted (descending; the two sides of `aot` are sorted alike, so the
 * pairing is that of ascending order), differentiable through the
 * permutation as torch.sort is. The order is read from the values (a small
 * [B] read): indices computed on the tape would ask gather for their
 * gradient.
 */
function sorted(x: tf.Tensor): tf.Tensor {
  const values = x.dataSync();
  const order = Array.from(values.keys()).sort((i, j) =>
    values[j] - values[i] || i - j
  );
  return tf.gather(x, tf.tensor1d(order, "int32"));
}
