/** Paired comparisons and the summary table on a toy study. */
import assert from "node:assert/strict";
import { compareReports } from "../../lib/eval/compare.ts";
import { reportLabel } from "../../lib/eval/evaluate.ts";
import {
  formatInterval,
  formatValue,
  metricLegend,
} from "../../lib/eval/metrics.ts";
import { pairedComparison } from "../../lib/eval/stats.ts";
import { pairedTable, summaryTable } from "../../lib/eval/tables.ts";
import { TOY, toyReports } from "./toy_study.ts";

Deno.test("paired comparison per metric, on the same prompts and study settings", async () => {
  const [base, tuned] = await toyReports();
  const cmp = compareReports(tuned, base);
  // Per prompt, tuned − base "right": 1 − 1/2, 1/2 − 0, 1 − 0.
  assert.deepEqual(
    cmp.right,
    pairedComparison([[1, 1], [1, 0], [1, 1]], [[1, 0], [0, 0], [0, 0]], {
      ...tuned.settings.bootstrap,
    }),
  );
  assert.ok(Math.abs(cmp.right!.difference.mean - 2 / 3) < 1e-12);
  assert.equal(cmp.digits!.prompts, 2, "prompt q2 has digits in neither");
  assert.equal(compareReports(base, base).right!.pValue, 1);

  const md = pairedTable(tuned, base, { metrics: ["right", "short"] });
  assert.match(
    md,
    /\| Metric \| tuned \| base \| Δ tuned − base \[95 % CI\] \| p \(sign-flip\) \| Prompts \|/,
  );
  assert.match(md, /\| Right \| 0\.83 \| 0\.17 \| 0\.67 \[/);
  assert.match(md, /\| Short \| 100\.0 % \| 50\.0 % \| 50\.0 % \[/);

  // One decoding on both sides goes into the caption; two are named per column.
  const greedy = pairedTable(
    { ...tuned, variant: "greedy" },
    { ...base, variant: "greedy" },
  );
  assert.match(greedy, /^Paired by prompt \(greedy\): tuned and base columns/);
  assert.match(greedy, /\| Δ tuned − base \[95 % CI\] \|/);
  const mixed = pairedTable({ ...tuned, variant: "greedy" }, base);
  assert.match(mixed, /\| Δ tuned \(greedy\) − base \[95 % CI\] \|/);

  const fewer = { ...base, prompts: base.prompts.slice(1) };
  assert.throws(
    () => compareReports(tuned, fewer),
    /3 prompts\) with "base" \(2 prompts\)/,
  );
  const other = {
    ...base,
    settings: { ...base.settings, study: { grader: "fuzzy" } },
  };
  assert.throws(
    () => compareReports(tuned, other),
    /\(grader exact\) with "base" \(grader fuzzy\).*not comparable/,
  );
  const moved = {
    ...base,
    prompts: [base.prompts[1], base.prompts[0], base.prompts[2]],
  };
  assert.throws(() => compareReports(tuned, moved), /prompt 0 differs/);
});

Deno.test("the summary table: one row per report, mean [low, high] cells by metric format", async () => {
  const [base, tuned] = await toyReports();
  const md = summaryTable([base, tuned], { note: "graded exactly" });
  const lines = md.split("\n");
  assert.equal(
    lines[0],
    "Means over 3 prompts × k = 2 samples, 95 % bootstrap interval over prompts (B = 2000); graded exactly.",
  );
  assert.equal(lines[2], "| Model | Right | Short | Digits |");
  const r = base.aggregate.right!;
  assert.ok(
    lines[4].startsWith(
      `| base | ${r.mean.toFixed(2)} [${r.low.toFixed(2)}, ${
        r.high.toFixed(2)
      }] |`,
    ),
    lines[4],
  );
  assert.equal(
    formatInterval({ mean: 0.0125, low: 0, high: 0.035 }, TOY[1]),
    "1.3 % [0.0, 3.5]",
  );
  assert.equal(
    formatValue(2.345, TOY[2], 3),
    "2.3",
    "counts keep their digits",
  );
  assert.equal(
    formatValue(0.4567, TOY[0], 3),
    "0.457",
    "scores take the override",
  );
  assert.match(metricLegend(TOY), /^- \*\*Right\*\*: 1 when the answer/);

  // Variants of one model: a Variant column; a k they differ in: a k column.
  const greedy = { ...tuned, variant: "greedy" };
  const sampled = {
    ...tuned,
    variant: "sampled",
    settings: { ...tuned.settings, k: 4 },
  };
  const variants = summaryTable([greedy, sampled]).split("\n");
  assert.equal(variants[2], "| Model | Variant | k | Right | Short | Digits |");
  assert.match(variants[4], /^\| tuned \| greedy \| 2 \| /);
  assert.equal(reportLabel(greedy), "tuned (greedy)");
  const same = summaryTable([greedy, { ...base, variant: "greedy" }]);
  assert.match(same, /^greedy: means over 3 prompts/);
  assert.throws(() => summaryTable([]), /no reports/);
});
