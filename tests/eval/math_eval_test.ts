import assert from "node:assert/strict";
import { runScript } from "../helpers/run_script.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { evaluateMathOutputs, scoreMathSample } from "../../lib/eval/math.ts";
import { loadModel } from "../../lib/model/load.ts";
import { defaultLoraConfig } from "../../lib/peft/config.ts";
import { saveAdapter } from "../../lib/peft/format.ts";
import { applyLora } from "../../lib/peft/lora.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { randomizeB } from "../peft/helpers.ts";

await initEngine({ verbose: false });

Deno.test("scoreMathSample: answer tag, last number, within 10 %, wrong, bad format", () => {
  const tagged = scoreMathSample(
    "<think>5 * 2 = 10, plus 8</think>\n<answer>18</answer>",
    18,
  );
  assert.deepEqual(
    [tagged.correct, tagged.partial, tagged.format, tagged.source],
    [1, 1, 1, "answer_tag"],
  );
  const lastNumber = scoreMathSample("She has 3 boxes so 3 * 6 = 18", 18);
  assert.deepEqual(
    [lastNumber.correct, lastNumber.partial, lastNumber.format],
    [1, 1, 0],
  );
  assert.equal(lastNumber.source, "last_number");
  const close = scoreMathSample("<think>about</think><answer>19</answer>", 18);
  assert.deepEqual([close.correct, close.partial, close.format], [0, 1, 1]);
  const far = scoreMathSample("<think>guess</think><answer>25</answer>", 18);
  assert.deepEqual([far.correct, far.partial, far.format], [0, 0, 1]);
  const twoAnswers = scoreMathSample(
    "<think>x</think><answer>1</answer><answer>18</answer>",
    18,
  );
  assert.deepEqual(
    [twoAnswers.correct, twoAnswers.format],
    [1, 0],
    "the last <answer> counts but two answer blocks break the format",
  );
  const none = scoreMathSample("I do not know.", 18);
  assert.deepEqual(
    [none.extracted, none.correct, none.partial, none.format],
    [null, 0, 0, 0],
  );
});

Deno.test("evaluateMathOutputs: means over samples and intervals over questions", () => {
  const report = evaluateMathOutputs([
    {
      question: "q1",
      gold: 18,
      samples: ["<think>a</think><answer>18</answer>", "so 18"],
    },
    {
      question: "q2",
      gold: 100,
      samples: ["<think>b</think><answer>$105</answer>", "about 95"],
    },
    { question: "q3", gold: 7, samples: ["<think>c</think>", "12"] },
  ], { bootstrap: { seed: 1, resamples: 500 } });
  assert.equal(report.questions, 3);
  assert.equal(report.k, 2);
  // q1: both right; q2: "$105" → only partial; "95" partial; q3 nothing.
  assert.deepEqual(report.rows.map((r) => r.accuracy), [1, 0, 0]);
  assert.deepEqual(report.rows.map((r) => r.partial), [1, 1, 0]);
  assert.deepEqual(report.rows.map((r) => r.format), [0.5, 0.5, 0]);
  assert.ok(Math.abs(report.metrics.accuracy.mean - 2 / 6) < 1e-12);
  assert.ok(Math.abs(report.metrics.partial.mean - 4 / 6) < 1e-12);
  assert.ok(Math.abs(report.metrics.format.mean - 2 / 6) < 1e-12);
  for (const m of Object.values(report.metrics)) {
    assert.ok(m.low <= m.mean && m.mean <= m.high, JSON.stringify(m));
    assert.equal(m.groups, 3);
    assert.equal(m.values, 6);
  }
  assert.ok(report.metrics.accuracy.high > report.metrics.accuracy.low);
  assert.throws(
    () => evaluateMathOutputs([{ question: "q", gold: 1, samples: [] }]),
    /question 1 has no samples/,
  );
});

function bench(args: string[], env: Record<string, string> = {}) {
  return runScript("lib/cli/bench_gsm8k.ts", args, {
    HF_HUB_OFFLINE: "1",
    ...env,
  });
}

const QUESTIONS = [
  { question: "Ann has 3 apples and buys 4. How many?", final: 7 },
  { question: "A box holds 6 eggs. How many in 5 boxes?", final: 30 },
  { question: "Tom had 20 and spent 8. How much is left?", final: 12 },
];

