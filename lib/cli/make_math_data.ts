/**
 * Writes tunebook's generated grade-school math set: `problems.jsonl`
 * (train) and `eval.jsonl`, in GSM8K's columns (`question`, `answer` ending
 * in `#### n`) plus `final` and `template`. Both files come from one
 * seeded run of `generateMathProblems`, whose questions are distinct, so
 * train and eval never share a question.
 *
 *   deno run -A lib/cli/make_math_data.ts [--train 300] [--eval 100] [--seed 5] [--out data/math]
 *
 * The committed `data/math/` files are this command's output with the
 * defaults; running it again reproduces them byte for byte.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../checkpoint/atomic.ts";
import {
  generateMathProblems,
  type MathProblem,
} from "../data/math_problems.ts";

const USAGE =
  "usage: deno run -A lib/cli/make_math_data.ts [--train 300] [--eval 100] [--seed 5] [--out data/math]";
const { values: args } = parseArgs({
  options: {
    train: { type: "string", default: "300" },
    eval: { type: "string", default: "100" },
    seed: { type: "string", default: "5" },
    out: { type: "string", default: "data/math" },
  },
});
const wholeNumber = (name: "train" | "eval" | "seed"): number => {
  const value = Number(args[name]);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(
      `make_math_data: --${name} must be a whole number >= 0, got "${
        args[name]
      }"\n${USAGE}`,
    );
    Deno.exit(2);
  }
  return value;
};
const [trainCount, evalCount, seed] = [
  wholeNumber("train"),
  wholeNumber("eval"),
  wholeNumber("seed"),
];

const problems = generateMathProblems(trainCount + evalCount, seed);
const toJsonl = (rows: MathProblem[]) =>
  rows.map(({ question, answer, final, template }) =>
    JSON.stringify({ question, answer, final, template })
  ).join("\n") + "\n";

await Deno.mkdir(args.out!, { recursive: true });
const outputs: [string, MathProblem[]][] = [
  [`${args.out}/problems.jsonl`, problems.slice(0, trainCount)],
  [`${args.out}/eval.jsonl`, problems.slice(trainCount)],
];
for (const [path, rows] of outputs) {
  await writeFileAtomic(path, toJsonl(rows));
  const templates = new Set(rows.map((r) => r.template)).size;
  console.log(
    `wrote ${rows.length} problems (${templates} templates) to ${path}`,
  );
}
