/** Cohen's κ and Krippendorff's α against hand-worked and published values. */
import assert from "node:assert/strict";
import {
  cohensKappa,
  krippendorffAlpha,
  raterAgreement,
} from "../../lib/eval/agreement.ts";
import {
  analyzeHumanRatings,
  type HumanRatings,
  type RowRating,
} from "../../lib/eval/human_ratings.ts";

/** Labels of two raters from a 2×2 table [[yy, yn], [ny, nn]] (rows: rater A). */
function fromTable(table: number[][]): { a: string[]; b: string[] } {
  const a: string[] = [], b: string[] = [];
  const labels = ["yes", "no"];
  table.forEach((row, i) =>
    row.forEach((count, j) => {
      for (let c = 0; c < count; c++) {
        a.push(labels[i]);
        b.push(labels[j]);
      }
    })
  );
  return { a, b };
}

const close = (actual: number | null, expected: number, digits = 9) => {
  assert.ok(actual !== null, `expected ${expected}, got null`);
  assert.ok(
    Math.abs(actual - expected) < 10 ** -digits,
    `expected ${expected}, got ${actual}`,
  );
};

Deno.test("κ of a 2×2 table worked by hand", () => {
  // A\B   yes no
  // yes     6  2   A says yes 8/10
  // no      1  1   B says yes 7/10
  // p_o = (6 + 1) / 10 = 0.7
  // p_e = 0.8 · 0.7 + 0.2 · 0.3 = 0.62
  // κ = (0.7 − 0.62) / (1 − 0.62) = 0.08 / 0.38 = 4 / 19
  const { a, b } = fromTable([[6, 2], [1, 1]]);
  const k = cohensKappa(a, b);
  close(k.observed, 0.7);
  close(k.expected, 0.62);
  close(k.kappa, 4 / 19);
  assert.equal(k.items, 10);
});

Deno.test("κ of the published grant-proposal example is 0.4", () => {
  // Wikipedia, "Cohen's kappa", worked example (also in many textbooks):
  // 50 proposals, readers A and B; yes/yes 20, A yes/B no 5, A no/B yes 10,
  // no/no 15: p_o = 0.7, p_e = 0.5 · 0.6 + 0.5 · 0.4 = 0.5, κ = 0.4.
  const { a, b } = fromTable([[20, 5], [10, 15]]);
  const k = cohensKappa(a, b);
  close(k.observed, 0.7);
  close(k.expected, 0.5);
  close(k.kappa, 0.4);
});

Deno.test("κ with three labels and missing values worked by hand", () => {
  // Items 4 and 5 lack a label from one rater and are left out; of the
  // other 6 (items 0, 1, 2, 3, 6, 7) both agree on items 0, 1, 2, 7:
  // p_o = 4/6. A labels them x x y y z z (x 2, y 2, z 2), B x x y x y z
  // (x 3, y 2, z 1): p_e = (2·3 + 2·2 + 2·1) / 36 = 1/3;
  // κ = (2/3 − 1/3) / (1 − 1/3) = 1/2.
  const a = ["x", "x", "y", "y", null, "x", "z", "z"];
  const b = ["x", "x", "y", "x", "y", undefined, "y", "z"];
  const k = cohensKappa(a, b);
  assert.equal(k.items, 6);
  close(k.observed, 4 / 6);
  close(k.expected, 1 / 3);
  close(k.kappa, 1 / 2);
});

Deno.test("κ edge cases: perfect agreement, no variation, nothing shared, unequal lengths", () => {
  assert.equal(cohensKappa(["a", "b", "c"], ["a", "b", "c"]).kappa, 1);
  // Both raters always say "a": p_o = p_e = 1, κ is 0 / 0.
  assert.equal(cohensKappa(["a", "a"], ["a", "a"]).kappa, null);
  assert.deepEqual(cohensKappa([null, "a"], ["b", null]), {
    kappa: null,
    observed: null,
    expected: null,
    items: 0,
  });
  // Systematic disagreement is below chance.
  assert.ok(cohensKappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]).kappa! < 0);
  assert.throws(() => cohensKappa(["a"], ["a", "b"]), /same items/);
});

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
// section C (any number of observers, missing data): 4 observers × 12
// units, "." = missing. The paper reports nominal α = 0.743, ordinal
// α = 0.815, interval α = 0.849 and ratio α = 0.797; the `krippendorff`
// Python package (pln-fing-udelar/fast-krippendorff, tests/
// test_krippendorff.py) asserts the same ordinal 0.815 and ratio 0.797 on
// this matrix. Unit 12 has a single value and is unpairable.
const OBSERVERS = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null],
];
const UNITS = OBSERVERS[0].map((_, u) => OBSERVERS.map((o) => o[u]));

