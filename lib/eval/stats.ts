/**
 * Statistics for evaluation tables: means with percentile-bootstrap
 * confidence intervals over prompts, and paired comparisons of two models
 * on the same prompts.
 *
 * ```ts
 * // k = 2 samples per prompt; the prompt is the unit that is resampled.
 * const est = bootstrapCI([[1, 0], [1, 1], [0, 0]], { seed: 0 });
 * est.mean; // 0.5, with est.low / est.high the 95 % interval
 * const cmp = pairedComparison(modelA, modelB); // per-prompt A − B
 * cmp.difference.mean; cmp.pValue;
 * ```
 *
 * Why prompts, not samples: the k samples of one prompt share its topic
 * and difficulty, so they are not independent draws. Resampling samples
 * would treat k correlated values as k independent ones and give intervals
 * that are too narrow; resampling whole prompts (a cluster bootstrap)
 * keeps each prompt's samples together.
 *
 * Everything is seeded with {@link Rng}: the same inputs and seed give the
 * same interval and p-value.
 *
 * @module
 */
import { Rng } from "../util/random.ts";

/** A point estimate with its confidence interval. */
export interface Interval {
  /** The estimate on the data as given. */
  mean: number;
  /** Lower end of the interval. */
  low: number;
  /** Upper end of the interval. */
  high: number;
}

/** A bootstrap estimate and what it was computed from. */
export interface Estimate extends Interval {
  /** Groups (prompts) that had at least one value. */
  groups: number;
  /** Values over those groups. */
  values: number;
}

/** Settings of the bootstrap. */
export interface BootstrapOptions {
  /** Bootstrap resamples B (default 2000). */
  resamples?: number;
  /** Seed of the resampling RNG (default 0). */
  seed?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

/** Settings of {@link pairedComparison}. */
export interface PairedOptions extends BootstrapOptions {
  /**
   * Random sign flips of the permutation test (default 10 000). When
   * 2^n is no larger, all 2^n sign patterns are enumerated instead (exact).
   */
  permutations?: number;
}

/** Result of {@link pairedComparison}. */
export interface PairedComparison {
  /** Mean over the paired prompts of model A's per-prompt means. */
  meanA: number;
  /** The same for model B. */
  meanB: number;
  /** Mean per-prompt difference A − B with its bootstrap interval. */
  difference: Interval;
  /**
   * Two-sided p-value of the paired sign-flip permutation test of "no
   * difference": the share of sign patterns whose |mean difference| is at
   * least the observed one.
   */
  pValue: number;
  /** Prompts with values for both models (the others are left out). */
  prompts: number;
  /** Sign patterns used by the test. */
  permutations: number;
  /** Whether every sign pattern was enumerated. */
  exact: boolean;
}

/** Arithmetic mean; an empty list is an error. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error("mean: no values");
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * The q-quantile of ascending `sorted` values with linear interpolation
 * between order statistics (numpy's default, "type 7").
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile: no values");
  if (!(q >= 0 && q <= 1)) {
    throw new Error(`quantile: q must be in [0, 1], got ${q}`);
  }
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Mean of every value in `groups` (e.g. the k samples of each prompt) with
 * a percentile-bootstrap interval that resamples whole groups with
 * replacement. The statistic is the pooled mean (sum over the resampled
 * groups' values / their count), so groups with fewer values weigh less;
 * with equal group sizes it equals the mean of the group means. Empty
 * groups (a metric that does not apply to any sample of a prompt) are left
 * out before resampling.
 */
export function bootstrapCI(
  groups: readonly (readonly number[])[],
  options: BootstrapOptions = {},
): Estimate {
  const { resamples, seed, level } = bootstrapSettings(options);
  const sums: number[] = [];
  const counts: number[] = [];
  groups.forEach((group, g) => {
    if (group.length === 0) return;
    let sum = 0;
    group.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new Error(
          `bootstrapCI: group ${g} value ${i} is ${v}; expected a finite number`,
        );
      }
      sum += v;
    });
    sums.push(sum);
    counts.push(group.length);
  });
  const n = sums.length;
  if (n === 0) throw new Error("bootstrapCI: every group is empty");
  const total = counts.reduce((a, b) => a + b, 0);
  const estimate = sums.reduce((a, b) => a + b, 0) / total;
  const rng = new Rng(seed);
  const replicates = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0, count = 0;
    for (let i = 0; i < n; i++) {
      const g = rng.int(n);
      sum += sums[g];
      count += counts[g];
    }
    replicates[b] = sum / count;
  }
  const [low, high] = percentileInterval(replicates, level);
  return { mean: estimate, low, high, groups: n, values: total };
}

