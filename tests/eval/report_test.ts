/**
 * The one report shape on a toy study: a metric set of three (a 0/1
 * score, a percent rate, a count that applies only to some samples), a
 * scorer, two models on the same prompts, and every generic output.
 */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { compareReports } from "../../lib/eval/compare.ts";
import { summaryColumns } from "../../lib/eval/csv.ts";
import { evaluateOutputs, reportLabel } from "../../lib/eval/evaluate.ts";
import {
  defineMetrics,
  formatInterval,
  formatValue,
  metricLegend,
  metricOf,
} from "../../lib/eval/metrics.ts";
import { readReports, writeReport } from "../../lib/eval/report.ts";
import { bootstrapCI, pairedComparison } from "../../lib/eval/stats.ts";
import { pairedTable, summaryTable } from "../../lib/eval/tables.ts";
import type {
  EvalReport,
  PromptOutputs,
  SampleScorer,
} from "../../lib/eval/types.ts";
import { scoreBars } from "../../lib/eval/charts.ts";

const TOY = defineMetrics([
  {
    key: "right",
    label: "Right",
    column: "right_avg",
    description: "1 when the answer is the number asked for",
    format: { kind: "score", digits: 2 },
  },
  {
    key: "short",
    label: "Short",
    column: "short_rate",
    description: "1 when the answer has at most 3 characters",
    format: { kind: "percent", digits: 1 },
  },
  {
    key: "digits",
    label: "Digits",
    column: "digits",
    description: "digits of a numeric answer (none for words)",
    format: { kind: "count", digits: 1 },
  },
]);

/** Right when the text is the prompt's reference; digits only for numbers. */
const score: SampleScorer = (samples) =>
  samples.map((s) => ({
    values: {
      right: s.text === s.prompt.reference ? 1 : 0,
      short: s.text.length <= 3 ? 1 : 0,
      digits: /^\d+$/.test(s.text) ? s.text.length : null,
    },
    extras: { upper: s.text.toUpperCase() },
  }));

const prompts = (samples: string[][]): PromptOutputs[] =>
  [["2 + 2?", "4"], ["10 × 10?", "100"], ["Say hi", "hi"]].map((
    [prompt, reference],
    i,
  ) => ({ prompt, id: `q${i}`, reference, samples: samples[i] }));

async function toyReports(): Promise<[EvalReport, EvalReport]> {
  const base = await evaluateOutputs(
    prompts([["4", "five"], ["99", "1000"], ["hello", "hey"]]),
    {
      model: "base",
      metrics: TOY,
      score,
      generation: { seed: 1, sampling: "standard", maxNewTokens: 8 },
      study: { grader: "exact" },
    },
  );
  const tuned = await evaluateOutputs(
    prompts([["4", "4"], ["100", "99"], ["hi", "hi"]]),
    { model: "tuned", metrics: TOY, score, study: { grader: "exact" } },
  );
  return [base, tuned];
}

Deno.test("a report holds every sample's values, per-prompt means and bootstrap aggregates", async () => {
  const [base] = await toyReports();
  assert.equal(base.model, "base");
  assert.equal(base.variant, undefined);
  assert.deepEqual(base.metrics, [...TOY]);
  assert.deepEqual(
    { ...base.settings, bootstrap: undefined },
    {
      k: 2,
      prompts: 3,
      seed: 1,
      sampling: "standard",
      maxNewTokens: 8,
      bootstrap: undefined,
      study: { grader: "exact" },
    },
  );
  const [p0, p1, p2] = base.prompts;
  assert.deepEqual(
    [p0.index, p0.id, p0.prompt, p0.reference],
    [0, "q0", "2 + 2?", "4"],
  );
  assert.deepEqual(p0.samples[1], {
    text: "five",
    values: { right: 0, short: 0, digits: null },
    extras: { upper: "FIVE" },
  });
  assert.deepEqual(p0.means, { right: 0.5, short: 0.5, digits: 1 });
  assert.deepEqual(p1.means, { right: 0, short: 1 / 2, digits: 3 });
  assert.equal(p2.means.digits, null, "no sample of the prompt is a number");

  // Aggregates: pooled means with the bootstrap over prompts, as bootstrapCI gives them.
  assert.deepEqual(
    base.aggregate.right,
    bootstrapCI([[1, 0], [0, 0], [0, 0]], base.settings.bootstrap),
  );
  const digits = base.aggregate.digits!;
  assert.equal(digits.mean, (1 + 2 + 4) / 3);
  assert.equal(digits.groups, 2, "the prompt without values is left out");
  assert.equal(digits.values, 3);
});

Deno.test("a metric that applies to no sample aggregates to null and shows n/a", async () => {
  const words = await evaluateOutputs(prompts([["a"], ["b"], ["c"]]), {
    model: "words",
    metrics: TOY,
    score,
  });
  assert.equal(words.aggregate.digits, null);
  assert.equal(words.aggregate.right!.mean, 0);
  const md = summaryTable([words]);
  assert.match(
    md,
    /\| words \| 0\.00 \[0\.00, 0\.00\] \| 100\.0 % \[100\.0, 100\.0\] \| n\/a \|/,
  );
});

