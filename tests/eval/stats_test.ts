import assert from "node:assert/strict";
import {
  bootstrapCI,
  mean,
  pairedComparison,
  quantile,
  signFlipTest,
} from "../../lib/eval/stats.ts";
import { Rng } from "../../lib/util/random.ts";

Deno.test("mean and type-7 quantiles on hand-computable data", () => {
  assert.equal(mean([1, 2, 3, 6]), 3);
  assert.throws(() => mean([]), /no values/);
  const sorted = [1, 2, 3, 4];
  assert.equal(quantile(sorted, 0), 1);
  assert.equal(quantile(sorted, 1), 4);
  assert.equal(quantile(sorted, 0.5), 2.5);
  assert.equal(quantile(sorted, 1 / 3), 2);
  assert.equal(quantile([7], 0.025), 7);
  assert.throws(() => quantile(sorted, 1.5), /q must be in \[0, 1\]/);
});

Deno.test("the interval of a constant is the constant", () => {
  const est = bootstrapCI([[0.25, 0.25], [0.25], [0.25, 0.25, 0.25]], {
    seed: 3,
  });
  assert.deepEqual(est, {
    mean: 0.25,
    low: 0.25,
    high: 0.25,
    groups: 3,
    values: 6,
  });
});

Deno.test("the estimate pools every value; empty groups are left out", () => {
  // (1 + 0 + 1 + 1 + 0) / 5, not the mean of group means (0.5 + 1 + 0) / 3.
  const est = bootstrapCI([[1, 0], [], [1, 1], [0]], { resamples: 500 });
  assert.equal(est.mean, 0.6);
  assert.equal(est.groups, 3);
  assert.equal(est.values, 5);
  assert.ok(est.low <= est.mean && est.mean <= est.high);
  assert.throws(() => bootstrapCI([[], []]), /every group is empty/);
  assert.throws(() => bootstrapCI([[1], [NaN]]), /group 1 value 0 is NaN/);
});

Deno.test("whole prompts are resampled: the k samples of a prompt stay together", () => {
  // Two prompts, four identical samples each. Resampling prompts gives
  // replicate means 0, 0.5 or 1 (probabilities 1/4, 1/2, 1/4), so the
  // 95 % interval is [0, 1]. Resampling the 8 samples independently would
  // give a much narrower interval around 0.5.
  const est = bootstrapCI([[0, 0, 0, 0], [1, 1, 1, 1]], { seed: 1 });
  assert.equal(est.mean, 0.5);
  assert.equal(est.low, 0);
  assert.equal(est.high, 1);
});

Deno.test("the interval of a normal mean has the textbook width and is seeded", () => {
  const rng = new Rng(11);
  const values = Array.from({ length: 400 }, () => 2 + 3 * rng.normal());
  const groups = values.map((v) => [v]);
  const m = mean(values);
  const sd = Math.sqrt(
    values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1),
  );
  const half = 1.96 * sd / Math.sqrt(values.length);
  const est = bootstrapCI(groups, { seed: 5, resamples: 4000 });
  assert.equal(est.mean, m);
  const width = (est.high - est.low) / 2;
  assert.ok(Math.abs(width - half) / half < 0.1, `${width} vs ${half}`);
  assert.ok(Math.abs((est.low + est.high) / 2 - m) < 0.1 * half);
  assert.deepEqual(bootstrapCI(groups, { seed: 5, resamples: 4000 }), est);
  assert.notDeepEqual(bootstrapCI(groups, { seed: 6, resamples: 4000 }), est);
  // A 50 % interval is narrower than the 95 % one.
  const narrow = bootstrapCI(groups, { seed: 5, level: 0.5 });
  assert.ok(narrow.high - narrow.low < est.high - est.low);
});

Deno.test("identical models: zero difference and p = 1", () => {
  const rng = new Rng(2);
  const a = Array.from({ length: 50 }, () => [rng.uniform(), rng.uniform()]);
  const cmp = pairedComparison(a, a.map((g) => [...g]));
  assert.deepEqual(cmp.difference, { mean: 0, low: 0, high: 0 });
  assert.equal(cmp.pValue, 1);
  assert.equal(cmp.prompts, 50);
  assert.equal(cmp.exact, false);
  assert.equal(cmp.permutations, 10_000);
});

Deno.test("a known shift is detected, its size recovered", () => {
  const rng = new Rng(4);
  const base = Array.from({ length: 40 }, () => [rng.normal(), rng.normal()]);
  // B is A shifted by −0.5 plus noise of its own.
  const shifted = base.map((g) => g.map((v) => v - 0.5 + 0.5 * rng.normal()));
  const cmp = pairedComparison(base, shifted, { seed: 9 });
  const d = base.map((g, i) => mean(g) - mean(shifted[i]));
  assert.ok(Math.abs(cmp.difference.mean - mean(d)) < 1e-12);
  assert.ok(
    cmp.difference.low > 0,
    `interval ${JSON.stringify(cmp.difference)}`,
  );
  assert.ok(cmp.difference.low < 0.5 && 0.5 < cmp.difference.high);
  assert.ok(cmp.pValue < 0.01, `p = ${cmp.pValue}`);
  assert.ok(Math.abs(cmp.meanA - cmp.meanB - cmp.difference.mean) < 1e-12);
  // An exact constant shift: every prompt gains 0.3.
  const exact = pairedComparison(
    base,
    base.map((g) => g.map((v) => v + 0.3)),
  );
  assert.ok(Math.abs(exact.difference.mean + 0.3) < 1e-12);
  assert.ok(Math.abs(exact.difference.low + 0.3) < 1e-12);
  assert.ok(Math.abs(exact.difference.high + 0.3) < 1e-12);
  assert.equal(exact.pValue, 1 / 10_001, "no random sign pattern reaches it");
});

Deno.test("the sign-flip test enumerates small cases exactly", () => {
  // Σ = 6; only all-plus and all-minus reach |Σ| ≥ 6: 2 of 8 patterns.
  assert.deepEqual(signFlipTest([1, 2, 3]), {
    pValue: 0.25,
    permutations: 8,
    exact: true,
  });
  // [1, 1, 2]: Σ = 4; the other six patterns sum to ±2 or 0.
  assert.equal(signFlipTest([1, 1, 2], 10, 0).pValue, 2 / 8);
  assert.equal(signFlipTest([1, -1]).pValue, 1);
  assert.throws(() => signFlipTest([]), /no differences/);
});

Deno.test("paired comparison checks its inputs and skips prompts without values", () => {
  assert.throws(
    () => pairedComparison([[1]], [[1], [2]]),
    /model A has 1 prompts and model B 2/,
  );
  const cmp = pairedComparison([[1], [], [3]], [[0], [5], []]);
  assert.equal(cmp.prompts, 1);
  assert.equal(cmp.difference.mean, 1);
  assert.throws(
    () => pairedComparison([[], [1]], [[1], []]),
    /no prompt has values for both/,
  );
});
