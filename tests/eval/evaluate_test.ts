/** The one report shape on a toy study: values, means, aggregates, nulls, errors. */
import assert from "node:assert/strict";
import { evaluateOutputs } from "../../lib/eval/evaluate.ts";
import { defineMetrics, metricOf } from "../../lib/eval/metrics.ts";
import { bootstrapCI } from "../../lib/eval/stats.ts";
import { summaryTable } from "../../lib/eval/tables.ts";
import { prompts, score, TOY, toyReports } from "./toy_study.ts";

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
