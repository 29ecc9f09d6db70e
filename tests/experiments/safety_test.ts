import assert from "node:assert/strict";
import { readSafetyJsonl } from "../../lib/data/safety_rows.ts";
import { initEngine } from "../../lib/engine/mod.ts";
import { metricCurves } from "../../lib/eval/charts.ts";
import { compareReports } from "../../lib/eval/compare.ts";
import { evaluateOutputs } from "../../lib/eval/evaluate.ts";
import type { EvalReport } from "../../lib/eval/types.ts";
import {
  evaluateSafety,
  implicitRewards,
  SAFETY_MODELS,
} from "../../lib/experiments/safety/evaluate.ts";
import {
  DPO_PAIR_METRICS,
  GENERATION_METRICS,
  generationScorer,
  generationValues,
  pairKey,
  pairValues,
  REWARD_PAIR_METRICS,
} from "../../lib/experiments/safety/metrics.ts";
import {
  orderedReports,
  reportOf,
  safetySummary,
  trainingFacts,
  writeSafetyResults,
} from "../../lib/experiments/safety/report.ts";
import {
  evalSubset,
  safetySettings,
} from "../../lib/experiments/safety/settings.ts";
import {
  type SafetyStage,
  trainSafety,
} from "../../lib/experiments/safety/train.ts";
import { repoPath } from "../../lib/util/paths.ts";

await initEngine({ verbose: false });

const REFUSE = "I can't help with that, but I can point you to safer options.";
const HELP = "Open the task manager and end the process.";

Deno.test("safety metrics: refusal on harmful prompts, over-refusal on benign ones, denylist, words", () => {
  assert.deepEqual(generationValues(REFUSE, "harmful"), {
    refusal: 1,
    overRefusal: null,
    denylist: 0,
    words: 13,
  });
  assert.deepEqual(generationValues("Sure, first get two grams.", "harmful"), {
    refusal: 0,
    overRefusal: null,
    denylist: 1,
    words: 5,
  });
  assert.deepEqual(generationValues(REFUSE, "benign"), {
    refusal: null,
    overRefusal: 1,
    denylist: null,
    words: 13,
  });
  assert.deepEqual(generationValues(HELP, "benign"), {
    refusal: null,
    overRefusal: 0,
    denylist: null,
    words: 8,
  });
});

Deno.test("safety metrics: pair accuracy is strict (a tie is wrong), split by kind", () => {
  assert.deepEqual(pairValues(0.5, -0.25, "harmful"), {
    accuracy: 1,
    accuracyHarmful: 1,
    accuracyBenign: null,
    margin: 0.75,
    chosen: 0.5,
    rejected: -0.25,
  });
  assert.equal(pairValues(0.2, 0.2, "benign").accuracy, 0);
  // Each scorer's own keys (the CSV files key columns by metric key).
  assert.equal(pairKey(DPO_PAIR_METRICS, "margin"), "rewardsMargins");
  assert.equal(pairKey(REWARD_PAIR_METRICS, "margin"), "margin");
  const keys = (set: typeof DPO_PAIR_METRICS) => set.map((m) => m.key);
  assert.ok(
    keys(DPO_PAIR_METRICS).every((k) => !keys(REWARD_PAIR_METRICS).includes(k)),
  );
  assert.equal(pairValues(0.2, 0.2, "benign").accuracyBenign, 0);
  assert.deepEqual(
    implicitRewards(
      { chosen: [-10, -20], rejected: [-30, -5] },
      { chosen: [-12, -20], rejected: [-25, -6] },
      0.1,
    ),
    { chosen: [0.1 * 2, 0], rejected: [0.1 * -5, 0.1 * 1] },
  );
});

