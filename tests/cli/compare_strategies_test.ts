/**
 * `compare:strategies` (run as `deno run -A lib/cli/compare_strategies.ts`,
 * as the task does): every preset answers the same questions with the same
 * seeds — each answer is what `answer --preset P --seed S` gives — and the
 * tables, CSV and JSON carry each answer's words, distinct-2 and format and
 * each preset's means and time.
 */
import assert from "node:assert/strict";
import { distinctN, wordCount } from "../../lib/eval/text_metrics.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { pool, runScript, type ScriptRun } from "../helpers/run_script.ts";

await initEngine({ verbose: false });
const dir = await Deno.makeTempDir({ prefix: "compare_strategies_" });
const model = await writeTinyChatModel(`${dir}/model`, {
  seed: 11,
  std: 0.2, // replies that depend on the prompt and the preset
});
const questions = `${dir}/questions.txt`;
await Deno.writeTextFile(
  questions,
  "# two questions\nWhat is 2 + 3?\n\nWhy is the sky blue?\n",
);
const COMMON = ["--model", model, "--max-new-tokens", "6", "--seed", "5"];
const compare = (args: string[]) =>
  runScript("lib/cli/compare_strategies.ts", args);

interface Row {
  question_index: number;
  id: number | string;
  preset: string;
  seed: number;
  answer: string;
  words: number;
  distinct_2: number;
  format_ok: boolean;
}

Deno.test("compare:strategies answers as answer --preset P --seed S does, and reports each preset", async () => {
  const out = `${dir}/report`;
  const presets = ["greedy", "creative", "standard"];
  const [run, ...answers] = await pool([
    () =>
      compare([
        ...COMMON,
        "--batch",
        questions,
        "--presets",
        presets.join(","),
        "--batch-size",
        "2",
        "--out",
        out,
      ]),
    ...presets.map((preset) => () =>
      runScript("lib/cli/answer.ts", [
        ...COMMON,
        "--questions",
        questions,
        "--preset",
        preset,
        "--batch-size",
        "2",
      ])
    ),
  ], (work) => work());
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(await Deno.readTextFile(`${out}/comparison.json`));
  const rows: Row[] = report.answers;
  // Question-major: every preset's answer to question 0, then question 1.
  assert.deepEqual(
    rows.map((r) => [r.question_index, r.preset]),
    [0, 1].flatMap((i) => presets.map((p) => [i, p])),
  );
  presets.forEach((preset, p) => {
    assert.equal(answers[p].code, 0, answers[p].stderr);
    const expected = JSON.parse(answers[p].stdout);
    const mine = rows.filter((r) => r.preset === preset);
    assert.deepEqual(
      mine.map((r) => [r.id, r.seed, r.answer, r.format_ok]),
      expected.map((
        e: { id: number; seed: number; answer: string; format_ok: boolean },
      ) => [e.id, e.seed, e.answer, e.format_ok]),
      preset,
    );
  });
  // The same seed for a question under every preset; the answers differ.
  assert.equal(
    new Set(rows.filter((r) => r.question_index === 0).map((r) => r.seed)).size,
    1,
  );
  assert.ok(new Set(rows.map((r) => r.answer)).size > 2, "presets differ");
  for (const r of rows) {
    assert.equal(r.words, wordCount(r.answer));
    assert.equal(r.distinct_2, distinctN([r.answer], 2));
  }
  assert.deepEqual(
    report.summary.map((s: { preset: string }) => s.preset),
    presets,
  );
  for (const s of report.summary) {
    const mine = rows.filter((r) => r.preset === s.preset);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.equal(s.answers, 2);
    assert.equal(s.mean_words, mean(mine.map((r) => r.words)));
    assert.equal(s.mean_distinct_2, mean(mine.map((r) => r.distinct_2)));
    assert.ok(s.seconds > 0 && s.seconds_per_answer === s.seconds / 2);
  }
  assert.equal(report.settings.seed, 5);
  assert.deepEqual(report.settings.presets, presets);

  // CSV: a header and one line per answer / per preset.
  const csv = await Deno.readTextFile(`${out}/comparison.csv`);
  assert.ok(
    csv.startsWith(
      "question_index,id,question,preset,seed,words,distinct_2,format_ok,",
    ),
  );
  const summaryCsv = (await Deno.readTextFile(`${out}/summary.csv`)).trimEnd()
    .split("\n");
  assert.equal(summaryCsv.length, 1 + presets.length);
  assert.ok(
    summaryCsv[0].startsWith(
      "preset,temperature,top_k,top_p,answers,mean_words,mean_distinct_2,format_ok_rate,seconds",
    ),
  );

  // The terminal tables: a row per answer, the question on its first row only.
  const lines = run.stdout.split("\n");
  assert.equal(
    lines[0],
    "| question | preset | words | distinct-2 | format | answer |",
  );
  const answerRows = lines.slice(2, 2 + rows.length);
  assert.match(answerRows[0], /^\| 0: What is 2 \+ 3\? \| greedy \| +\d+ \|/);
  assert.match(answerRows[1], /^\| {2}\| creative \|/);
  assert.match(answerRows[3], /^\| 1: Why is the sky blue\? \| greedy \|/);
  const summaryAt = lines.findIndex((l) =>
    l.startsWith("| preset | temperature")
  );
  assert.ok(summaryAt > 0, run.stdout);
  assert.match(lines[summaryAt + 2], /^\| greedy \| +0 \| +1 \| +1 \| +2 \|/);
  assert.match(
    lines[summaryAt + 3],
    /^\| creative \| +0\.9 \| +100 \| +0\.98 \|/,
  );
  assert.match(run.stderr, /wrote .*comparison\.csv/);
});