function gsm8kLine(q: { question: string; final: number }): string {
  return JSON.stringify({
    question: q.question,
    answer: `Work it out.\n#### ${q.final}`,
  });
}

Deno.test("bench:gsm8k runs end to end on a tiny model and writes 3 rows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = await writeTinyChatModel(`${dir}/model`);
    const data = `${dir}/q.jsonl`;
    await Deno.writeTextFile(data, QUESTIONS.map(gsm8kLine).join("\n") + "\n");
    const out = `${dir}/out`;
    const run = await bench([
      "--model",
      model,
      "--data",
      data,
      "--max-new-tokens",
      "6",
      "--k",
      "2",
      "--out",
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\| Accuracy \|/);
    assert.match(run.stderr, /generate 6\/6/);
    const results = JSON.parse(await Deno.readTextFile(`${out}/results.json`));
    assert.equal(results.rows.length, 3);
    assert.deepEqual(
      results.rows.map((r: { gold: number }) => r.gold),
      [7, 30, 12],
    );
    assert.equal(results.k, 2);
    assert.equal(results.preset, "standard");
    for (const row of results.rows) assert.equal(row.samples.length, 2);
    const mean = results.rows.reduce(
      (s: number, r: { accuracy: number }) => s + r.accuracy,
      0,
    ) / 3;
    assert.ok(Math.abs(results.metrics.accuracy.mean - mean) < 1e-12);
    const samples = (await Deno.readTextFile(`${out}/samples.csv`)).trim();
    assert.match(samples, /^index,sample,gold,extracted,source,/);
    const questions = await Deno.readTextFile(`${out}/questions.csv`);
    assert.match(questions, /Ann has 3 apples/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench:gsm8k --adapter attaches the LoRA and changes the greedy answers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const modelDir = await writeTinyChatModel(`${dir}/model`);
    const model = await loadModel(modelDir);
    const lora = applyLora(model, defaultLoraConfig({ r: 4, alpha: 8 }), {
      seed: 0,
    });
    randomizeB(lora, 5, 0.5);
    await saveAdapter(`${dir}/adapter`, lora, { baseModel: modelDir });
    model.dispose();
    const data = `${dir}/q.jsonl`;
    await Deno.writeTextFile(data, QUESTIONS.map(gsm8kLine).join("\n"));
    const texts = async (extra: string[], out: string) => {
      const run = await bench([
        "--model",
        modelDir,
        "--data",
        data,
        "--max-new-tokens",
        "8",
        "--out",
        out,
        ...extra,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const results = JSON.parse(
        await Deno.readTextFile(`${out}/results.json`),
      );
      return {
        adapter: results.adapter,
        completions: results.rows.map((
          r: { samples: { completion: string }[] },
        ) => r.samples[0].completion),
      };
    };
    const base = await texts([], `${dir}/base`);
    const tuned = await texts(["--adapter", `${dir}/adapter`], `${dir}/tuned`);
    assert.equal(base.adapter, null);
    assert.equal(tuned.adapter, `${dir}/adapter`);
    assert.notDeepEqual(tuned.completions, base.completions);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench:gsm8k names the file and line of a malformed row", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = `${dir}/bad.jsonl`;
    await Deno.writeTextFile(
      data,
      `${gsm8kLine(QUESTIONS[0])}\n{"question": "broken", \n`,
    );
    const run = await bench(["--data", data]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`${data} line 2`));

    await Deno.writeTextFile(
      data,
      `${gsm8kLine(QUESTIONS[0])}\n${
        JSON.stringify({ question: "q", answer: "no final line" })
      }\n`,
    );
    const noFinal = await bench(["--data", data]);
    assert.equal(noFinal.code, 1);
    assert.match(noFinal.stderr, new RegExp(`${data} line 2: field "answer"`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench:gsm8k gives a clear error for a hub id while offline", async () => {
  const cache = await Deno.makeTempDir();
  try {
    const run = await bench(["--data", "openai/gsm8k"], {
      HF_HUB_CACHE: cache,
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot load dataset openai\/gsm8k/);
    assert.match(run.stderr, /config "main", split "test"/);
    assert.match(run.stderr, /HF_HUB_OFFLINE is set/);
    assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