Deno.test("metricCurves draws a line per logged key and refuses keys no record has", () => {
  const records = [
    { step: 1, loss: 0.69, "rewards/accuracies": 0.5 },
    { step: 1, eval_loss: 0.6 },
    { step: 2, loss: 0.5, "rewards/accuracies": 0.75 },
  ];
  const svg = metricCurves(records, ["loss", "eval_loss"], { title: "DPO" });
  assert.match(svg, /^<svg/);
  assert.match(svg, /eval_loss/);
  assert.throws(
    () => metricCurves(records, ["eval_accuracy"], { title: "RM" }),
    /no record has eval_accuracy \(RM\)/,
  );
});

Deno.test("evalSubset keeps n/2 rows of each kind in file order; all rows for n = 120", () => {
  const rows = readSafetyJsonl(repoPath("data/safety/eval.jsonl"));
  const four = evalSubset(rows, 4);
  assert.deepEqual(four.map((r) => r.kind).sort(), [
    "benign",
    "benign",
    "harmful",
    "harmful",
  ]);
  assert.deepEqual(
    four.map((r) => rows.indexOf(r)),
    [...four.map((r) => rows.indexOf(r))].sort((a, b) => a - b),
  );
  assert.deepEqual(evalSubset(rows, 120), rows);
  assert.throws(() => evalSubset(rows, 3), /even number/);
  assert.throws(() => evalSubset(rows, 122), /needs 61 harmful rows/);
});

/** A generation report of hand-written replies: per prompt (kind, replies). */
async function handReport(
  model: string,
  prompts: [string, "harmful" | "benign", string[]][],
): Promise<EvalReport> {
  return await evaluateOutputs(
    prompts.map(([id, kind, samples]) => ({
      prompt: [{ role: "user" as const, content: id }],
      id,
      extras: { kind },
      samples,
    })),
    { model, metrics: GENERATION_METRICS, score: generationScorer() },
  );
}

Deno.test("refusal rates and the paired DPO − SFT difference against hand values", async () => {
  // SFT: harmful prompts refused 1 of 4 replies, benign over-refused 2 of 4.
  const sft = await handReport("SFT", [
    ["h1", "harmful", [REFUSE, HELP]],
    ["h2", "harmful", [HELP, HELP]],
    ["b1", "benign", [REFUSE, REFUSE]],
    ["b2", "benign", [HELP, HELP]],
  ]);
  // DPO: harmful 4 of 4, benign 1 of 4.
  const dpo = await handReport("SFT → DPO", [
    ["h1", "harmful", [REFUSE, REFUSE]],
    ["h2", "harmful", [REFUSE, REFUSE]],
    ["b1", "benign", [REFUSE, HELP]],
    ["b2", "benign", [HELP, HELP]],
  ]);
  assert.equal(sft.aggregate.refusal!.mean, 1 / 4);
  assert.equal(sft.aggregate.overRefusal!.mean, 2 / 4);
  assert.equal(
    sft.aggregate.refusal!.groups,
    2,
    "rates over their own prompts",
  );
  assert.equal(dpo.aggregate.refusal!.mean, 1);
  const cmp = compareReports(dpo, sft);
  // Per-prompt differences: h1 1 − 0.5, h2 1 − 0 → mean 0.75.
  assert.equal(cmp.refusal!.difference.mean, 0.75);
  assert.equal(cmp.refusal!.prompts, 2);
  // b1 0.5 − 1, b2 0 − 0 → mean −0.25.
  assert.equal(cmp.overRefusal!.difference.mean, -0.25);
  assert.ok(
    cmp.refusal!.difference.low <= 0.75 && cmp.refusal!.difference.high >= 0.75,
  );
});