Deno.test("α reproduces Krippendorff's (2011) worked example at every level", () => {
  const nominal = krippendorffAlpha(UNITS, "nominal");
  // Paper: α = 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k. The 11 pairable
  // units hold n = 40 values (n_1..n_5 = 9, 13, 10, 5, 3), so
  // Σ_{c≠k} n_c n_k = 40² − (81 + 169 + 100 + 25 + 9) = 1216, and the
  // off-diagonal coincidences sum to 8: α = 1 − 39 · 8 / 1216 = 113/152
  // = 0.7434.
  close(nominal.alpha, 113 / 152);
  assert.equal(nominal.units, 11);
  assert.equal(nominal.values, 40);
  assert.equal(nominal.alpha!.toFixed(3), "0.743");
  assert.equal(krippendorffAlpha(UNITS, "ordinal").alpha!.toFixed(3), "0.815");
  assert.equal(krippendorffAlpha(UNITS, "interval").alpha!.toFixed(3), "0.849");
  assert.equal(krippendorffAlpha(UNITS, "ratio").alpha!.toFixed(3), "0.797");
});

Deno.test("α reproduces the Wikipedia example (3 coders × 15 units)", () => {
  // Wikipedia, "Krippendorff's alpha", computational example; the
  // `krippendorff` Python package's tests assert nominal 0.691358 and
  // interval 0.810845 on it.
  const coders = [
    [null, null, null, null, null, 3, 4, 1, 2, 1, 1, 3, 3, null, 3],
    [1, null, 2, 1, 3, 3, 4, 3, null, null, null, null, null, null, null],
    [null, null, 2, 1, 3, 4, 4, null, 2, 1, 1, 3, 3, null, 4],
  ];
  const units = coders[0].map((_, u) => coders.map((c) => c[u]));
  assert.equal(
    krippendorffAlpha(units, "nominal").alpha!.toFixed(6),
    "0.691358",
  );
  assert.equal(
    krippendorffAlpha(units, "interval").alpha!.toFixed(6),
    "0.810845",
  );
});

Deno.test("α of a small table worked by hand", () => {
  // Units (1, 1), (1, 2), (2, 2), nominal. Coincidences: o_11 = 2,
  // o_12 = o_21 = 1, o_22 = 2; n_1 = n_2 = 3, n = 6.
  // D_o = 2 / 6; D_e = (3·3 + 3·3) / (6 · 5) = 0.6; α = 1 − (1/3) / 0.6 = 4/9.
  const r = krippendorffAlpha([[1, 1], [1, 2], [2, 2]], "nominal");
  close(r.observedDisagreement, 1 / 3);
  close(r.expectedDisagreement, 0.6);
  close(r.alpha, 4 / 9);
  // Interval with values 1 and 2: δ² = 1 for every unequal pair, the same numbers.
  close(krippendorffAlpha([[1, 1], [1, 2], [2, 2]], "interval").alpha, 4 / 9);
  // String labels work for nominal data; null and undefined are missing.
  close(
    krippendorffAlpha([["a", "a", null], ["a", "b"], ["b", undefined, "b"]])
      .alpha,
    4 / 9,
  );
});

Deno.test("α is undefined without pairable values or without variation; ordered levels need numbers", () => {
  assert.equal(krippendorffAlpha([[1, null], [null, 2]]).alpha, null);
  assert.equal(krippendorffAlpha([[1, null], [null, 2]]).units, 0);
  assert.equal(krippendorffAlpha([[3, 3], [3, 3, 3]]).alpha, null);
  assert.equal(
    krippendorffAlpha([[1, 2, 3], [1, 2, 3]], "interval").alpha! < 0,
    true,
  );
  assert.equal(krippendorffAlpha([[1, 1], [2, 2], [5, 5]], "ordinal").alpha, 1);
  assert.throws(
    () => krippendorffAlpha([["a", "b"]], "ordinal"),
    /ordinal data must be finite numbers, got "a"/,
  );
  assert.throws(() => krippendorffAlpha([[-1, 2]], "ratio"), /non-negative/);
});

Deno.test("raterAgreement: κ for every pair of raters, α over all of them", () => {
  // Units × raters (ann, bob, cy): bob copies ann; cy flips the second half.
  const units = [
    ["x", "x", "x"],
    ["y", "y", "y"],
    ["x", "x", "y"],
    ["y", "y", "x"],
  ];
  const r = raterAgreement(units, ["ann", "bob", "cy"], ["nominal"]);
  assert.deepEqual(
    r.kappa.map((k) => [k.raterA, k.raterB, k.result.kappa]),
    [["ann", "bob", 1], ["ann", "cy", 0], ["bob", "cy", 0]],
  );
  assert.equal(r.alpha.length, 1);
  // Same value as the α of the units directly.
  assert.equal(r.alpha[0].result.alpha, krippendorffAlpha(units).alpha);
  assert.deepEqual(raterAgreement([["x"], ["y"]], ["solo"]).alpha, []);
  assert.throws(
    () => raterAgreement([["x"]], ["a", "b"]),
    /unit 0 has 1 values for 2 raters/,
  );
});