Deno.test("bad outputs and bad scores are errors naming the place", async () => {
  const options = { model: "m", metrics: TOY, score };
  await assert.rejects(evaluateOutputs([], options), /no outputs/);
  await assert.rejects(
    evaluateOutputs(prompts([["4"], ["1", "2"], ["x"]]), options),
    /output 1 has 2 samples but output 0 has 1/,
  );
  await assert.rejects(
    evaluateOutputs(prompts([["4"], ["1"], ["x"]]), {
      ...options,
      score: (s) => s.map(() => ({ values: { right: 1, short: NaN } })),
    }),
    /output 0 sample 0: metric "short" is NaN/,
  );
  await assert.rejects(
    evaluateOutputs(prompts([["4"], ["1"], ["x"]]), {
      ...options,
      score: (s) =>
        s.map(() => ({
          values: { right: 1, short: 1, digits: 1, length: 2 },
        })),
    }),
    /the scorer gave "length", which is not in the metric set/,
  );
  await assert.rejects(
    evaluateOutputs(prompts([["4"], ["1"], ["x"]]), {
      ...options,
      score: () => [],
    }),
    /the scorer returned 0 scores for 3 samples/,
  );
  assert.throws(
    () => defineMetrics([TOY[0], { ...TOY[1], key: "right" }]),
    /two metrics have the key "right"/,
  );
  assert.throws(
    () => metricOf(TOY, "speed"),
    /expected one of right, short, digits/,
  );
});

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

Deno.test("writeReport writes the CSV files, summary, charts and settings; readReports reads them back", async () => {
  const [base, tuned] = await toyReports();
  const greedy = { ...tuned, variant: "greedy" };
  const reports = [{ ...base, variant: "greedy" }, greedy];
  const dir = await Deno.makeTempDir({ prefix: "eval_report_" });
  try {
    const layout = {
      idColumn: "question",
      sampleColumns: {
        columns: ["upper"],
        cells: (s: { extras?: Record<string, unknown> }) => ({
          upper: String(s.extras?.upper),
        }),
      },
      charts: (rs: readonly EvalReport[]) => ({
        "scores.svg": scoreBars(rs, { title: "Toy" }),
      }),
    };
    const files = await writeReport(`${dir}/run`, reports, layout, {
      settings: { steps: 3 },
    });
    const csv = (path: string): Record<string, string>[] =>
      parse(Deno.readTextFileSync(path), { columns: true });

    const summaryText = await Deno.readTextFile(files.summaryCsv);
    assert.deepEqual(summaryText.split("\n")[0].split(","), [
      "model",
      "variant",
      "right_avg",
      "right_avg_ci_low",
      "right_avg_ci_high",
      "short_rate",
      "short_rate_ci_low",
      "short_rate_ci_high",
      "digits",
      "digits_ci_low",
      "digits_ci_high",
      "prompts",
      "k",
      "seed",
      "temperature",
      "top_p",
      "top_k",
      "min_p",
      "sampling",
      "max_new_tokens",
      "grader",
      "ci_level",
      "bootstrap_resamples",
      "bootstrap_seed",
    ]);
    assert.deepEqual(
      summaryText.split("\n")[0].split(","),
      summaryColumns(reports),
    );
    const [b, t] = csv(files.summaryCsv);
    assert.equal(b.model, "base");
    assert.equal(b.variant, "greedy");
    assert.equal(Number(b.right_avg), base.aggregate.right!.mean);
    assert.equal(Number(b.digits_ci_high), base.aggregate.digits!.high);
    assert.equal(b.sampling, "standard");
    assert.equal(b.seed, "1");
    assert.equal(t.seed, "", "unknown generation settings stay empty");
    assert.equal(b.grader, "exact");

    const perPrompt = csv(files.perPromptCsv);
    assert.deepEqual(Object.keys(perPrompt[0]), [
      "model",
      "variant",
      "prompt_index",
      "question",
      "k",
      "right_avg",
      "short_rate",
      "digits",
      "reference",
    ]);
    assert.equal(perPrompt.length, 6);
    assert.equal(perPrompt[2].digits, "", "no value: an empty cell");
    assert.equal(perPrompt[1].reference, "100");

    const samples = csv(files.samplesCsv);
    assert.equal(samples.length, 12);
    assert.deepEqual(Object.keys(samples[0]), [
      "model",
      "variant",
      "prompt_index",
      "sample_index",
      "question",
      "completion",
      "upper",
      "right_avg",
      "short_rate",
      "digits",
    ]);
    assert.deepEqual(
      [samples[1].completion, samples[1].upper, samples[1].digits],
      ["five", "FIVE", ""],
    );

    assert.deepEqual(await readReports(`${dir}/run`), reports);
    assert.match(
      await Deno.readTextFile(files.summaryMd),
      /\| Model \| Right \|/,
    );
    assert.deepEqual(
      JSON.parse(await Deno.readTextFile(files.settingsJson!)),
      { steps: 3 },
    );
    assert.match(
      await Deno.readTextFile(files.charts["scores.svg"]),
      /^<svg[^>]*xmlns=/,
    );
    await assert.rejects(
      writeReport(`${dir}/twice`, [greedy, greedy]),
      /two reports are named "tuned \(greedy\)"/,
    );
    await Deno.writeTextFile(`${dir}/run/reports.json`, '[{"model": "x"}]');
    await assert.rejects(
      readReports(`${dir}/run`),
      /report 0 has no "settings"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
