import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { compareReports } from "../../lib/eval/compare.ts";
import { summaryColumns } from "../../lib/eval/csv.ts";
import { formatInterval, metricOf } from "../../lib/eval/metrics.ts";
import { readReports, writeReport } from "../../lib/eval/report.ts";
import { pairedTable } from "../../lib/eval/tables.ts";
import type { EvalReport } from "../../lib/eval/types.ts";
import {
  evaluateHaikuOutputs,
  HAIKU_METRICS,
} from "../../lib/experiments/haiku/metrics.ts";
import {
  GEMMA_HAIKU_COLUMNS,
  haikuLayout,
  haikuSummaryTable,
} from "../../lib/experiments/haiku/report.ts";
import {
  fixedOutputs,
  letterBagEmbedder,
  realHaiku,
  trainHaikus,
} from "./haiku_fixtures.ts";

async function twoReports(): Promise<[EvalReport, EvalReport]> {
  const options = { trainHaikus, embedder: letterBagEmbedder() };
  const base = await evaluateHaikuOutputs(fixedOutputs(), {
    ...options,
    model: "base",
    generation: {
      seed: 0,
      sampling: { temperature: 1, topP: 0.95, topK: 64, minP: 0 },
      maxNewTokens: 50,
    },
  });
  // "tuned" writes the real haiku for every prompt.
  const tuned = await evaluateHaikuOutputs(
    fixedOutputs().map((o) => ({ ...o, samples: [realHaiku, realHaiku] })),
    { ...options, model: "tuned" },
  );
  return [base, tuned];
}