Deno.test("compare:strategies asks every built-in example by default, a category with --examples", async () => {
  const [all, logic] = await pool(
    [[], ["--examples", "logic"]],
    (args) =>
      compare([
        ...COMMON,
        "--max-new-tokens",
        "1",
        "--presets",
        "greedy",
        ...args,
      ]),
  );
  for (const run of [all, logic]) assert.equal(run.code, 0, run.stderr);
  const ids = (run: ScriptRun) =>
    [...run.stdout.matchAll(/^\| ([a-z]+-\d): /gm)].map((m) => m[1]);
  assert.deepEqual(ids(logic), ["logic-1", "logic-2", "logic-3"]);
  assert.equal(ids(all).length, 15);
  assert.deepEqual(
    [...new Set(ids(all).map((id) => id.split("-")[0]))],
    ["math", "logic", "science", "coding", "general"],
  );
});

Deno.test("compare:strategies: bad presets and question flags are one line naming the flag, exit 2; --help works", async () => {
  const cases: [string[], string][] = [
    [["--presets", "greedy,hot"], '--presets: unknown preset "hot"'],
    [["--presets", "greedy,greedy"], '--presets: "greedy" is listed twice'],
    [["--examples", "physics"], '--examples: unknown category "physics"'],
    [["--domain", "finance", "--system", "x"], "--domain finance"],
    [["--max-new-tokens", "0"], "--max-new-tokens"],
  ];
  const runs = await pool(
    cases,
    ([args]) => compare(["--model", model, ...args]),
  );
  cases.forEach(([, mention], i) => {
    const run = runs[i];
    assert.equal(run.code, 2, run.stderr);
    assert.equal(run.stderr.trimEnd().split("\n").length, 1, run.stderr);
    assert.ok(run.stderr.startsWith("compare:strategies: "), run.stderr);
    assert.ok(run.stderr.includes(mention), `${mention}: ${run.stderr}`);
  });
  const help = await compare(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: deno task compare:strategies /);
  assert.match(help.stdout, /--presets P,P,… +comma-separated presets/);
});
