import assert from "node:assert/strict";
import { runScript } from "../helpers/run_script.ts";
import { gsm8kRows, parseGsm8kAnswer } from "../../lib/data/gsm8k.ts";
import { calculate, evaluate } from "../../lib/data/math_expr.ts";
import {
  generateMathProblems,
  levelTemplates,
  MATH_TEMPLATES,
  type MathLevel,
  type MathProblem,
  ONE_STEP_TEMPLATES,
  problemSignature,
  trainEvalProblems,
} from "../../lib/data/math_problems.ts";
import { readRows } from "../../lib/data/read.ts";

const DATA = new URL("../../data/math/", import.meta.url).pathname;

Deno.test("the expression evaluator is exact and refuses inexact division", () => {
  assert.equal(evaluate("3*4+2"), 14);
  assert.equal(evaluate("(120-30)/15"), 6);
  assert.equal(evaluate("20+20/2"), 30);
  assert.equal(evaluate("10-2-3"), 5);
  assert.equal(evaluate("-3+10"), 7);
  assert.throws(() => evaluate("7/2"), {
    message: 'cannot evaluate "7/2": 7 / 2 is not a whole number',
  });
  assert.throws(() => evaluate("5/0"), /not a whole number/);
  assert.throws(() => evaluate("2*(3+4"), /missing \)/);
  assert.throws(() => evaluate("2x3"), /unexpected x/);
  assert.equal(calculate("3*4", "$").text, "3 * 4 = $<<3*4=12>>12");
});

Deno.test("at least 12 templates, used evenly; same seed → same problems, prefix-stable", () => {
  assert.ok(MATH_TEMPLATES.length >= 12, `${MATH_TEMPLATES.length} templates`);
  assert.equal(
    new Set(MATH_TEMPLATES.map((t) => t.id)).size,
    MATH_TEMPLATES.length,
  );
  const a = generateMathProblems(200, 42);
  assert.deepEqual(generateMathProblems(200, 42), a);
  assert.deepEqual(generateMathProblems(37, 42), a.slice(0, 37));
  assert.notDeepEqual(generateMathProblems(50, 43), a.slice(0, 50));
  const counts = new Map<string, number>();
  for (const p of a) counts.set(p.template, (counts.get(p.template) ?? 0) + 1);
  assert.equal(counts.size, MATH_TEMPLATES.length);
  // Shuffled rounds: 200 problems over 20 templates is 10 each.
  assert.ok(
    [...counts.values()].every((n) => n === 200 / MATH_TEMPLATES.length),
    JSON.stringify([...counts]),
  );
  assert.equal(new Set(a.map((p) => p.question)).size, a.length);
  assert.deepEqual(generateMathProblems(0, 1), []);
  assert.throws(
    () => generateMathProblems(-1, 1),
    /count must be a whole number/,
  );
});

/** Every solution line's <<expr=value>> re-evaluates, and "#### n" is final. */
function checkSolution(p: MathProblem): void {
  const lines = p.answer.split("\n");
  assert.equal(lines.at(-1), `#### ${p.final}`, p.answer);
  assert.equal(parseGsm8kAnswer(p.answer), p.final);
  assert.ok(
    Number.isSafeInteger(p.final) && p.final > 0,
    `${p.template}: final ${p.final}`,
  );
  assert.ok(
    lines.length >= 3 && lines.length <= 5,
    `${p.template}: ${lines.length - 1} steps`,
  );
  const annotations = [...p.answer.matchAll(/<<([^=>]+)=(-?\d+)>>(-?\d+)/g)];
  assert.ok(annotations.length >= 2, p.answer);
  for (const [, expr, inside, shown] of annotations) {
    assert.equal(evaluate(expr), Number(inside), `${p.template}: ${expr}`);
    assert.equal(inside, shown);
  }
  // The final number is the result of some step.
  assert.ok(annotations.some((m) => Number(m[2]) === p.final), p.answer);
  // Every number the question states is a positive whole number.
  for (const n of p.question.match(/-?\d+(\.\d+)?/g) ?? []) {
    assert.ok(/^\d+$/.test(n), `${p.template}: "${n}" in ${p.question}`);
  }
}

Deno.test("every generated solution re-evaluates and ends in #### final", () => {
  for (const seed of [1, 2, 3]) {
    for (const p of generateMathProblems(120, seed)) {
      checkSolution(p);
    }
  }
});

