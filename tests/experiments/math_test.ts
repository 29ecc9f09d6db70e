import assert from "node:assert/strict";
import { runScript } from "../helpers/run_script.ts";
import { MATH_LEVELS, type MathLevel } from "../../lib/data/math_problems.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import {
  readMathProblems,
  sftTarget,
  stripCalculatorAnnotations,
  workedSteps,
} from "../../lib/experiments/math/data.ts";
import {
  evaluateMath,
  mainRewards,
  scoreModel,
} from "../../lib/experiments/math/evaluate.ts";
import {
  mathResultsTable,
  templateAccuracy,
} from "../../lib/experiments/math/report.ts";
import { grpoRewardPoints } from "../../lib/eval/charts.ts";
import { loggedGrpoRecords } from "../../lib/experiments/sft_then_grpo.ts";
import {
  mathSettings,
  mathTaskPrompt,
} from "../../lib/experiments/math/settings.ts";
import {
  runMathStudy,
  writeMathResults,
} from "../../lib/experiments/math/study.ts";
import { trainMath } from "../../lib/experiments/math/train.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { isStrictFormat } from "../../lib/prompt/tags.ts";
import { extractAnswer } from "../../lib/rewards/math.ts";
import { encodePrompt } from "../../lib/prompt/encode.ts";

await initEngine({ verbose: false });

Deno.test("math SFT target: annotations stripped, strict <think>/<answer> format, answer = gold", async () => {
  const answer =
    "The candles cost 5 * 2 = $<<5*2=10>>10.\nHis change is 50 - 10 = $<<50-10=40>>40.\n#### 40";
  assert.equal(
    stripCalculatorAnnotations(answer),
    "The candles cost 5 * 2 = $10.\nHis change is 50 - 10 = $40.\n#### 40",
  );
  assert.equal(
    sftTarget(answer, 40),
    "<think>\nThe candles cost 5 * 2 = $10.\nHis change is 50 - 10 = $40.\n</think>\n<answer>40</answer>",
  );
  const settings = mathSettings();
  const problems = await readMathProblems(settings.trainData);
  assert.equal(problems.length, 300);
  for (const p of problems) {
    const target = sftTarget(p.answer, p.final);
    assert.doesNotMatch(target, /<<|>>|####/, p.question);
    assert.ok(isStrictFormat(target, "think"), target);
    assert.equal(Number(extractAnswer(target)?.text), p.final, target);
    assert.equal(workedSteps(p.answer).split("\n").length >= 2, true);
  }
});

Deno.test("math level option picks the data files, run and folders", async () => {
  const main = mathSettings();
  assert.equal(main.level, "multi-step");
  assert.equal(main.run, "main");
  assert.match(main.trainData, /\/data\/math\/problems\.jsonl$/);
  assert.match(main.evalData, /\/data\/math\/eval\.jsonl$/);
  assert.match(main.checkpointsDir, /\/checkpoints\/math\/main$/);
  assert.match(main.resultsDir, /\/results\/math\/main$/);
  assert.deepEqual(mathSettings({ level: "multi-step" }), main);
  assert.equal(main.maxCompletionLength, 128);

  const one = mathSettings({ level: "one-step" });
  assert.equal(one.level, "one-step");
  assert.equal(one.run, "one-step");
  assert.match(one.trainData, /\/data\/math\/one_step\/problems\.jsonl$/);
  assert.match(one.evalData, /\/data\/math\/one_step\/eval\.jsonl$/);
  assert.match(one.checkpointsDir, /\/checkpoints\/math\/one-step$/);
  assert.match(one.resultsDir, /\/results\/math\/one-step$/);
  // Same prompt, rewards and context; only the budgets differ.
  assert.equal(one.maxPromptLength, main.maxPromptLength);
  assert.ok(one.maxCompletionLength <= main.maxCompletionLength);
  const problems = await readMathProblems(one.trainData);
  assert.equal(problems.length, 1000);
  for (const p of problems) {
    assert.equal(workedSteps(p.answer).split("\n").length, 1, p.answer);
  }

  assert.equal(mathSettings({ fast: true }).run, "fast");
  const fastOne = mathSettings({ fast: true, level: "one-step" });
  assert.equal(fastOne.run, "fast-one-step");
  assert.equal(fastOne.trainData, one.trainData);
  assert.equal(mathSettings({ level: "one-step", run: "x" }).run, "x");
  assert.throws(
    () => mathSettings({ level: "hard" as MathLevel }),
    /unknown math level "hard"; expected one of multi-step, one-step/,
  );
});

Deno.test("train:math rejects an unknown --level with a usage error", async () => {
  const run = await runScript("lib/cli/train_math.ts", ["--level", "hard"]);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /--level must be one of multi-step, one-step, got "hard"/,
  );
});