Deno.test("summary.csv has gemma_haiku's columns first and the report's numbers", async () => {
  const [base, tuned] = await twoReports();
  const dir = await Deno.makeTempDir({ prefix: "eval_report_" });
  try {
    const layout = haikuLayout({ paired: [["tuned", "base"]] });
    const files = await writeReport(`${dir}/run`, [base, tuned], layout);
    const text = await Deno.readTextFile(files.summaryCsv);
    const header = text.split("\n")[0].split(",");
    assert.deepEqual(header.slice(0, GEMMA_HAIKU_COLUMNS.length), [
      ...GEMMA_HAIKU_COLUMNS,
    ]);
    assert.deepEqual(header, summaryColumns([base, tuned], layout));
    const rows: Record<string, string>[] = parse(text, { columns: true });
    assert.equal(rows.length, 2);
    const [b, t] = rows;
    assert.equal(b.model_path, "base");
    assert.equal(Number(b.is_haiku_avg), base.aggregate.haiku!.mean);
    assert.equal(Number(b.similarity_avg), base.aggregate.similarity!.mean);
    assert.equal(Number(b.total_avg), base.aggregate.total!.mean);
    assert.equal(Number(b.duplicates), 1);
    assert.equal(
      Number(b.duplicate_percentage),
      1 / 6,
      "a fraction, as gemma_haiku wrote it",
    );
    assert.equal(Number(b.total_samples), 6);
    assert.equal(b.error, "");
    assert.equal(Number(b.is_haiku_avg_ci_low), base.aggregate.haiku!.low);
    assert.equal(Number(b.syllable_mae), base.aggregate.syllableError!.mean);
    assert.equal(
      Number(b.prompt_echo_ci_high),
      base.aggregate.promptEcho!.high,
    );
    assert.equal(b.temperature, "1");
    assert.equal(b.top_k, "64");
    assert.equal(b.embedder, "letter-bag (test)");
    assert.equal(Number(t.is_haiku_avg), 1);
    assert.equal(t.temperature, "", "unknown sampling stays empty");

    const perPrompt: Record<string, string>[] = parse(
      await Deno.readTextFile(files.perPromptCsv),
      { columns: true },
    );
    assert.equal(perPrompt.length, 6);
    const p1 = perPrompt.find((r) =>
      r.model_path === "base" && r.prompt_index === "1"
    )!;
    assert.equal(Number(p1.syllable_mae), 1 / 6);
    const p2 = perPrompt.find((r) =>
      r.model_path === "base" && r.prompt_index === "2"
    )!;
    assert.equal(p2.syllable_mae, "", "no three-line output");
    assert.equal(p2.topic, "Quiet snowy forest at dawn");

    const samples: Record<string, string>[] = parse(
      await Deno.readTextFile(files.samplesCsv),
      { columns: true },
    );
    assert.equal(samples.length, 12);
    assert.equal(samples[0].completion, realHaiku, "newlines survive the CSV");
    assert.equal(samples[0].line_syllables, "5-7-5");

    assert.deepEqual(await readReports(`${dir}/run`), [base, tuned]);
    const summary = await Deno.readTextFile(files.summaryMd);
    assert.match(summary, /\| Haiku Score \|/);
    assert.match(summary, /\| Metric \| tuned \| base \| Δ tuned − base/);
    assert.match(
      await Deno.readTextFile(files.charts["scores.svg"]),
      /^<svg[^>]*xmlns=/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the markdown summary shows mean [low, high] per model", async () => {
  const [base, tuned] = await twoReports();
  assert.equal(
    formatInterval(
      { mean: 0.42, low: 0.35, high: 0.49 },
      metricOf(HAIKU_METRICS, "haiku"),
    ),
    "0.42 [0.35, 0.49]",
  );
  assert.equal(
    formatInterval(
      { mean: 0.0125, low: 0, high: 0.035 },
      metricOf(HAIKU_METRICS, "trainOverlap"),
    ),
    "1.3 % [0.0, 3.5]",
  );
  const md = haikuSummaryTable([base, tuned], { metrics: ["haiku", "total"] });
  const lines = md.split("\n");
  assert.match(
    lines[0],
    /^Means over 3 prompts × k = 2 samples, 95 % bootstrap/,
  );
  assert.equal(lines[2], "| Model | Haiku Score | Total Score |");
  const h = base.aggregate.haiku!;
  assert.ok(
    lines[4].startsWith(
      `| base | ${h.mean.toFixed(2)} [${h.low.toFixed(2)}, ${
        h.high.toFixed(2)
      }] |`,
    ),
    lines[4],
  );
  assert.match(lines[5], /^\| tuned \| 1\.00 \[1\.00, 1\.00\] \|/);
  assert.match(
    lines[0],
    /similarity: letter-bag \(test\) cosine − 0\.5; syllables: cmu\.$/,
  );
  assert.throws(() => haikuSummaryTable([]), /no reports/);
});

Deno.test("paired comparisons: identical reports give p = 1; a better model a positive Δ", async () => {
  const [base, tuned] = await twoReports();
  const same = compareReports(base, base);
  assert.equal(same.haiku!.pValue, 1);
  assert.deepEqual(same.haiku!.difference, { mean: 0, low: 0, high: 0 });

  const cmp = compareReports(tuned, base);
  // Per prompt, tuned − base Haiku Score: 1 − 1/2, 1 − 1/2, 1 − 0.
  assert.ok(Math.abs(cmp.haiku!.difference.mean - 2 / 3) < 1e-12);
  assert.equal(cmp.haiku!.prompts, 3);
  assert.equal(cmp.haiku!.exact, true);
  assert.equal(cmp.haiku!.pValue, 2 / 8, "all three prompts favour tuned");
  assert.equal(cmp.syllableError!.prompts, 2, "prompt 2 has no base value");

  const md = pairedTable(tuned, base, { metrics: ["haiku"] });
  assert.match(
    md,
    /\| Metric \| tuned \| base \| Δ tuned − base \[95 % CI\] \| p \(sign-flip\) \| Prompts \|/,
  );
  assert.match(md, /\| Haiku Score \| 1\.00 \| 0\.33 \| 0\.67 \[/);
  assert.match(md, /\| 0\.250 \| 3 \|/);

  const fewer = { ...base, prompts: base.prompts.slice(1) };
  assert.throws(
    () => compareReports(tuned, fewer),
    /3 prompts\) with "base" \(2 prompts\)/,
  );
  const other = {
    ...base,
    settings: {
      ...base.settings,
      study: { ...base.settings.study, embedder: "use-lite" },
    },
  };
  assert.throws(() => compareReports(tuned, other), /not comparable/);
});