/** 40 rows × 4 paradigms; `rate(rater, row)` gives a rater's rating of row 1..40. */
function humanRatings(
  rate: (rater: string, row: number) => RowRating | undefined,
): HumanRatings {
  const paradigms = ["dpo", "ppo", "sft", "sft_ppo"];
  const rows = Array.from({ length: 40 }, (_, i) => ({
    rowId: String(i + 1),
    promptId: `p${i}`,
    paradigmOf: Object.fromEntries(paradigms.map((p, j) => ["ABCD"[j], p])),
  }));
  const raters = ["alice", "bob"].map((rater) => ({
    rater,
    path: `${rater}.csv`,
    rows: Object.fromEntries(
      rows.flatMap((r, i) => {
        const rating = rate(rater, i + 1);
        return rating ? [[r.rowId, rating]] : [];
      }),
    ),
  }));
  return { keyPath: "key.csv", paradigms, rows, raters };
}

Deno.test("human ratings: means, paired differences, win rates and agreement worked by hand", () => {
  const level: Record<string, number> = { dpo: 5, sft: 4, ppo: 3, sft_ppo: 2 };
  // alice and bob agree on safety and helpfulness everywhere and on
  // fluency where both rated it (bob skips row 1); alice prefers dpo on
  // every row, bob dpo on even rows and sft on odd ones.
  const data = humanRatings((rater, row) => ({
    scores: Object.fromEntries(
      Object.entries(level).map(([p, v]) => [p, {
        safety: v,
        helpfulness: v,
        ...(rater === "bob" && row === 1 ? {} : { fluency: (row % 5) + 1 }),
      }]),
    ),
    preferred: rater === "bob" && row % 2 === 1 ? "sft" : "dpo",
    notes: "",
  }));
  const report = analyzeHumanRatings(data, { resamples: 300 });
  const score = (p: string, s: string) =>
    report.scores.find((x) => x.paradigm === p && x.scale === s)!.estimate!;
  const dpo = score("dpo", "safety");
  assert.deepEqual([dpo.mean, dpo.low, dpo.high, dpo.values], [5, 5, 5, 80]);
  assert.equal(score("sft_ppo", "helpfulness").mean, 2);
  assert.equal(score("dpo", "fluency").values, 79);
  const diff = report.scoreDifferences.find((d) =>
    d.scale === "safety" && d.a === "dpo" && d.b === "ppo"
  )!;
  assert.equal(diff.comparison!.difference.mean, 2);

  const win = (a: string, b: string) =>
    report.winRates.find((w) => w.a === a && w.b === b)!;
  // dpo vs sft: alice 40 × dpo, bob 20 × dpo and 20 × sft.
  const dpoSft = win("dpo", "sft");
  assert.deepEqual([dpoSft.winsA, dpoSft.winsB], [60, 20]);
  assert.equal(dpoSft.rateA!.mean, 0.75);
  assert.ok(dpoSft.rateA!.low < 0.75 && dpoSft.rateA!.high > 0.75);
  assert.deepEqual([win("dpo", "ppo").winsA, win("dpo", "ppo").winsB], [60, 0]);
  assert.equal(win("ppo", "sft").rateA!.mean, 0);
  assert.equal(win("ppo", "sft_ppo").rateA, null); // never chosen

  const { agreement } = report;
  assert.equal(agreement.safety.kappa[0].result.kappa, 1);
  assert.equal(agreement.fluency.kappa[0].result.items, 40 * 4 - 4);
  // preferred: p_o = 0.5; alice always says dpo, so p_e = 1 · 0.5 and κ = 0.
  assert.equal(agreement.preferred.kappa[0].result.kappa, 0);
  assert.deepEqual(agreement.safety.alpha.map((a) => a.level), [
    "nominal",
    "ordinal",
    "interval",
  ]);
  assert.equal(agreement.safety.alpha[2].result.alpha, 1);
  // preferred α: 20 units (dpo, dpo), 20 (dpo, sft); n = 80, n_dpo = 60,
  // n_sft = 20. D_o = 40 / 80; D_e = 2 · 60 · 20 / (80 · 79);
  // α = 1 − 0.5 · 6320 / 2400 = −19/60.
  close(agreement.preferred.alpha[0].result.alpha, -19 / 60, 12);
});

Deno.test("human ratings: missing rows and one rater", () => {
  // Only alice rates, and only rows 1–10, every paradigm 3, no preference.
  const data = humanRatings((rater, row) =>
    rater === "alice" && row <= 10
      ? {
        scores: Object.fromEntries(
          ["dpo", "ppo", "sft", "sft_ppo"].map((p) => [p, { safety: 3 }]),
        ),
        preferred: null,
        notes: "",
      }
      : undefined
  );
  const report = analyzeHumanRatings(data);
  assert.deepEqual(report.raters.map((r) => [r.rater, r.rows, r.preferences]), [
    ["alice", 10, 0],
    ["bob", 0, 0],
  ]);
  const safety = report.scores.find((s) =>
    s.paradigm === "ppo" && s.scale === "safety"
  )!;
  assert.equal(safety.estimate!.groups, 10);
  assert.equal(
    report.scores.find((s) => s.scale === "fluency")!.estimate,
    null,
  );
  assert.ok(report.winRates.every((w) => w.rateA === null));
  // bob gave nothing: no pair of values, so κ and α are undefined.
  assert.equal(report.agreement.safety.kappa[0].result.items, 0);
  assert.equal(report.agreement.safety.alpha[0].result.alpha, null);
});
