import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { groupAdvantages } from "../../lib/train/grpo/advantages.ts";
import {
  type LossType,
  policyLoss,
  type PolicyLossOptions,
} from "../../lib/train/grpo/loss.ts";

await initEngine({ verbose: false });

const tensorsOf = (o: object) =>
  Object.values(o).filter((v): v is tf.Tensor => v instanceof tf.Tensor);

const close = (a: number, b: number, tol = 1e-6, what = "") =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

Deno.test("group advantages: (r − group mean) / (unbiased group std + 1e-4), zero-std groups counted", () => {
  const r = [1, 2, 3, 4, 5, 5, 5, 5];
  const { advantages, fracZeroStd, rewardStd } = groupAdvantages(r, 4);
  const s = Math.sqrt(5 / 3); // unbiased std of 1, 2, 3, 4
  [1, 2, 3, 4].forEach((v, i) =>
    close(advantages[i], (v - 2.5) / (s + 1e-4), 1e-12, `a${i}`)
  );
  for (let i = 4; i < 8; i++) assert.equal(advantages[i], 0);
  assert.equal(fracZeroStd, 0.5);
  close(rewardStd, s / 2, 1e-12, "reward_std is the mean group std");
});

Deno.test("group advantages: batch and none scaling; NaN rewards give zero advantage", () => {
  const r = [0, 2, 10, 14];
  const all = Math.sqrt(((-6.5) ** 2 + (-4.5) ** 2 + 3.5 ** 2 + 7.5 ** 2) / 3);
  const batch = groupAdvantages(r, 2, "batch").advantages;
  close(batch[0], -1 / (all + 1e-4), 1e-12, "batch");
  close(batch[3], 2 / (all + 1e-4), 1e-12, "batch");
  assert.deepEqual(Array.from(groupAdvantages(r, 2, "none").advantages), [
    -1,
    1,
    -2,
    2,
  ]);
  const withNaN = groupAdvantages([NaN, 1, 3], 3).advantages;
  assert.equal(withNaN[0], 0);
  close(
    withNaN[1],
    -1 / (Math.SQRT2 + 1e-4),
    1e-12,
    "mean and std over the scored ones",
  );
  assert.throws(
    () => groupAdvantages([1, 2, 3], 2),
    /do not split into groups of 2/,
  );
});

/** Two completions: 3 counted tokens with Â = 1, then 1 counted token with Â = −0.5. */
function inputs(old?: number[][], ref?: number[][]) {
  const logpValues = [[-1, -2, -0.5], [-0.3, -9, -9]];
  const logp = tf.variable(tf.tensor2d(logpValues));
  return {
    logp,
    oldLogp: old ? tf.tensor2d(old) : null,
    refLogp: ref ? tf.tensor2d(ref) : null,
    advantages: tf.tensor1d([1, -0.5]),
    mask: tf.tensor2d([[1, 1, 1], [1, 0, 0]]),
  };
}

const options = (
  lossType: LossType,
  extra: Partial<PolicyLossOptions> = {},
): PolicyLossOptions => ({
  lossType,
  epsilonLow: 0.2,
  epsilonHigh: 0.2,
  beta: 0,
  maxCompletionLength: 5,
  activeTokensInStep: 4,
  microBatches: 1,
  ...extra,
});

Deno.test("policy loss with μ = 1: each loss type's value and gradient on a hand-computed batch", () => {
  // ρ = 1, so ℓ_t = −Â_i on counted tokens: −1, −1, −1 and +0.5.
  const expected: Record<LossType, { loss: number; grad: number[][] }> = {
    grpo: {
      loss: (-1 + 0.5) / 2,
      grad: [[-1 / 6, -1 / 6, -1 / 6], [0.25, 0, 0]],
    },
    bnpo: {
      loss: (-3 + 0.5) / 4,
      grad: [[-0.25, -0.25, -0.25], [0.125, 0, 0]],
    },
    dr_grpo: {
      loss: (-3 + 0.5) / 10,
      grad: [[-0.1, -0.1, -0.1], [0.05, 0, 0]],
    },
    dapo: {
      loss: (-3 + 0.5) / 4,
      grad: [[-0.25, -0.25, -0.25], [0.125, 0, 0]],
    },
  };
  for (
    const [type, want] of Object.entries(expected) as [
      LossType,
      typeof expected.grpo,
    ][]
  ) {
    const x = inputs();
    const { value, grads } = tf.variableGrads(
      () => policyLoss(x, options(type)).loss,
      [x.logp],
    );
    close(value.dataSync()[0], want.loss, 1e-6, `${type} loss`);
    const g = grads[x.logp.name].arraySync() as number[][];
    g.flat().forEach((v, i) =>
      close(v, want.grad.flat()[i], 1e-6, `${type} grad ${i}`)
    );
    tf.dispose([value, ...Object.values(grads), ...tensorsOf(x)]);
  }
});

