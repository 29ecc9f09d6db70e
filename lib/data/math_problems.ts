/**
 * Seeded grade-school math word problems in GSM8K's format, for training
 * and evaluating math rewards without downloading GSM8K: each problem has
 * a `question`, an `answer` (a short worked solution with GSM8K's
 * calculator annotations, ending in `#### <n>`) and `final`, the number.
 *
 * ```ts
 * const problems = generateMathProblems(100, 7);
 * problems[0].answer; // "…she pays 3 * 4 = $<<3*4=12>>12 …\n#### 28"
 * ```
 *
 * Every number in a solution comes from evaluating its expression exactly
 * (`math_expr.ts`); templates pick their numbers so every division comes
 * out whole and every answer is a positive whole number. The same count and
 * seed give the same problems, and a shorter list is a prefix of a longer
 * one. Templates are used in shuffled rounds, so each appears about
 * equally often; questions within one call are distinct.
 *
 * Two levels: "multi-step" (the default, 2–4 steps with 2–3-digit numbers)
 * and "one-step" (a single operation on numbers mostly ≤ 20, for models too
 * small to chain steps):
 *
 * ```ts
 * generateMathProblems(100, 7, { level: "one-step" })[0].answer;
 * // "She has 7 + 5 = <<7+5=12>>12 apples now.\n#### 12"
 * ```
 *
 * @module
 */
import { Rng } from "../util/random.ts";
import { calculate } from "./math_expr.ts";
import { COUNTING_TEMPLATES } from "./math_templates_counting.ts";
import { MONEY_TEMPLATES } from "./math_templates_money.ts";
import { RATE_TEMPLATES } from "./math_templates_rates.ts";
import { ONE_STEP_TEMPLATES } from "./math_templates_one_step.ts";
import {
  type MathTemplate,
  PEOPLE,
  type TemplateContext,
  type TemplateResult,
} from "./math_story.ts";

export type {
  MathTemplate,
  Person,
  TemplateContext,
  TemplateResult,
} from "./math_story.ts";

/** Every template, in a fixed order (the generator shuffles each round). */
export const MATH_TEMPLATES: readonly MathTemplate[] = [
  ...MONEY_TEMPLATES,
  ...COUNTING_TEMPLATES,
  ...RATE_TEMPLATES,
];

export { ONE_STEP_TEMPLATES } from "./math_templates_one_step.ts";

/** How hard the generated problems are. */
export type MathLevel = "multi-step" | "one-step";

/** The levels, the default first. */
export const MATH_LEVELS: readonly MathLevel[] = ["multi-step", "one-step"];

/** The templates of a level: "multi-step" is {@link MATH_TEMPLATES}, "one-step" {@link ONE_STEP_TEMPLATES}. */
export function levelTemplates(level: MathLevel): readonly MathTemplate[] {
  if (level === "multi-step") return MATH_TEMPLATES;
  if (level === "one-step") return ONE_STEP_TEMPLATES;
  throw new Error(
    `unknown math level "${level}"; expected one of ${MATH_LEVELS.join(", ")}`,
  );
}

/** Options of {@link generateMathProblems}. */
export interface MathProblemOptions {
  /** Which templates to draw from; default "multi-step". */
  level?: MathLevel;
}

/** One generated problem. */
export interface MathProblem {
  question: string;
  /** Worked solution, last line `#### <final>`. */
  answer: string;
  final: number;
  /** Which template made it (see {@link MATH_TEMPLATES}). */
  template: string;
}

/** Attempts per template before it sits out a round. */
const TRIES_PER_TEMPLATE = 200;

/**
 * `count` distinct problems from `seed` at `options.level` (default
 * "multi-step"). Throws if the templates cannot supply that many distinct
 * questions.
 */
export function generateMathProblems(
  count: number,
  seed: number,
  options: MathProblemOptions = {},
): MathProblem[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`count must be a whole number >= 0, got ${count}`);
  }
  const templates = levelTemplates(options.level ?? "multi-step");
  const rng = new Rng(seed);
  const problems: MathProblem[] = [];
  const seen = new Set<string>();
  let round: MathTemplate[] = [];
  let fruitlessRounds = 0;
  while (problems.length < count) {
    if (round.length === 0) {
      round = rng.shuffle([...templates]);
      fruitlessRounds++;
      if (fruitlessRounds > 50) {
        throw new Error(
          `could only generate ${problems.length} distinct problems of the ${count} asked`,
        );
      }
    }
    const template = round.pop()!;
    for (let attempt = 0; attempt < TRIES_PER_TEMPLATE; attempt++) {
      const made = template.make(contextFor(rng));
      if (!made || seen.has(made.question)) continue;
      problems.push(finish(template.id, made));
      seen.add(made.question);
      fruitlessRounds = 0;
      break;
    }
  }
  return problems;
}

/**
 * A problem's template and the numbers of its question, in order. Two
 * problems with one signature differ only in names and objects, so they
 * have the same answer.
 */
export function problemSignature(p: MathProblem): string {
  return `${p.template}:${
    (p.question.match(/\d+(?:\.\d+)?/g) ?? []).join(",")
  }`;
}

/**
 * A train set and an eval set from one seeded run: the first `trainCount`
 * problems train; eval takes the next problems whose signature
 * ({@link problemSignature}) no train problem (and no earlier eval problem)
 * has, so no eval answer can be a memorised train answer.
 */
export function trainEvalProblems(
  trainCount: number,
  evalCount: number,
  seed: number,
  options: MathProblemOptions = {},
): { train: MathProblem[]; eval: MathProblem[] } {
  let total = trainCount + evalCount;
  for (let attempt = 0; attempt < 6; attempt++, total *= 2) {
    const all = generateMathProblems(total, seed, options);
    const train = all.slice(0, trainCount);
    const seen = new Set(train.map(problemSignature));
    const evalProblems: MathProblem[] = [];
    for (const p of all.slice(trainCount)) {
      if (evalProblems.length === evalCount) break;
      const signature = problemSignature(p);
      if (seen.has(signature)) continue;
      seen.add(signature);
      evalProblems.push(p);
    }
    if (evalProblems.length === evalCount) {
      return { train, eval: evalProblems };
    }
  }
  throw new Error(
    `could not find ${evalCount} eval problems whose template and numbers differ from the ${trainCount} train problems`,
  );
}

function contextFor(rng: Rng): TemplateContext {
  const used = new Set<string>();
  const ctx: TemplateContext = {
    int: (lo, hi) => lo + rng.int(hi - lo + 1),
    pick: (items) => items[rng.int(items.length)],
    chance: (p) => rng.uniform() < p,
    person: () => {
      const free = PEOPLE.filter((p) => !used.has(p.name));
      const person = ctx.pick(free);
      used.add(person.name);
      return person;
    },
    calc: calculate,
  };
  return ctx;
}

function finish(template: string, made: TemplateResult): MathProblem {
  const { question, steps, final } = made;
  if (!Number.isSafeInteger(final) || final <= 0) {
    throw new Error(
      `template ${template} produced a final answer ${final}; answers must be positive whole numbers`,
    );
  }
  const answer = `${steps.join("\n")}\n#### ${final}`;
  return { question, answer, final, template };
}
