import assert from "node:assert/strict";
import { lastBoxed, latexToMathjs } from "../../lib/rewards/latex.ts";
import {
  answersMatch,
  extractAnswer,
  mathAccuracyReward,
  mathPartialAccuracyReward,
  readAnswer,
  readGold,
} from "../../lib/rewards/math.ts";
import { type RewardSample, scoreRewards } from "../../lib/rewards/types.ts";

Deno.test("lastBoxed finds the last \\boxed with nested braces", () => {
  assert.equal(
    lastBoxed("so x = \\boxed{\\frac{\\sqrt{3}}{2}}."),
    "\\frac{\\sqrt{3}}{2}",
  );
  assert.equal(lastBoxed("\\boxed{1} then \\boxed{ {2} }"), " {2} ");
  assert.equal(lastBoxed("\\fbox{7}"), "7");
  assert.equal(
    lastBoxed("\\boxed{\\{1, 2\\}}"),
    "\\{1, 2\\}",
    "escaped braces do not count",
  );
  assert.equal(lastBoxed("\\boxed{unclosed"), null);
  assert.equal(lastBoxed("no box"), null);
});

Deno.test("latexToMathjs converts answer-sized LaTeX and refuses the rest", () => {
  assert.equal(latexToMathjs("\\frac{1}{2}"), "((1)/(2))");
  assert.equal(latexToMathjs("\\dfrac12"), "((1)/(2))");
  assert.equal(latexToMathjs("\\sqrt{3}"), "sqrt(3)");
  assert.equal(latexToMathjs("\\sqrt[3]{8}"), "nthRoot(8, 3)");
  assert.equal(latexToMathjs("x^{2} \\cdot 3"), "x^(2) * 3");
  assert.equal(latexToMathjs("\\left( 2 \\times \\pi \\right)"), "( 2 * pi )");
  assert.equal(latexToMathjs("5\\text{ cm}"), "5 cm");
  assert.equal(latexToMathjs("\\int_0^1 x\\,dx"), null);
  assert.equal(latexToMathjs("\\frac{1}{2"), null);
});

Deno.test("extractAnswer prefers the answer tag, then \\boxed, ####, 'the answer is', the last number", () => {
  const cases: [string, string, string][] = [
    [
      "<reasoning>9 * 120 = 1080</reasoning><answer>$1,080</answer>",
      "$1,080",
      "answer_tag",
    ],
    [
      "<answer>So \\boxed{\\frac{1}{2}}.</answer>",
      "\\frac{1}{2}",
      "answer_tag",
    ],
    [
      "Thus x = \\boxed{\\frac{\\sqrt{3}}{2}}. Check: 0.86",
      "\\frac{\\sqrt{3}}{2}",
      "boxed",
    ],
    ["She has 3 + 15 = 18 left.\n#### 1,234", "1,234", "hashes"],
    ["Adding them up, the answer is 42.", "42", "answer_is"],
    ["Final answer: 7 apples", "7 apples", "answer_is"],
    ["3 + 4 = 7 apples, and 2 pears", "2", "last_number"],
  ];
  for (const [text, want, source] of cases) {
    assert.deepEqual(extractAnswer(text), { text: want, source }, text);
  }
  assert.equal(extractAnswer("no numbers here"), null);
  assert.equal(extractAnswer("<answer></answer> 5")?.source, "last_number");
});

Deno.test("numbers in several notations: 1/2 = 0.5 = \\frac{1}{2} = 50%", () => {
  const half = [
    "1/2",
    "0.5",
    ".5",
    "\\frac{1}{2}",
    "\\dfrac12",
    "\\tfrac{1}{2}",
    "50%",
    "50\\%",
    "$0.50$",
    "\\(\\frac12\\)",
  ];
  for (const a of half) {
    for (const b of half) assert.ok(answersMatch(a, b), `${a} = ${b}`);
  }
  // A percentage also matches its number as written (GSM8K writes "#### 50").
  assert.ok(answersMatch("50%", "50"));
  assert.ok(!answersMatch("50", "0.5"));
  assert.ok(!answersMatch("1/3", "0.333"), "1e-6 relative tolerance");
  assert.ok(answersMatch("1/3", "0.3333333333"));
  const same: [string, string][] = [
    ["1,080", "1080"],
    ["$18", "18"],
    ["18 eggs", "18"],
    ["$18 per day", "18"],
    ["18.0", "18"],
    ["-3", "−3"],
    ["x = 5", "5"],
    ["12,345,678", "12345678"],
    ["3 \\times 4", "12"],
    ["\\sqrt[3]{8}", "2"],
    ["90^\\circ", "90"],
  ];
  for (const [a, b] of same) assert.ok(answersMatch(a, b), `${a} = ${b}`);
  const different: [string, string][] = [["18.001", "18"], ["1,08", "108"], [
    "17",
    "18",
  ], ["\\frac{1}{0}", "0"]];
  for (const [a, b] of different) assert.ok(!answersMatch(a, b), `${a} ≠ ${b}`);
});

