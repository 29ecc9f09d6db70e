/**
 * Inter-rater agreement corrected for chance: Cohen's κ for two raters and
 * Krippendorff's α for any number of raters, any level of measurement and
 * missing values.
 *
 * ```ts
 * cohensKappa(["A", "B", "A"], ["A", "B", "B"]).kappa; // 0.4
 * // units × raters; null where a rater gave no value
 * krippendorffAlpha([[1, 1, null], [2, 3, 2]], "interval").alpha;
 * ```
 *
 * Why not percent agreement: two raters who both pick "A" 90 % of the time
 * agree on 82 % of the items by chance alone. κ and α report agreement
 * beyond that chance level (0 = chance, 1 = perfect, < 0 = systematic
 * disagreement).
 *
 * α follows Krippendorff, "Computing Krippendorff's Alpha-Reliability"
 * (2011): values are paired within each unit into a coincidence matrix
 * o_ck (each of a unit's m_u(m_u − 1) ordered pairs weighs 1 / (m_u − 1),
 * units with fewer than two values are unpairable and left out), and
 * α = 1 − D_o / D_e with D_o = Σ o_ck δ²_ck / n and
 * D_e = Σ n_c n_k δ²_ck / (n (n − 1)).
 *
 * @module
 */

/** A rating: a category name or a number. */
export type RatingValue = string | number;

/** How differences between two values count in {@link krippendorffAlpha}. */
export type MeasurementLevel = "nominal" | "ordinal" | "interval" | "ratio";

/** Result of {@link cohensKappa}. */
export interface KappaResult {
  /** κ = (p_o − p_e) / (1 − p_e); null when undefined (no items, or p_e = 1). */
  kappa: number | null;
  /** Observed share of items both raters put in the same category. */
  observed: number | null;
  /** Share expected by chance from each rater's own category frequencies. */
  expected: number | null;
  /** Items both raters gave a value (the others are left out). */
  items: number;
}

/** Result of {@link krippendorffAlpha}. */
export interface AlphaResult {
  /** α = 1 − D_o / D_e; null when undefined (nothing pairable, or D_e = 0). */
  alpha: number | null;
  /** Observed disagreement D_o. */
  observedDisagreement: number | null;
  /** Disagreement expected by chance D_e. */
  expectedDisagreement: number | null;
  /** Units with at least two values (the pairable ones). */
  units: number;
  /** Values in those units (n). */
  values: number;
}

/**
 * Cohen's κ of two raters' labels of the same items (`a[i]` and `b[i]` label
 * item i). Items where either label is null or undefined are left out.
 */
export function cohensKappa(
  a: readonly (RatingValue | null | undefined)[],
  b: readonly (RatingValue | null | undefined)[],
): KappaResult {
  if (a.length !== b.length) {
    throw new Error(
      `cohensKappa: rater A labelled ${a.length} items and rater B ${b.length}; both must label the same items`,
    );
  }
  const countsA = new Map<RatingValue, number>();
  const countsB = new Map<RatingValue, number>();
  let items = 0, same = 0;
  a.forEach((x, i) => {
    const y = b[i];
    if (x === null || x === undefined || y === null || y === undefined) return;
    items++;
    if (x === y) same++;
    countsA.set(x, (countsA.get(x) ?? 0) + 1);
    countsB.set(y, (countsB.get(y) ?? 0) + 1);
  });
  if (items === 0) {
    return { kappa: null, observed: null, expected: null, items };
  }
  const observed = same / items;
  let expected = 0;
  for (const [label, n] of countsA) {
    expected += (n / items) * ((countsB.get(label) ?? 0) / items);
  }
  // p_e = 1 only when both raters used one and the same label throughout:
  // there is no variation to agree on, so κ is 0 / 0.
  const kappa = expected >= 1 ? null : (observed - expected) / (1 - expected);
  return { kappa, observed, expected, items };
}

/**
 * Krippendorff's α of `units` (one entry per unit: the values the raters
 * gave it, null or undefined where a rater gave none; raters need not be in
 * the same positions across units). `ordinal`, `interval` and `ratio` need
 * numbers; `ratio` needs non-negative ones.
 */