Deno.test("math prompt and SFT target fit the 256-token context", async () => {
  const main = mathSettings();
  const { model, tokenizer } = await loadPretrained(main.model);
  const context = model.config.maxPositionEmbeddings;
  model.dispose();
  for (const level of MATH_LEVELS) {
    await fitsContext(mathSettings({ level }));
  }
  async function fitsContext(settings: typeof main) {
    assert.equal(
      settings.maxPromptLength + settings.maxCompletionLength <= context,
      true,
    );
    for (const file of [settings.trainData, settings.evalData]) {
      for (const p of await readMathProblems(file)) {
        const prompt = encodePrompt(tokenizer!, mathTaskPrompt(p.question));
        assert.ok(prompt.length <= settings.maxPromptLength, p.question);
        // The target plus its end-of-turn token fits the completion budget.
        const target = tokenizer!.encode(sftTarget(p.answer, p.final), {
          addSpecialTokens: false,
        });
        assert.ok(
          target.length + 1 <= settings.maxCompletionLength,
          p.question,
        );
      }
    }
  }
});

Deno.test("math data: a bad row names the file, line and field", async () => {
  const dir = await Deno.makeTempDir({ prefix: "math-data-" });
  const file = `${dir}/bad.jsonl`;
  await Deno.writeTextFile(
    file,
    '{"question":"q1","answer":"1 + 1 = 2\\n#### 2"}\n{"question":"q2","answer":"no final line"}\n',
  );
  await assert.rejects(
    () => readMathProblems(file),
    (e: Error) =>
      e.message.includes(file) && /line 2/.test(e.message) &&
      /field "answer"/.test(e.message),
  );
  await Deno.writeTextFile(file, '{"answer":"#### 2"}\n');
  await assert.rejects(
    () => readMathProblems(file),
    /line 1: field "question"/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("math main reward: format + accuracy with the trained rewards", async () => {
  const problems = [{
    question: "What is 2 + 3?",
    answer: "2 + 3 = <<2+3=5>>5\n#### 5",
    final: 5,
    template: "t",
  }];
  const samples = [[
    "<think>\n2 + 3 = 5\n</think>\n<answer>5</answer>",
    "<think>\n2 + 3 = 6\n</think>\n<answer>6</answer>",
    "The answer is 5.",
    "nothing",
  ]];
  assert.deepEqual(await mainRewards(problems, samples), [[2, 1, 1, 0]]);
  const report = await scoreModel(
    "m",
    { preset: "greedy", k: 4 },
    problems,
    samples,
    0,
  );
  assert.equal(report.aggregate.reward!.mean, 1);
  assert.equal(report.aggregate.format!.mean, 0.5);
  assert.equal(report.aggregate.accuracy!.mean, 0.5);
  assert.deepEqual(templateAccuracy(report), { t: 0.5 });
});

Deno.test("math (fast): trains SFT → GRPO, evaluates base / SFT / GRPO on the same questions, reuses adapters", async () => {
  const root = await Deno.makeTempDir({ prefix: "math-" });
  const settings = mathSettings({ fast: true });
  settings.checkpointsDir = `${root}/checkpoints`;
  settings.resultsDir = `${root}/results`;
  settings.maxCompletionLength = 24; // keeps the test quick
  const result = await runMathStudy(settings, { onLog: () => {} });
  assert.deepEqual(result.reports.map((r) => r.model), [
    "base",
    "SFT",
    "SFT → GRPO",
  ]);
  for (const r of result.reports) {
    assert.equal(r.settings.prompts, settings.evalQuestions);
    assert.equal(r.prompts.length, settings.evalQuestions);
    r.prompts.forEach((p) => {
      // The main reward is exactly format + accuracy of each answer.
      const v = p.samples[0].values;
      assert.equal(v.reward, v.format! + v.accuracy!);
    });
  }
  const table = mathResultsTable(result.reports);
  assert.match(table, /Δ SFT → GRPO − base \[/);
  assert.match(table, /Δ SFT → GRPO − SFT \[/);
  assert.match(table, /\| SFT → GRPO \| /);
  const metrics = await loggedGrpoRecords(result.adapters);
  assert.equal(metrics.length, settings.steps);
  assert.deepEqual(
    [...new Set(grpoRewardPoints(metrics).map((r) => r.reward))].sort(),
    [
      "format_strict_think",
      "math_accuracy",
      "math_partial_accuracy",
      "total (weighted)",
    ],
  );
  const files = await writeMathResults(settings, result);
  for (const f of files) assert.ok((await Deno.stat(f)).size > 0, f);

  // A second call reuses both adapters instead of training again.
  const weights = `${result.adapters.grpo}/adapter_model.safetensors`;
  const before = (await Deno.stat(weights)).mtime;
  assert.deepEqual(await trainMath(settings), result.adapters);
  assert.deepEqual((await Deno.stat(weights)).mtime, before);
  const again = await evaluateMath(settings, result.adapters);
  const rewards = (reports: typeof again) =>
    reports.map((r) =>
      r.prompts.map((p) => p.samples.map((s) => s.values.reward))
    );
  assert.deepEqual(
    rewards(again),
    rewards(result.reports),
    "same seeds, same answers",
  );
  await Deno.remove(root, { recursive: true });
});