/** Independent re-derivations from the question text alone. */
const REDERIVE: Record<string, (q: string) => number> = {
  change(q) {
    const m =
      /buys (\d+) .+? for \$(\d+) each and (\d+) .+? for \$(\d+) each\. .+ with a \$(\d+) bill/
        .exec(q)!;
    const [n1, p1, n2, p2, bill] = m.slice(1).map(Number);
    return bill - (n1 * p1 + n2 * p2);
  },
  discount(q) {
    const m =
      /costs \$(\d+)\. .+ takes (\d+)% off .+ pay for (a |(\d+) of them)/.exec(
        q,
      )!;
    const [price, off] = [Number(m[1]), Number(m[2])];
    return (price - (price * off) / 100) * (m[4] ? Number(m[4]) : 1);
  },
  split_bill(q) {
    const m = /^(\d+) friends .+ costs \$(\d+), and they add a (\d+)% tip/.exec(
      q,
    )!;
    const [n, meal, tip] = m.slice(1).map(Number);
    return (meal * (100 + tip)) / 100 / n;
  },
  tank(q) {
    const m =
      /holds (\d+) liters and (is empty|already holds (\d+) liters)\. A pump adds (\d+) .+ lets (\d+) liters?/
        .exec(q)!;
    const [capacity, already, fill, leak] = [m[1], m[3] ?? "0", m[4], m[5]].map(
      Number,
    );
    return (capacity - already) / (fill - leak);
  },
  overtime(q) {
    const m =
      /earns \$(\d+) an hour for the first (\d+) hours .+ worked (\d+) hours/
        .exec(q)!;
    const [wage, regular, worked] = m.slice(1).map(Number);
    return regular * wage + (worked - regular) * wage * 1.5;
  },
  clubs(q) {
    const words: Record<string, number> = {
      half: 1 / 2,
      "a third": 1 / 3,
      "a quarter": 1 / 4,
      "two fifths": 2 / 5,
      "three quarters": 3 / 4,
      "two thirds": 2 / 3,
      "a fifth": 1 / 5,
    };
    const m =
      /^There are (\d+) .+?\. (.+?) of them .+?\. Of the others, (.+?) join/
        .exec(q)!;
    const n = Number(m[1]);
    const rest = n - Math.round(n * words[m[2].toLowerCase()]);
    return rest - Math.round(rest * words[m[3]]);
  },
};

Deno.test("answers re-derived independently from the question text", () => {
  const problems = generateMathProblems(400, 11);
  for (const [template, derive] of Object.entries(REDERIVE)) {
    const mine = problems.filter((p) => p.template === template);
    assert.ok(mine.length >= 10, `${template}: ${mine.length} problems`);
    for (const p of mine) {
      assert.equal(derive(p.question), p.final, `${template}: ${p.question}`);
    }
  }
});

Deno.test("the committed data/math files: GSM8K format, reproducible, disjoint", async () => {
  const train = await readRows(`${DATA}problems.jsonl`);
  const evalRows = await readRows(`${DATA}eval.jsonl`);
  assert.equal(train.length, 300);
  assert.equal(evalRows.length, 100);
  const parsedTrain = gsm8kRows(train, "data/math/problems.jsonl");
  const parsedEval = gsm8kRows(evalRows, "data/math/eval.jsonl");
  for (const [i, row] of [...parsedTrain, ...parsedEval].entries()) {
    const raw = (i < 300 ? train[i] : evalRows[i - 300]) as { final: number };
    assert.equal(row.final, raw.final);
  }
  const trainQuestions = new Set(parsedTrain.map((r) => r.question));
  assert.equal(trainQuestions.size, 300);
  assert.equal(
    parsedEval.filter((r) => trainQuestions.has(r.question)).length,
    0,
  );
  // make_math_data's defaults (seed 5, 300 + 100) reproduce the files exactly.
  const split = trainEvalProblems(300, 100, 5);
  assert.deepEqual(
    train.map((r) => r.question),
    split.train.map((p) => p.question),
  );
  assert.deepEqual(
    evalRows.map((r) => r.answer),
    split.eval.map((p) => p.answer),
  );
  const regenerated = [...split.train, ...split.eval];
  for (const p of regenerated) checkSolution(p);
});

/** Re-derives a one-step answer from the question text alone, per template. */
function deriveOneStep(p: MathProblem): number {
  const n = (p.question.match(/\d+/g) ?? []).map(Number);
  switch (p.template) {
    case "add_more":
    case "altogether":
      return n[0] + n[1];
    case "take_away":
    case "how_many_more":
    case "spend":
      return n[0] - n[1];
    case "groups_of":
    case "buy_some":
      return n[0] * n[1];
    case "share_equally":
      return n[0] / n[1];
  }
  throw new Error(`no re-derivation for template ${p.template}`);
}