/**
 * Paired comparison of two models on the same prompts: `a[i]` and `b[i]`
 * are the values (e.g. k samples) of prompt i. Each prompt gives one
 * difference d_i = mean(a[i]) − mean(b[i]); the result is mean(d) with a
 * bootstrap interval over prompts and a sign-flip permutation p-value
 * (under "no difference" each d_i is as likely to be −d_i). Prompts where
 * either model has no value are left out.
 */
export function pairedComparison(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  options: PairedOptions = {},
): PairedComparison {
  if (a.length !== b.length) {
    throw new Error(
      `pairedComparison: model A has ${a.length} prompts and model B ${b.length}; both must be scored on the same prompts`,
    );
  }
  const meansA: number[] = [];
  const meansB: number[] = [];
  a.forEach((values, i) => {
    if (values.length === 0 || b[i].length === 0) return;
    meansA.push(mean(values));
    meansB.push(mean(b[i]));
  });
  if (meansA.length === 0) {
    throw new Error("pairedComparison: no prompt has values for both models");
  }
  const diffs = meansA.map((m, i) => m - meansB[i]);
  const est = bootstrapCI(diffs.map((d) => [d]), options);
  const test = signFlipTest(
    diffs,
    options.permutations ?? 10_000,
    bootstrapSettings(options).seed,
  );
  return {
    meanA: mean(meansA),
    meanB: mean(meansB),
    difference: { mean: est.mean, low: est.low, high: est.high },
    pValue: test.pValue,
    prompts: diffs.length,
    permutations: test.permutations,
    exact: test.exact,
  };
}

/**
 * Two-sided paired sign-flip test on differences `d`: p = share of sign
 * patterns s with |Σ s_i d_i| ≥ |Σ d_i|. Exact over all 2^n patterns when
 * that is at most `permutations`; otherwise `permutations` random patterns
 * with the usual +1 correction, (1 + hits) / (1 + permutations), so p is
 * never 0.
 */
export function signFlipTest(
  d: readonly number[],
  permutations = 10_000,
  seed = 0,
): { pValue: number; permutations: number; exact: boolean } {
  if (d.length === 0) throw new Error("signFlipTest: no differences");
  if (!Number.isInteger(permutations) || permutations < 1) {
    throw new Error(
      `signFlipTest: permutations must be a positive integer, got ${permutations}`,
    );
  }
  const observed = Math.abs(d.reduce((s, v) => s + v, 0));
  // Sums of the same numbers in another order differ in the last bits;
  // without a tolerance, identical models could miss their own statistic.
  const tolerance = 1e-9 * d.reduce((s, v) => s + Math.abs(v), 0);
  const atLeast = (stat: number) => Math.abs(stat) >= observed - tolerance;
  const n = d.length;
  if (n <= 30 && 2 ** n <= permutations) {
    let hits = 0;
    for (let mask = 0; mask < 2 ** n; mask++) {
      let stat = 0;
      for (let i = 0; i < n; i++) stat += (mask >>> i) & 1 ? -d[i] : d[i];
      if (atLeast(stat)) hits++;
    }
    return { pValue: hits / 2 ** n, permutations: 2 ** n, exact: true };
  }
  const rng = new Rng(seed);
  let hits = 0;
  for (let p = 0; p < permutations; p++) {
    let stat = 0;
    for (let i = 0; i < n; i++) {
      stat += rng.next() & 1 ? -d[i] : d[i];
    }
    if (atLeast(stat)) hits++;
  }
  return {
    pValue: (1 + hits) / (1 + permutations),
    permutations,
    exact: false,
  };
}

/** Resolved, validated {@link BootstrapOptions}. */
export function bootstrapSettings(
  options: BootstrapOptions = {},
): Required<BootstrapOptions> {
  const resamples = options.resamples ?? 2000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(
      `bootstrap: resamples must be a positive integer, got ${resamples}`,
    );
  }
  if (!Number.isFinite(seed)) {
    throw new Error(`bootstrap: seed must be a finite number, got ${seed}`);
  }
  if (!(level > 0 && level < 1)) {
    throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  }
  return { resamples, seed, level };
}

function percentileInterval(
  replicates: Float64Array,
  level: number,
): [number, number] {
  const sorted = Array.from(replicates).sort((x, y) => x - y);
  const alpha = (1 - level) / 2;
  return [quantile(sorted, alpha), quantile(sorted, 1 - alpha)];
}
