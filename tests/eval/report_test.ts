/** The results files of a toy study: CSV columns, summary, charts, settings, and the round trip. */
import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { scoreBars } from "../../lib/eval/charts.ts";
import { summaryColumns } from "../../lib/eval/csv.ts";
import { readReports, writeReport } from "../../lib/eval/report.ts";
import type { EvalReport } from "../../lib/eval/types.ts";
import { toyReports } from "./toy_study.ts";
import { initEngine, tf } from "../../lib/engine/mod.ts";

await initEngine({ verbose: false });

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
    const { environment, ...settings } = JSON.parse(
      await Deno.readTextFile(files.settingsJson!),
    );
    assert.deepEqual(settings, { steps: 3 });
    // What a reader needs to reproduce the numbers: the code, the engine
    // (with the BLAS kernels and threads that round the products), the CPU.
    assert.match(
      environment.tunebook?.commit ?? "0".repeat(40),
      /^[0-9a-f]{40}$/,
    );
    assert.equal(environment.runtime.deno, Deno.version.deno);
    assert.equal(environment.engine.backend, tf.getBackend());
    assert.equal(typeof environment.cpu.cores, "number");
    if (environment.engine.matmul === "blas") {
      assert.equal(typeof environment.engine.threads, "number");
      assert.equal(typeof environment.engine.blas.coreType, "string");
    }
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
