/**
 * Writes tunebook's generated grade-school math set: `problems.jsonl`
 * (train) and `eval.jsonl`, in GSM8K's columns (`question`, `answer` ending
 * in `#### n`) plus `final` and `template`. Both files come from one
 * seeded run (`trainEvalProblems`): no eval problem shares its template and
 * numbers with a train problem, so no eval answer can be a memorised one.
 *
 *   deno run -A lib/cli/make_math_data.ts [--level multi-step|one-step]
 *     [--train N] [--eval N] [--seed 5] [--out DIR]
 *
 * Defaults per level: "multi-step" (the default) writes 300 + 100 problems
 * to `data/math/`; "one-step" writes 1000 + 100 one-step problems to
 * `data/math/one_step/`. The committed files are this command's output with
 * the defaults; running it again reproduces them byte for byte.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../util/atomic.ts";
import {
  MATH_LEVELS,
  type MathLevel,
  type MathProblem,
  trainEvalProblems,
} from "../data/math_problems.ts";

const USAGE =
  "usage: deno run -A lib/cli/make_math_data.ts [--level multi-step|one-step] [--train N] [--eval N] [--seed 5] [--out DIR]";
/** Per level: train and eval counts and the output folder. */
const LEVEL_DEFAULTS: Record<MathLevel, [string, string, string]> = {
  "multi-step": ["300", "100", "data/math"],
  // A single step is learnable from more examples; 1000 keeps every
  // template at 125 training problems.
  "one-step": ["1000", "100", "data/math/one_step"],
};
const { values: args } = parseArgs({
  options: {
    level: { type: "string", default: "multi-step" },
    train: { type: "string" },
    eval: { type: "string" },
    seed: { type: "string", default: "5" },
    out: { type: "string" },
  },
});
const level = args.level as MathLevel;
if (!MATH_LEVELS.includes(level)) {
  console.error(
    `make_math_data: --level must be one of ${
      MATH_LEVELS.join(", ")
    }, got "${args.level}"\n${USAGE}`,
  );
  Deno.exit(2);
}
const [defaultTrain, defaultEval, defaultOut] = LEVEL_DEFAULTS[level];
args.train ??= defaultTrain;
args.eval ??= defaultEval;
args.out ??= defaultOut;
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

const split = trainEvalProblems(trainCount, evalCount, seed, { level });
const toJsonl = (rows: MathProblem[]) =>
  rows.map(({ question, answer, final, template }) =>
    JSON.stringify({ question, answer, final, template })
  ).join("\n") + "\n";

await Deno.mkdir(args.out!, { recursive: true });
const outputs: [string, MathProblem[]][] = [
  [`${args.out}/problems.jsonl`, split.train],
  [`${args.out}/eval.jsonl`, split.eval],
];
for (const [path, rows] of outputs) {
  await writeFileAtomic(path, toJsonl(rows));
  const templates = new Set(rows.map((r) => r.template)).size;
  console.log(
    `wrote ${rows.length} problems (${templates} templates) to ${path}`,
  );
}