Deno.test("one-step level: one calculator step, small numbers, answers re-derived from the question", () => {
  assert.ok(
    ONE_STEP_TEMPLATES.length >= 6,
    `${ONE_STEP_TEMPLATES.length} one-step templates`,
  );
  assert.equal(levelTemplates("one-step"), ONE_STEP_TEMPLATES);
  assert.equal(levelTemplates("multi-step"), MATH_TEMPLATES);
  assert.throws(
    () => generateMathProblems(3, 1, { level: "hard" as MathLevel }),
    /unknown math level "hard"; expected one of multi-step, one-step/,
  );
  const problems = generateMathProblems(1100, 5, { level: "one-step" });
  assert.equal(new Set(problems.map((p) => p.question)).size, 1100);
  const ids = new Set(ONE_STEP_TEMPLATES.map((t) => t.id));
  const counts = new Map<string, number>();
  for (const p of problems) {
    assert.ok(ids.has(p.template), p.template);
    counts.set(p.template, (counts.get(p.template) ?? 0) + 1);
    const lines = p.answer.split("\n");
    assert.equal(lines.length, 2, p.answer);
    assert.equal(lines[1], `#### ${p.final}`);
    assert.equal(parseGsm8kAnswer(p.answer), p.final);
    const annotations = [...p.answer.matchAll(/<<([^=>]+)=(\d+)>>(\d+)/g)];
    assert.equal(annotations.length, 1, p.answer);
    const [, expr, inside, shown] = annotations[0];
    assert.equal(evaluate(expr), p.final, p.answer);
    assert.equal(inside, shown);
    assert.equal(deriveOneStep(p), p.final, `${p.template}: ${p.question}`);
    assert.ok(p.final >= 1 && p.final <= 30, `${p.template}: ${p.final}`);
    for (const x of p.question.match(/\d+(\.\d+)?/g) ?? []) {
      assert.ok(/^\d+$/.test(x) && Number(x) <= 25, `${x} in ${p.question}`);
    }
  }
  assert.equal(counts.size, ONE_STEP_TEMPLATES.length);
  // Most numbers a reader meets are at most 20.
  const stated = problems.flatMap((p) => p.question.match(/\d+/g)!.map(Number));
  assert.ok(
    stated.filter((x) => x <= 20).length / stated.length > 0.95,
    "numbers mostly ≤ 20",
  );
  assert.deepEqual(
    generateMathProblems(40, 5, { level: "one-step" }),
    problems.slice(0, 40),
  );
});

Deno.test("train/eval split: no eval problem shares template and numbers with a train problem", () => {
  for (const level of ["multi-step", "one-step"] as const) {
    const { train, eval: evalProblems } = trainEvalProblems(200, 40, 3, {
      level,
    });
    assert.equal(train.length, 200);
    assert.equal(evalProblems.length, 40);
    assert.deepEqual(train, generateMathProblems(200, 3, { level }));
    const seen = new Set(train.map(problemSignature));
    for (const p of evalProblems) {
      assert.ok(!seen.has(problemSignature(p)), `${level}: ${p.question}`);
      seen.add(problemSignature(p));
    }
  }
  assert.equal(
    problemSignature({
      question: "Ann has 3 bags of 4.5 kg.",
      answer: "",
      final: 1,
      template: "t",
    }),
    "t:3,4.5",
  );
  assert.throws(
    () => trainEvalProblems(1100, 500, 5, { level: "one-step" }),
    /could not find 500 eval problems whose template and numbers differ from the 1100 train problems/,
  );
});

Deno.test("the multi-step level is the default and its output is unchanged", () => {
  const byDefault = generateMathProblems(120, 9);
  assert.deepEqual(
    generateMathProblems(120, 9, { level: "multi-step" }),
    byDefault,
  );
  assert.ok(
    byDefault.every((p) => MATH_TEMPLATES.some((t) => t.id === p.template)),
  );
});

/** Runs lib/cli/make_math_data.ts with `args` into a temp folder and returns it. */
async function makeMathData(args: string[]): Promise<string> {
  const out = await Deno.makeTempDir({ prefix: "math-data-" });
  const run = await runScript("lib/cli/make_math_data.ts", [
    ...args,
    "--out",
    out,
  ]);
  assert.equal(run.code, 0, run.stderr);
  return out;
}

Deno.test("make_math_data reproduces the committed files of both levels byte for byte", async () => {
  for (
    const [args, folder] of [
      [[], DATA],
      [["--level", "one-step"], `${DATA}one_step/`],
    ] as const
  ) {
    const out = await makeMathData([...args]);
    for (const file of ["problems.jsonl", "eval.jsonl"]) {
      assert.equal(
        await Deno.readTextFile(`${out}/${file}`),
        await Deno.readTextFile(`${folder}${file}`),
        `${args.join(" ") || "default level"}: ${file}`,
      );
    }
    await Deno.remove(out, { recursive: true });
  }
  const oneStepTrain = await readRows(`${DATA}one_step/problems.jsonl`);
  const oneStepEval = await readRows(`${DATA}one_step/eval.jsonl`);
  assert.equal(oneStepTrain.length, 1000);
  assert.equal(oneStepEval.length, 100);
  const trainQuestions = new Set(oneStepTrain.map((r) => r.question));
  assert.ok(oneStepEval.every((r) => !trainQuestions.has(r.question)));
  const bad = await Deno.makeTempDir({ prefix: "math-data-" });
  const run = await runScript("lib/cli/make_math_data.ts", [
    "--level",
    "hard",
    "--out",
    bad,
  ]);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /--level must be one of multi-step, one-step, got "hard"/,
  );
  await Deno.remove(bad, { recursive: true });
});
