import assert from "node:assert/strict";
import { initEngine } from "../../lib/engine/mod.ts";
import {
  checkContext,
  reasoningSettings,
  sftTarget,
  splitSentences,
} from "../../lib/experiments/reasoning/settings.ts";
import { runReasoning } from "../../lib/experiments/reasoning/study.ts";
import {
  readRubricRows,
  trainReasoning,
} from "../../lib/experiments/reasoning/train.ts";
import { grpoRewardPoints } from "../../lib/eval/charts.ts";
import { loggedGrpoRecords } from "../../lib/experiments/sft_then_grpo.ts";
import { promptEcho } from "../../lib/eval/echo.ts";
import { isStrictFormat } from "../../lib/prompt/tags.ts";

await initEngine({ verbose: false });

Deno.test("SFT target: last sentence is the answer, earlier ones the reasoning, cut to the budget", () => {
  assert.deepEqual(
    splitSentences("Ice is about 0.92 g/cm³, e.g. less dense. So it floats!"),
    ["Ice is about 0.92 g/cm³, e.g. less dense.", "So it floats!"],
  );
  const ref = "First step. Second step. Third step. The answer.";
  assert.equal(
    sftTarget(ref),
    "<reasoning>\nFirst step. Second step. Third step.\n</reasoning>\n<answer>\nThe answer.\n</answer>",
  );
  const short = sftTarget(ref, (t) => t.length, 70);
  assert.ok(short.length <= 70, short);
  assert.equal(
    short,
    "<reasoning>\nFirst step.\n</reasoning>\n<answer>\nThe answer.\n</answer>",
  );
  const one = sftTarget("Only one sentence here.");
  assert.ok(isStrictFormat(one, "reasoning"), one);
  assert.match(one, /<answer>\nOnly one sentence here\.\n<\/answer>/);
  assert.throws(() => sftTarget("  "), /empty/);
});

Deno.test("context check: the longest prompt plus the completion cap must fit", () => {
  checkContext([100, 126], 130, 256);
  assert.throws(
    () => checkContext([100, 127], 130, 256),
    /longest prompt \(127 tokens\) \+ max_completion_length \(130\) exceeds the model's 256/,
  );
});

Deno.test("reward curves: per-reward means and the weighted total from metrics records", () => {
  assert.deepEqual(
    grpoRewardPoints([{
      step: 3,
      reward: 1.5,
      "rewards/format_strict_reasoning/mean": 1,
      "rewards/format_strict_reasoning/std": 0,
      loss: 0.1,
    }]),
    [
      { step: 3, reward: "total (weighted)", value: 1.5 },
      { step: 3, reward: "format_strict_reasoning", value: 1 },
    ],
  );
  assert.deepEqual(grpoRewardPoints([{ step: 1, loss: 2 }]), []);
});

Deno.test("reasoning (fast): trains, evaluates base/SFT/GRPO and the presets, writes results, reuses adapters", async () => {
  const root = await Deno.makeTempDir({ prefix: "reasoning-" });
  const settings = reasoningSettings({ fast: true });
  settings.checkpointsDir = `${root}/checkpoints`;
  settings.resultsDir = `${root}/results`;
  const stages: string[] = [];
  const run = await runReasoning(settings, {
    onLog: (stage) => stages.push(stage),
  });
  assert.ok(stages.includes("sft") && stages.includes("grpo"));
  const { reports, presets } = run.evaluation;
  const questions = (await readRubricRows(settings.evalData)).map((r) =>
    r.question
  );
  assert.deepEqual(reports.map((r) => r.model), ["base", "SFT", "SFT → GRPO"]);
  assert.deepEqual(presets.map((r) => r.variant), [
    "greedy",
    "conservative",
    "standard",
    "creative",
  ]);
  for (const r of [...reports, ...presets]) {
    assert.equal(r.prompts.length, settings.evalQuestions);
    r.prompts.forEach((p, i) => {
      p.samples.forEach(({ text, values: v }) => {
        assert.equal(v.format, isStrictFormat(text, "reasoning") ? 1 : 0);
        assert.ok(v.rubric! >= 0 && v.rubric! <= 1);
        assert.equal(
          v.echo,
          promptEcho(String(questions[i]), text) ?? 0,
          "question echo",
        );
        assert.ok(
          Math.abs(v.main! - (v.format! + settings.rubricWeight * v.rubric!)) <
            1e-9,
          "main = format + weight × rubric",
        );
      });
    });
  }
  assert.match(
    run.summary,
    /\| Metric \| SFT → GRPO \| base \| Δ SFT → GRPO − base \[95 % CI\]/,
  );
  assert.match(
    run.summary,
    /\| Main reward \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| 3 \|/,
  );
  assert.match(run.summary, /\| greedy \|/);
  for (
    const file of [
      "summary.md",
      "summary.csv",
      "per_prompt.csv",
      "samples.csv",
      "reports.json",
      "scores.svg",
      "presets.svg",
      "reward_curves.svg",
    ]
  ) {
    assert.ok(
      (await Deno.stat(`${settings.resultsDir}/${file}`)).size > 0,
      file,
    );
  }
  const curves = grpoRewardPoints(await loggedGrpoRecords(run.adapters));
  assert.ok(curves.some((p) => p.reward === "rubric_embedding"));
  // A second call finds both adapters and trains nothing.
  const again: string[] = [];
  assert.deepEqual(
    await trainReasoning(settings, (stage) => again.push(stage)),
    run.adapters,
  );
  assert.deepEqual(again, []);
  await Deno.remove(root, { recursive: true });
});