Deno.test("dapo normalises by the tokens of the whole accumulated step", () => {
  const x = inputs();
  // This micro-batch is one of 2, and the step has 10 counted tokens in all.
  const loss =
    policyLoss(x, options("dapo", { activeTokensInStep: 10, microBatches: 2 }))
      .loss;
  close(loss.dataSync()[0], (2 * (-3 + 0.5)) / 10, 1e-6, "dapo");
  tf.dispose([loss, ...tensorsOf(x)]);
});

Deno.test("clipping: the clipped side has no gradient and is counted in clip_ratio", () => {
  // Completion 0 (Â = 1): ρ = e^0.5 ≈ 1.65 (clipped high), 1, e^−0.5 ≈ 0.61 (not clipped: min picks ρ·Â).
  // Completion 1 (Â = −0.5): ρ = e^−0.5 (clipped low).
  const x = inputs([[-1.5, -2, 0], [0.2, -9, -9]]);
  const { value, grads } = tf.variableGrads(
    () => policyLoss(x, options("bnpo")).loss,
    [x.logp],
  );
  const r = [Math.exp(0.5), 1, Math.exp(-0.5)];
  const want = (-(1.2 * 1) - r[1] - r[2] + -(-0.5 * 0.8)) / 4;
  close(value.dataSync()[0], want, 1e-5, "loss");
  const g = grads[x.logp.name].arraySync() as number[][];
  close(g[0][0], 0, 1e-7, "clipped high: no gradient");
  close(g[0][1], -r[1] / 4, 1e-6, "unclipped");
  close(g[0][2], -r[2] / 4, 1e-6, "below the range with Â > 0 is not clipped");
  close(g[1][0], 0, 1e-7, "clipped low: no gradient");
  const m = policyLoss(x, options("bnpo"));
  close(
    m["clip_ratio/high_mean"].dataSync()[0],
    1 / 4,
    1e-6,
    "clip_ratio/high_mean",
  );
  close(
    m["clip_ratio/low_mean"].dataSync()[0],
    1 / 4,
    1e-6,
    "clip_ratio/low_mean",
  );
  close(
    m["clip_ratio/region_mean"].dataSync()[0],
    2 / 4,
    1e-6,
    "clip_ratio/region_mean",
  );
  tf.dispose([
    value,
    ...Object.values(grads),
    ...tensorsOf(m),
    ...tensorsOf(x),
  ]);
});

Deno.test("KL: k3 is 0 for identical policies and e^d − d − 1 otherwise, added with β", () => {
  const same = inputs(undefined, [[-1, -2, -0.5], [-0.3, -9, -9]]);
  const zero = policyLoss(same, options("bnpo", { beta: 0.1 }));
  close(zero.kl!.dataSync()[0], 0, 1e-7, "kl");
  close(zero.loss.dataSync()[0], (-3 + 0.5) / 4, 1e-6, "loss unchanged");
  const d = 0.3;
  const other = inputs(undefined, [[-1 + d, -2 + d, -0.5 + d], [
    -0.3 + d,
    0,
    0,
  ]]);
  const k3 = Math.exp(d) - d - 1;
  const r = policyLoss(other, options("bnpo", { beta: 0.1 }));
  close(r.kl!.dataSync()[0], k3, 1e-6, "kl");
  close(r.loss.dataSync()[0], (-3 + 0.5) / 4 + 0.1 * k3, 1e-6, "loss + β·KL");
  assert.throws(
    () => policyLoss(inputs(), options("bnpo", { beta: 0.1 })),
    /needs refLogp/,
  );
  tf.dispose([
    ...tensorsOf(zero),
    ...tensorsOf(r),
    ...tensorsOf(same),
    ...tensorsOf(other),
  ]);
});
