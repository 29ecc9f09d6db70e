import assert from "node:assert/strict";
import {
  evaluateMathOutputs,
  scoreMathSample,
} from "../../lib/experiments/math/metrics.ts";
import {
  commonestGold,
  frequentAnswers,
} from "../../lib/experiments/math/report.ts";

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

Deno.test("evaluateMathOutputs: means over samples and intervals over questions", async () => {
  const report = await evaluateMathOutputs([
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
  assert.equal(report.settings.prompts, 3);
  assert.equal(report.settings.k, 2);
  // q1: both right; q2: "$105" → only partial; "95" partial; q3 nothing.
  const means = (key: string) => report.prompts.map((p) => p.means[key]);
  assert.deepEqual(means("accuracy"), [1, 0, 0]);
  assert.deepEqual(means("partial"), [1, 1, 0]);
  assert.deepEqual(means("format"), [0.5, 0.5, 0]);
  const a = report.aggregate;
  assert.ok(Math.abs(a.accuracy!.mean - 2 / 6) < 1e-12);
  assert.ok(Math.abs(a.partial!.mean - 4 / 6) < 1e-12);
  assert.ok(Math.abs(a.format!.mean - 2 / 6) < 1e-12);
  for (const m of Object.values(a)) {
    assert.ok(m && m.low <= m.mean && m.mean <= m.high, JSON.stringify(m));
    assert.equal(m.groups, 3);
    assert.equal(m.values, 6);
  }
  assert.ok(a.accuracy!.high > a.accuracy!.low);
  assert.deepEqual(
    report.prompts[1].samples.map((s) => s.extras?.extracted),
    ["$105", "95"],
    "the extracted answers are kept",
  );
  await assert.rejects(
    () => evaluateMathOutputs([{ question: "q", gold: 1, samples: [] }]),
    /question 1 has no samples/,
  );
});

Deno.test("frequent answers and the commonest gold: what a guessing model would score", async () => {
  const report = await evaluateMathOutputs([
    { question: "q1", gold: 6, samples: ["<answer>2</answer>", "so 6"] },
    { question: "q2", gold: 6, samples: ["<answer>2</answer>", "nothing"] },
    { question: "q3", gold: 9, samples: ["16", "<answer>2</answer>"] },
  ]);
  assert.deepEqual(frequentAnswers(report, 2), [
    { answer: "2", count: 3 },
    { answer: "16", count: 1 },
  ]);
  assert.deepEqual(frequentAnswers(report).at(-1), { answer: "6", count: 1 });
  assert.deepEqual(
    frequentAnswers(report, 10).find((a) => a.answer === "none"),
    { answer: "none", count: 1 },
    "a sample without an answer counts as none",
  );
  assert.deepEqual(commonestGold(report), { gold: "6", share: 2 / 3 });
});

Deno.test("report orders do not depend on the process locale", async () => {
  const mod = new URL("../../lib/experiments/math/report.ts", import.meta.url);
  const code = `import { templateAccuracy } from "${mod.href}";
    const prompts = ["z", "å", "a"].map((template) =>
      ({ extras: { template }, means: { accuracy: 1 } }));
    console.log(Object.keys(templateAccuracy({ prompts })).join(" "));`;
  const order = async (locale: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", "--no-check", code],
      env: { LANG: locale, LC_ALL: locale },
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  };
  assert.equal(await order("sv_SE.UTF-8"), "a å z");
  assert.equal(await order("C.UTF-8"), "a å z");
});