Deno.test("safety (fast): trains the four stages, evaluates pairs and generations, writes the report", async () => {
  // The fast run's own folders, from scratch; they are left for
  // notebooks/safety.ipynb's fast execution (tests/notebooks_test.ts, later
  // in the suite), which reuses trained adapters.
  const settings = safetySettings({ fast: true });
  for (const dir of [settings.checkpointsDir, settings.resultsDir]) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  const started: SafetyStage[] = [];
  const adapters = await trainSafety(settings, {
    onStageStart: (s) => started.push(s),
    onLog: () => {},
  });
  assert.deepEqual(started, ["sft", "dpo", "reward", "ppo"]);
  const reports = await evaluateSafety(settings, adapters, {
    log: () => {},
    progress: false,
  });
  assert.deepEqual(orderedReports(reports).map((r) => r.model), [
    SAFETY_MODELS.rewardModel,
    SAFETY_MODELS.dpoPairs,
    SAFETY_MODELS.base,
    SAFETY_MODELS.sft,
    SAFETY_MODELS.dpo,
    SAFETY_MODELS.ppo,
  ]);
  for (const r of orderedReports(reports)) {
    assert.equal(r.prompts.length, settings.evalRows);
  }
  for (const r of reports.generations) {
    assert.equal(r.settings.k, settings.k);
    assert.equal(r.aggregate.refusal!.groups, settings.evalRows / 2);
    assert.equal(r.aggregate.overRefusal!.groups, settings.evalRows / 2);
    assert.ok(Number.isFinite(r.aggregate.rmScore!.mean), r.model);
    // The KL estimate to SFT: none for the base model, exactly 0 for SFT itself.
    if (r.model === SAFETY_MODELS.base) {
      assert.equal(r.aggregate.klToSft, null);
    }
    if (r.model === SAFETY_MODELS.sft) {
      assert.equal(r.aggregate.klToSft!.mean, 0);
    }
  }
  // The per-pair numbers agree with the trainers' own held-out evaluation.
  const facts = await trainingFacts(adapters);
  const rm = reportOf(orderedReports(reports), SAFETY_MODELS.rewardModel);
  const dpo = reportOf(orderedReports(reports), SAFETY_MODELS.dpoPairs);
  assert.equal(rm.aggregate.accuracy!.mean, facts.reward!.eval_accuracy);
  assert.ok(
    Math.abs(rm.aggregate.margin!.mean - Number(facts.reward!.eval_margin)) <
      1e-4,
  );
  assert.equal(
    dpo.aggregate.rewardsAccuracies!.mean,
    facts.dpo!["eval_rewards/accuracies"],
  );
  assert.ok(
    Math.abs(
      dpo.aggregate.rewardsMargins!.mean -
        Number(facts.dpo!["eval_rewards/margins"]),
    ) < 1e-4,
  );
  const summary = safetySummary(orderedReports(reports), facts, settings);
  for (
    const heading of [
      "## Reward model on 4 held-out pairs",
      "## DPO on 4 held-out pairs",
      "## Generations on 4 held-out prompts",
      "### SFT → DPO − SFT, paired by prompt",
      "### SFT → PPO − SFT, paired by prompt",
      "### Denylist hits",
    ]
  ) {
    assert.ok(summary.includes(heading), heading);
  }
  assert.match(summary, /\| SFT → DPO \| \d+\.\d % \[/);
  assert.match(summary, /\| SFT → PPO \| \d+\.\d % \[/);
  assert.match(
    summary,
    /- PPO \(mean of the first → last fifth of the updates\): objective\/scores -?\d/,
  );
  const files = await writeSafetyResults(settings, reports, facts);
  for (
    const name of [
      "summary.md",
      "summary.csv",
      "per_prompt.csv",
      "settings.json",
      "refusals.svg",
      "pairs.svg",
    ]
  ) {
    const path = files.find((f) => f.endsWith(`/${name}`))!;
    assert.ok((await Deno.stat(path)).size > 0, name);
  }
  const csv = await Deno.readTextFile(`${settings.resultsDir}/summary.csv`);
  assert.match(csv.split("\n")[0], /refusal_rate,refusal_rate_ci_low/);
  assert.match(csv.split("\n")[0], /rewards_accuracies,/);
  // A second call trains nothing and returns the same adapters.
  started.length = 0;
  assert.deepEqual(
    await trainSafety(settings, { onStageStart: (s) => started.push(s) }),
    adapters,
  );
  assert.deepEqual(started, []);
});
