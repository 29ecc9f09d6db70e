/**
 * `deno task bench serve`: the percentile and the throughput ratio are
 * computed as stated, and the quick form serves both models at each
 * concurrency with sane numbers.
 */
import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import { selectBenchmarks } from "../../lib/bench/registry.ts";
import { CONCURRENCIES, loadRows, percentile } from "../../lib/bench/serve.ts";

await initEngine({ verbose: false });

Deno.test("percentile is the nearest rank; vs_c1 divides by concurrency 1's throughput", () => {
  const latencies = [40, 10, 30, 20, 50, 60, 70, 80, 90, 100];
  assert.equal(percentile(latencies, 50), 50);
  assert.equal(percentile(latencies, 95), 100);
  assert.equal(percentile([7], 95), 7);
  const rows = loadRows("m", "k", 4, [
    { concurrency: 1, requests: 2, tokens: 8, wallMs: 400, latenciesMs: [200] },
    {
      concurrency: 8,
      requests: 8,
      tokens: 32,
      wallMs: 400,
      latenciesMs: [300, 400],
    },
  ]);
  assert.deepEqual(rows.map((r) => r.tokens_per_s), [20, 80]);
  assert.deepEqual(rows.map((r) => r.vs_c1), [1, 4]);
  assert.deepEqual(rows.map((r) => r.p95_ms), [200, 400]);
});

Deno.test("bench serve --quick: both models at concurrency 1, 8 and 32", async () => {
  const benchmarks = selectBenchmarks(["serve"]);
  assert.deepEqual(benchmarks.map((b) => b.name), [
    "default-model",
    "smollm-135m-shape",
  ]);
  for (const bench of benchmarks) {
    const out = await bench.run({ quick: true, log: () => {} });
    assert.deepEqual(out.rows.map((r) => r.concurrency), [...CONCURRENCIES]);
    for (const row of out.rows) {
      assert.equal(row.requests, row.concurrency);
      assert.ok((row.tokens_per_s as number) > 0, JSON.stringify(row));
      assert.ok(
        (row.p95_ms as number) >= (row.p50_ms as number),
        JSON.stringify(row),
      );
    }
    assert.equal(out.rows[0].vs_c1, 1);
    assert.match(
      out.notes![0],
      /^throughput at concurrency 8 ÷ concurrency 1: [\d.]+× \(\d+ rows in the largest shared batch\)$/,
    );
  }
});
