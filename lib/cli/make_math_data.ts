/**
 * Writes tunebook's generated grade-school math set: `problems.jsonl`
 * (train) and `eval.jsonl`, in GSM8K's columns (`question`, `answer` ending
 * in `#### n`) plus `final` and `template`. Both files come from one
 * seeded run (`trainEvalProblems`): no eval problem shares its template and
 * numbers with a train problem, so no eval answer can be a memorised one.
 *
 *   deno task data:math [--level multi-step|one-step]
 *     [--train N] [--eval N] [--seed 5] [--out DIR]
 *
 * Defaults per level: "multi-step" (the default) writes 300 + 100 problems
 * to `data/math/`; "one-step" writes 1000 + 100 one-step problems to
 * `data/math/one_step/`. The committed files are this command's output with
 * the defaults; running it again reproduces them byte for byte.
 *
 * @module
 */
import {
  MATH_LEVELS,
  type MathLevel,
  type MathProblem,
  trainEvalProblems,
} from "../data/math_problems.ts";
import { flag } from "../util/flags.ts";
import { startTask } from "./task.ts";
import { writeJsonl } from "../util/json_files.ts";

/** Per level: train and eval counts and the output folder. */
const LEVEL_DEFAULTS: Record<MathLevel, [number, number, string]> = {
  "multi-step": [300, 100, "data/math"],
  // A single step is learnable from more examples; 1000 keeps every
  // template at 125 training problems.
  "one-step": [1000, 100, "data/math/one_step"],
};
const { values: args } = startTask({
  name: "data:math",
  summary:
    "Writes the generated grade-school math set (problems.jsonl and eval.jsonl, GSM8K's columns) from one seeded run.",
  flags: {
    level: flag.choice("problem level", MATH_LEVELS, {
      default: "multi-step",
    }),
    train: flag.integer("training problems (default 300, one-step 1000)"),
    eval: flag.integer("evaluation problems (default 100)"),
    seed: flag.integer("generator seed", { default: 5 }),
    out: flag.string("output folder (default data/math[/one_step])", {
      arg: "DIR",
    }),
  },
});
const level: MathLevel = args.level;
const [defaultTrain, defaultEval, defaultOut] = LEVEL_DEFAULTS[level];
const trainCount = args.train ?? defaultTrain;
const evalCount = args.eval ?? defaultEval;
const out = args.out ?? defaultOut;
const seed = args.seed;

const split = trainEvalProblems(trainCount, evalCount, seed, { level });

await Deno.mkdir(out, { recursive: true });
const outputs: [string, MathProblem[]][] = [
  [`${out}/problems.jsonl`, split.train],
  [`${out}/eval.jsonl`, split.eval],
];
for (const [path, rows] of outputs) {
  await writeJsonl(
    path,
    rows.map(({ question, answer, final, template }) => ({
      question,
      answer,
      final,
      template,
    })),
  );
  const templates = new Set(rows.map((r) => r.template)).size;
  console.log(
    `wrote ${rows.length} problems (${templates} templates) to ${path}`,
  );
}