export function krippendorffAlpha(
  units: readonly (readonly (RatingValue | null | undefined)[])[],
  level: MeasurementLevel = "nominal",
): AlphaResult {
  const pairable = units.map((unit) =>
    unit.filter((v): v is RatingValue => v !== null && v !== undefined)
  ).filter((values) => values.length >= 2);
  const domain = valueDomain(pairable, level);
  const index = new Map(domain.map((v, i) => [v, i]));
  const size = domain.length;
  // Coincidences: within a unit with counts n_uc, o_ck += n_uc (n_uk − [c = k]) / (m_u − 1).
  const o = new Float64Array(size * size);
  for (const values of pairable) {
    const counts = new Map<number, number>();
    for (const v of values) {
      const i = index.get(v)!;
      counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    for (const [c, nc] of counts) {
      for (const [k, nk] of counts) {
        o[c * size + k] += (nc * (c === k ? nk - 1 : nk)) /
          (values.length - 1);
      }
    }
  }
  const nc = new Float64Array(size);
  for (let c = 0; c < size; c++) {
    for (let k = 0; k < size; k++) nc[c] += o[c * size + k];
  }
  const n = nc.reduce((s, v) => s + v, 0);
  const result = { units: pairable.length, values: Math.round(n) };
  if (n < 2) {
    return {
      alpha: null,
      observedDisagreement: null,
      expectedDisagreement: null,
      ...result,
    };
  }
  const delta = differenceFunction(domain, nc, level);
  let observed = 0, expected = 0;
  for (let c = 0; c < size; c++) {
    for (let k = 0; k < size; k++) {
      const d = delta(c, k);
      observed += o[c * size + k] * d;
      expected += nc[c] * nc[k] * d;
    }
  }
  const observedDisagreement = observed / n;
  const expectedDisagreement = expected / (n * (n - 1));
  return {
    alpha: expectedDisagreement === 0
      ? null
      : 1 - observedDisagreement / expectedDisagreement,
    observedDisagreement,
    expectedDisagreement,
    ...result,
  };
}

/** The distinct values, ascending for the levels that order them. */
function valueDomain(
  units: readonly (readonly RatingValue[])[],
  level: MeasurementLevel,
): RatingValue[] {
  const values = [...new Set(units.flat())];
  if (level === "nominal") return values;
  for (const v of values) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(
        `krippendorffAlpha: ${level} data must be finite numbers, got ${
          JSON.stringify(v)
        }`,
      );
    }
    if (level === "ratio" && v < 0) {
      throw new Error(
        `krippendorffAlpha: ratio data must be non-negative, got ${v}`,
      );
    }
  }
  return (values as number[]).sort((x, y) => x - y);
}

/** δ²(c, k) between domain entries c and k (indices into `domain`). */
function differenceFunction(
  domain: readonly RatingValue[],
  nc: Float64Array,
  level: MeasurementLevel,
): (c: number, k: number) => number {
  if (level === "nominal") return (c, k) => (c === k ? 0 : 1);
  const v = domain as readonly number[];
  if (level === "interval") return (c, k) => (v[c] - v[k]) ** 2;
  if (level === "ratio") {
    return (
      c,
      k,
    ) => (v[c] + v[k] === 0 ? 0 : ((v[c] - v[k]) / (v[c] + v[k])) ** 2);
  }
  // Ordinal: the distance is the mass of values between c and k (each end
  // counted half), so it depends on how the scale is used, not on the
  // numbers themselves. Prefix sums make each δ O(1).
  const prefix = new Float64Array(nc.length + 1);
  nc.forEach((count, i) => (prefix[i + 1] = prefix[i] + count));
  return (c, k) => {
    const [lo, hi] = c <= k ? [c, k] : [k, c];
    return (prefix[hi + 1] - prefix[lo] - (nc[lo] + nc[hi]) / 2) ** 2;
  };
}

/** Result of {@link raterAgreement}. */
export interface RaterAgreement {
  /** Cohen's κ of every pair of raters (nominal). */
  kappa: { raterA: string; raterB: string; result: KappaResult }[];
  /** Krippendorff's α over all raters at each level asked for; empty with fewer than two raters. */
  alpha: { level: MeasurementLevel; result: AlphaResult }[];
}

/**
 * Agreement of the raters named `raters` on `units` (`units[u][j]` is
 * rater j's value of unit u, null where none): κ for each pair of raters,
 * α over all of them at each of `levels`.
 */
export function raterAgreement(
  units: readonly (readonly (RatingValue | null | undefined)[])[],
  raters: readonly string[],
  levels: readonly MeasurementLevel[] = ["nominal"],
): RaterAgreement {
  units.forEach((unit, u) => {
    if (unit.length !== raters.length) {
      throw new Error(
        `raterAgreement: unit ${u} has ${unit.length} values for ${raters.length} raters`,
      );
    }
  });
  const column = (j: number) => units.map((unit) => unit[j]);
  const kappa = raters.flatMap((raterA, i) =>
    raters.slice(i + 1).map((raterB, d) => ({
      raterA,
      raterB,
      result: cohensKappa(column(i), column(i + 1 + d)),
    }))
  );
  const alpha = raters.length < 2 ? [] : levels.map((level) => ({
    level,
    result: krippendorffAlpha(units, level),
  }));
  return { kappa, alpha };
}