Deno.test("symbolic answers: evaluated constants, and expressions equal at random points", () => {
  assert.ok(answersMatch("\\frac{\\sqrt{3}}{2}", "\\sqrt{3}/2"));
  assert.ok(answersMatch("\\frac{\\sqrt{3}}{2}", "0.8660254038"));
  assert.ok(!answersMatch("\\frac{\\sqrt{3}}{2}", "0.866"));
  assert.ok(answersMatch("2\\pi", "\\pi \\cdot 2"));
  assert.ok(answersMatch("\\left(x+1\\right)^{2}", "x^2+2x+1"));
  assert.ok(!answersMatch("\\left(x+1\\right)^{2}", "x^2+1"));
  assert.ok(answersMatch("\\frac{a}{b} + 1", "\\frac{a+b}{b}"));
  assert.ok(!answersMatch("x + y", "x + z"));
  assert.ok(
    answersMatch("\\sqrt{x^2}", "|x|") === false,
    "|x| is not parsed; compared as text",
  );
  assert.ok(answersMatch("2i", "i + i"), "complex constants compare by value");
  assert.equal(readAnswer("x^2 - 1").kind, "expr");
  assert.deepEqual(readAnswer("5 dollars"), {
    kind: "number",
    value: 5,
    percent: false,
  });
  assert.ok(
    answersMatch("Paris", " paris "),
    "other answers compare as normalised text",
  );
  assert.ok(
    answersMatch("(B)", "B"),
    "a lone letter is a variable: equal to itself",
  );
  assert.ok(
    !answersMatch("(B)", "(b)"),
    "and case-sensitive, as in mathematics",
  );
  assert.ok(!answersMatch("", ""), "nothing is not a match");
});

Deno.test("gold answers: GSM8K ####, NuminaMath \\boxed, plain; unreadable → null", () => {
  assert.deepEqual(readGold("3 + 15 = <<3+15=18>>18\n#### 18", "gsm8k"), {
    kind: "number",
    value: 18,
    percent: false,
  });
  assert.equal(readGold("no final line", "gsm8k"), null);
  assert.deepEqual(readGold("Hence $\\boxed{\\frac{3}{4}}$.", "boxed"), {
    kind: "number",
    value: 0.75,
    percent: false,
  });
  assert.equal(readGold("The ratio is three quarters.", "boxed"), null);
  assert.equal(readGold("\\boxed{ }", "boxed"), null);
  assert.deepEqual(readGold(12, "plain"), {
    kind: "number",
    value: 12,
    percent: false,
  });
  assert.equal(readGold(NaN, "plain"), null);
  assert.equal(readGold("", "plain"), null);
  assert.equal(readGold(undefined, "gsm8k"), null);
});

const evalRows = Deno.readTextFileSync(
  new URL("../../data/math/eval.jsonl", import.meta.url),
)
  .trim().split("\n").slice(0, 4).map((l) => JSON.parse(l));

Deno.test("mathAccuracyReward on tunebook's GSM8K-format problems", async () => {
  const fn = mathAccuracyReward(); // column "answer", GSM8K format
  const samples: RewardSample[] = evalRows.flatMap((row) => [
    {
      prompt: row.question,
      completion: `<reasoning>…</reasoning><answer>${row.final}</answer>`,
      columns: row,
    },
    {
      prompt: row.question,
      completion: `<answer>${row.final + 1}</answer>`,
      columns: row,
    },
    {
      prompt: row.question,
      completion: `I think it is ${row.final.toLocaleString("en-US")}.`,
      columns: row,
    },
    { prompt: row.question, completion: "I am not sure.", columns: row },
  ]);
  const scored = await scoreRewards([fn], samples);
  assert.deepEqual(scored.total, evalRows.flatMap(() => [1, 0, 1, 0]));
});

Deno.test("an unreadable gold is skipped (null), never free reward; a missing column is an error", async () => {
  const fn = mathAccuracyReward({ column: "solution", gold: "boxed" });
  const row = (solution: string) => ({ problem: "…", solution });
  const samples: RewardSample[] = [
    {
      prompt: "…",
      completion: "\\boxed{\\frac{3}{4}}",
      columns: row("so $\\boxed{0.75}$"),
    },
    {
      prompt: "…",
      completion: "\\boxed{\\frac{3}{4}}",
      columns: row("no boxed answer in this solution"),
    },
    {
      prompt: "…",
      completion: "anything",
      columns: row("no boxed answer in this solution"),
    },
  ];
  const scored = await scoreRewards([fn], samples);
  assert.deepEqual(scored.total, [1, null, null]);
  await assert.rejects(
    () =>
      scoreRewards([fn], [{
        prompt: "…",
        completion: "1",
        columns: { problem: "…" },
      }]),
    /reward "math_accuracy" failed on sample 0 .*needs the dataset column "solution", but the row has only: problem/,
  );
});

Deno.test("partial accuracy: within 10% of a numeric gold", async () => {
  const fn = mathPartialAccuracyReward({ column: "final", gold: "plain" });
  const at = (final: unknown, completion: string): RewardSample => ({
    prompt: "…",
    completion,
    columns: { final },
  });
  const scored = await scoreRewards([fn], [
    at(100, "<answer>100</answer>"),
    at(100, "<answer>95</answer>"),
    at(100, "<answer>110</answer>"),
    at(100, "<answer>89</answer>"),
    at(100, "no idea"),
    at(0, "<answer>0</answer>"),
    at(0, "<answer>0.01</answer>"),
    at("x^2", "<answer>x^2</answer>"),
  ]);
  assert.deepEqual(scored.total, [1, 1, 1, 0, 0, 1, 0, null]);
});
