/**
 * PPO's per-token rewards, whitening and GAE, on the host, one array per
 * completion over its own tokens (t = 0 … n − 1, n ≥ 1), as TRL's
 * PPOTrainer computes them (alignment.md §4, steps 7–9):
 *
 * ```
 * kl_t   = log π(y_t) − log π_ref(y_t)                      (k1)
 *        = e^(log π_ref − log π) − 1 − (log π_ref − log π)   (k3)
 * r_t    = −kl_coef·kl_t,   r_{n−1} += score
 * δ_t    = r_t + γ·V_{t+1} − V_t          (V_n = 0)
 * A_t    = δ_t + γ·λ·A_{t+1}              (A_n = 0)
 * R_t    = A_t + V_t
 * A      ← whiten(A) over every token of the batch (mean 0, variance 1)
 * ```
 *
 * **Where the score goes.** TRL adds it at index seq_len + 1 — one past the
 * last completion token, whenever the completion is shorter than
 * response_length — an off-by-one inherited from its TL;DR port
 * (trl#1893, trl#3750), and extends the value mask by one slot to match.
 * tunebook puts the score on the last completion token (the EOS when the
 * completion stopped) and masks values to the completion's own tokens.
 *
 * @module
 */
import type { KlEstimator } from "./config.ts";

/** Per-token KL of one completion: log π − log π_ref (k1) or k3. */
export function klPerToken(
  logps: ArrayLike<number>,
  refLogps: ArrayLike<number>,
  estimator: KlEstimator,
): Float64Array {
  const out = new Float64Array(logps.length);
  for (let t = 0; t < out.length; t++) {
    const logRatio = refLogps[t] - logps[t];
    out[t] = estimator === "k1" ? -logRatio : Math.expm1(logRatio) - logRatio;
  }
  return out;
}

/** r_t = −kl_coef·kl_t, plus the score on the last token. */
export function tokenRewards(
  kl: ArrayLike<number>,
  klCoef: number,
  score: number,
): Float64Array {
  if (kl.length === 0) throw new Error("tokenRewards: an empty completion");
  const out = new Float64Array(kl.length);
  for (let t = 0; t < out.length; t++) out[t] = -klCoef * kl[t];
  out[out.length - 1] += score;
  return out;
}

/** Advantages and returns of one completion. */
export interface Gae {
  advantages: Float64Array;
  returns: Float64Array;
}

/** Generalised advantage estimation over one completion (see the module doc). */
export function gae(
  rewards: ArrayLike<number>,
  values: ArrayLike<number>,
  gamma: number,
  lam: number,
): Gae {
  const n = rewards.length;
  if (values.length !== n) {
    throw new Error(`gae: ${n} rewards but ${values.length} values`);
  }
  const advantages = new Float64Array(n);
  const returns = new Float64Array(n);
  let next = 0;
  for (let t = n - 1; t >= 0; t--) {
    const nextValue = t + 1 < n ? values[t + 1] : 0;
    const delta = rewards[t] + gamma * nextValue - values[t];
    next = delta + gamma * lam * next;
    advantages[t] = next;
    returns[t] = next + values[t];
  }
  return { advantages, returns };
}

/**
 * Whitens every value of `rows` together: (v − mean)/√(var + 1e-8), with
 * the unbiased variance (TRL's `masked_whiten`); `shiftMean` false adds the
 * mean back (TRL's reward whitening). With one value the variance is 0.
 */
export function whiten(
  rows: readonly Float64Array[],
  shiftMean: boolean,
): Float64Array[] {
  let n = 0, sum = 0;
  for (const row of rows) {
    for (const v of row) (n++, sum += v);
  }
  if (n === 0) return rows.map((r) => r.slice());
  const mean = sum / n;
  let squares = 0;
  for (const row of rows) {
    for (const v of row) squares += (v - mean) ** 2;
  }
  const variance = n > 1 ? squares / (n - 1) : 0;
  const scale = 1 / Math.sqrt(variance + 1e-8);
  return rows.map((row) =>
    row.map((v) => (v - mean) * scale + (shiftMean ? 0 : mean))
  );
}
