/**
 * PPO's arithmetic against hand values: GAE (γ, λ ∈ {1, 0.95}), whitening,
 * the KL estimators and where the score lands, and the clipped policy and
 * value losses with their statistics.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import {
  gae,
  klPerToken,
  tokenRewards,
  whiten,
} from "../../lib/train/ppo/advantages.ts";
import { ppoLoss } from "../../lib/train/ppo/loss.ts";

await initEngine({ verbose: false });

const close = (a: ArrayLike<number>, b: number[], eps = 1e-6) =>
  b.forEach((v, i) =>
    assert.ok(Math.abs(a[i] - v) < eps, `[${i}] ${a[i]} ≠ ${v}`)
  );

const rewards = [0.1, -0.2, 1.0], values = [0.5, 0.4, 0.3];

Deno.test("gae: hand-computed advantages and returns for γ, λ in {1, 0.95}", () => {
  const cases: [number, number, number[]][] = [
    [1, 1, [0.4, 0.4, 0.7]],
    [1, 0.95, [0.34675, 0.365, 0.7]],
    [0.95, 1, [0.3125, 0.35, 0.7]],
    [0.95, 0.95, [0.265866875, 0.31675, 0.7]],
  ];
  for (const [gamma, lam, advantages] of cases) {
    const r = gae(rewards, values, gamma, lam);
    close(r.advantages, advantages);
    close(r.returns, advantages.map((a, t) => a + values[t]));
  }
  // γ = λ = 1: the advantage is the reward-to-go minus the value.
  assert.throws(() => gae([1], [1, 2], 1, 1), /1 rewards but 2 values/);
});

Deno.test("whiten: unbiased variance over every row; shiftMean false keeps the mean", () => {
  const rows = [Float64Array.of(1, 2, 3), Float64Array.of(4)];
  const sd = Math.sqrt(5 / 3 + 1e-8);
  close(whiten(rows, true)[0], [-1.5 / sd, -0.5 / sd, 0.5 / sd]);
  close(whiten(rows, true)[1], [1.5 / sd]);
  close(whiten(rows, false)[1], [1.5 / sd + 2.5]);
  // One value: variance 0, no division by zero.
  close(whiten([Float64Array.of(3)], true)[0], [0]);
});

Deno.test("kl and rewards: k1, k3 per token; −kl_coef·kl with the score on the last completion token", () => {
  const logps = [-1, -2, -0.5], ref = [-1.5, -1, -0.5];
  close(klPerToken(logps, ref, "k1"), [0.5, -1, 0]);
  close(klPerToken(logps, ref, "k3"), [
    Math.exp(-0.5) - 1 + 0.5,
    Math.exp(1) - 1 - 1,
    0,
  ]);
  // k3 is never negative; k1 can be.
  const r = tokenRewards([0.5, -1, 0], 0.1, 2);
  close(r, [-0.05, 0.1, 2]);
  assert.throws(() => tokenRewards([], 0.1, 1), /empty completion/);
});

Deno.test("ppoLoss: clipped policy and value losses and their statistics, padding ignored", () => {
  const t = (v: number[]) => tf.tensor2d([v]);
  const out = ppoLoss({
    logp: t([Math.log(1.5), Math.log(0.5), 5]),
    oldLogp: t([0, 0, -5]),
    advantages: t([1, -1, 100]),
    values: t([1, 0.9, 50]),
    oldValues: t([0.5, 0.5, 0]),
    returns: t([0, 1, -50]),
    mask: t([1, 1, 0]),
  }, { cliprange: 0.2, cliprangeValue: 0.2, vfCoef: 0.1 });
  const read = (x: tf.Scalar) => x.dataSync()[0];
  // ρ = 1.5, A = 1 → max(−1.5, −1.2); ρ = 0.5, A = −1 → max(0.5, 0.8).
  assert.ok(Math.abs(read(out.stats["loss/policy_avg"]) - -0.2) < 1e-6);
  assert.equal(read(out.stats["policy/clipfrac_avg"]), 1);
  // V = 1 (old 0.5, R 0): clip 0.7 → max(1, 0.49); V = 0.9 (old 0.5, R 1): clip 0.7 → max(0.01, 0.09).
  assert.ok(Math.abs(read(out.stats["loss/value_avg"]) - 0.2725) < 1e-6);
  assert.equal(read(out.stats["val/clipfrac_avg"]), 0.5);
  assert.ok(Math.abs(read(out.loss) - (-0.2 + 0.1 * 0.2725)) < 1e-6);
  const approxkl = 0.5 * (Math.log(1.5) ** 2 + Math.log(0.5) ** 2) / 2;
  assert.ok(
    Math.abs(read(out.stats["policy/approxkl_avg"]) - approxkl) < 1e-6,
  );
  assert.ok(Math.abs(read(out.stats["val/ratio"]) - 1) < 1e-6);
  tf.dispose([out.loss, ...Object.values(out.stats)]);
});
