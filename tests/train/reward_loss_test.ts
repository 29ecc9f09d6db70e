/**
 * The reward model's loss and metrics (lib/train/reward/loss.ts) against
 * values and gradients worked out by hand on fixed scores, with a margin
 * column and the centring term, and without either.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { rewardLoss } from "../../lib/train/reward/loss.ts";

await initEngine({ verbose: false });

// Two pairs: r⁺ = [1, −0.5], r⁻ = [0.2, 0.3] → scores [1, −0.5, 0.2, 0.3].
const SCORES = [1, -0.5, 0.2, 0.3];
const close = (a: number, b: number, what: string, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) < tol, `${what}: ${a} vs ${b}`);

function lossAndGrad(margins: Float32Array | null, c: number | null) {
  const scores = tf.tensor1d(SCORES);
  let stats: Record<string, number> = {};
  const { value, grads } = tf.variableGrads(() => {
    const r = rewardLoss(scores.add(v) as tf.Tensor1D, margins, c);
    stats = Object.fromEntries(
      Object.entries(r.stats).map(([k, t]) => [k, t.dataSync()[0]]),
    );
    return r.loss;
  }, [v]);
  const out = {
    loss: value.dataSync()[0],
    grad: Array.from(grads[v.name].dataSync()),
    stats,
  };
  tf.dispose([scores, value, ...Object.values(grads)]);
  return out;
}
// Differentiating through a zero variable added to the scores gives ∂L/∂r.
const v = tf.variable(tf.zeros([4]));

Deno.test("reward loss with margin and centring: value and gradient by hand", () => {
  // x = r⁺ − r⁻ − m = [0.8 − 0.5, −0.8 − 0] = [0.3, −0.8]
  // −log σ(0.3) = ln(1 + e^−0.3) = 0.5543552, −log σ(−0.8) = ln(1 + e^0.8) = 1.1711007
  // mean = 0.8627280; centring: 0.01 · ((1.2)² + (−0.2)²) / 2 = 0.01 · 0.74 = 0.0074
  const { loss, grad, stats } = lossAndGrad(new Float32Array([0.5, 0]), 0.01);
  close(loss, 0.8627280 + 0.0074, "loss");
  // ∂/∂r⁺_b = −σ(−x_b)/B + c·2(r⁺_b + r⁻_b)/B; ∂/∂r⁻_b = +σ(−x_b)/B + the same.
  // σ(−0.3)/2 = 0.2127787, σ(0.8)/2 = 0.3449872; centring 0.012 and −0.002.
  const expected = [
    -0.2127787 + 0.012,
    -0.3449872 - 0.002,
    0.2127787 + 0.012,
    0.3449872 - 0.002,
  ];
  grad.forEach((g, i) => close(g, expected[i], `∂L/∂r[${i}]`));
  // TRL's metrics: accuracy counts r⁺ > r⁻; margin is mean(r⁺ − r⁻), not the data's.
  close(stats.accuracy, 0.5, "accuracy");
  close(stats.margin, 0, "margin");
  close(stats.min_reward, -0.5, "min_reward");
  close(stats.mean_reward, 0.25, "mean_reward");
  close(stats.max_reward, 1, "max_reward");
});

Deno.test("reward loss without margin or centring is −mean log σ(r⁺ − r⁻)", () => {
  // x = [0.8, −0.8]: ln(1 + e^−0.8) = 0.3711007, ln(1 + e^0.8) = 1.1711007.
  const { loss, grad } = lossAndGrad(null, null);
  close(loss, (0.3711007 + 1.1711007) / 2, "loss");
  // σ(−0.8)/2 = 0.1550128, σ(0.8)/2 = 0.3449872
  const expected = [-0.1550128, -0.3449872, 0.1550128, 0.3449872];
  grad.forEach((g, i) => close(g, expected[i], `∂L/∂r[${i}]`));
  // A zero margin is the same loss (TRL subtracts the column as given).
  close(lossAndGrad(new Float32Array([0, 0]), null).loss, loss, "margin 0");
  // Centring with coefficient 0 adds nothing, but is not "off" by accident.
  close(lossAndGrad(null, 0).loss, loss, "c = 0");
});

Deno.test("reward loss: a tie is not accurate, and large gaps stay finite", () => {
  const r = rewardLoss(tf.tensor1d([2, 500, 2, -500]), null, null);
  assert.equal(r.stats.accuracy.dataSync()[0], 0.5);
  // −log σ(0) = ln 2 and −log σ(1000) ≈ 0.
  close(r.loss.dataSync()[0], Math.LN2 / 2, "loss", 1e-6);
  assert.throws(
    () => rewardLoss(tf.tensor1d([1, 2, 3]), null, null),
    /expected 2B scores/,
  );
});
