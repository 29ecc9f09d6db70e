import assert from "node:assert/strict";
import { runScript } from "../helpers/run_script.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { readReports } from "../../lib/eval/report.ts";
import { loadModel } from "../../lib/model/load.ts";
import { defaultLoraConfig } from "../../lib/peft/config.ts";
import { saveAdapter } from "../../lib/peft/format.ts";
import { applyLora } from "../../lib/peft/lora.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";
import { randomizeB } from "../peft/helpers.ts";

await initEngine({ verbose: false });

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
    const results = JSON.parse(
      await Deno.readTextFile(`${out}/settings.json`),
    );
    const [report] = await readReports(out);
    assert.equal(report.prompts.length, 3);
    assert.deepEqual(
      report.prompts.map((p) => Number(p.reference)),
      [7, 30, 12],
    );
    assert.equal(results.k, 2);
    assert.equal(results.preset, "standard");
    for (const p of report.prompts) assert.equal(p.samples.length, 2);
    const mean = report.prompts.reduce(
      (s, p) => s + p.means.accuracy!,
      0,
    ) / 3;
    assert.ok(Math.abs(report.aggregate.accuracy!.mean - mean) < 1e-12);
    const samples = (await Deno.readTextFile(`${out}/samples.csv`)).trim();
    assert.match(
      samples,
      /^model,prompt_index,sample_index,question,completion,extracted,source,/,
    );
    const questions = await Deno.readTextFile(`${out}/per_prompt.csv`);
    assert.match(questions, /Ann has 3 apples/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench:gsm8k skips and lists the questions whose prompt leaves too little room, per --system-prompt", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = await writeTinyChatModel(`${dir}/model`, { context: 512 });
    const data = `${dir}/q.jsonl`;
    const long = {
      question: `${"Count the apples again. ".repeat(10)}How many?`,
      final: 1,
    };
    await Deno.writeTextFile(
      data,
      [QUESTIONS[0], long, QUESTIONS[1]].map(gsm8kLine).join("\n") + "\n",
    );
    // Prompt tokens with this tokenizer: r1 360 (short rows) and 495 (the
    // long row), none 42 and 177: 32 new tokens fit all but the long r1 one.
    const run = (extra: string[], maxNewTokens = "32") =>
      bench([
        "--model",
        model,
        "--data",
        data,
        "--max-new-tokens",
        maxNewTokens,
        "--out",
        `${dir}/out`,
        ...extra,
      ]);
    const r1 = await run([]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.match(
      r1.stderr,
      /skipped 1 of 3 questions: the prompt leaves fewer than 32 of the 512-token context for the answer \(--system-prompt r1\); rows 2$/m,
    );
    assert.match(r1.stdout, /\(1 of 3 questions skipped: prompt too long/);
    const [report] = await readReports(`${dir}/out`);
    assert.deepEqual(
      report.prompts.map((p) => p.reference),
      ["7", "30"],
      "the kept rows, in order, with their own answers",
    );
    const settings = JSON.parse(
      await Deno.readTextFile(`${dir}/out/settings.json`),
    );
    assert.deepEqual(settings.skipped, { count: 1, rows: [2] });
    assert.equal(settings.system_prompt, "r1");

    // Without the system prompt every question fits.
    const none = await run([
      "--system-prompt",
      "none",
      "--min-new-tokens",
      "4",
    ]);
    assert.equal(none.code, 0, none.stderr);
    assert.doesNotMatch(none.stderr, /skipped/);
    const noneSettings = JSON.parse(
      await Deno.readTextFile(`${dir}/out/settings.json`),
    );
    assert.equal(noneSettings.system_prompt_text, null);
    assert.deepEqual(noneSettings.skipped, { count: 0, rows: [] });

    // When no question fits, one line says so and what to change.
    const none2 = await run(["--min-new-tokens", "180"], "180");
    assert.equal(none2.code, 1);
    assert.match(
      none2.stderr,
      /every question's prompt leaves fewer than 180 of the model's 512-token context/,
    );
    assert.equal(none2.stderr.trim().split("\n").length, 1, none2.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--backend (a flag of every task) picks the engine the run records", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const model = await writeTinyChatModel(`${dir}/model`);
    const data = `${dir}/q.jsonl`;
    await Deno.writeTextFile(data, gsm8kLine(QUESTIONS[0]) + "\n");
    const run = await bench(
      [
        "--model",
        model,
        "--data",
        data,
        "--max-new-tokens",
        "2",
        "--out",
        `${dir}/out`,
        "--backend",
        "cpu",
      ],
      { TUNEBOOK_BACKEND: "wasm" },
    );
    assert.equal(run.code, 0, run.stderr);
    const settings = JSON.parse(
      await Deno.readTextFile(`${dir}/out/settings.json`),
    );
    assert.equal(
      settings.environment.engine.backend,
      "cpu",
      "the flag wins over the environment",
    );
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
        await Deno.readTextFile(`${out}/settings.json`),
      );
      const [report] = await readReports(out);
      return {
        adapter: results.adapter,
        completions: report.prompts.map((p) => p.samples[0].text),
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
