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
 * @module
 */
import { Rng } from "../util/random.ts";
import { calculate } from "./math_expr.ts";
import { COUNTING_TEMPLATES } from "./math_templates_counting.ts";
import { MONEY_TEMPLATES } from "./math_templates_money.ts";
import { RATE_TEMPLATES } from "./math_templates_rates.ts";
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
 * `count` distinct problems from `seed`. Throws if the templates cannot
 * supply that many distinct questions.
 */
export function generateMathProblems(
  count: number,
  seed: number,
): MathProblem[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new Error(`count must be a whole number >= 0, got ${count}`);
  }
  const rng = new Rng(seed);
  const problems: MathProblem[] = [];
  const seen = new Set<string>();
  let round: MathTemplate[] = [];
  let fruitlessRounds = 0;
  while (problems.length < count) {
    if (round.length === 0) {
      round = rng.shuffle([...MATH_TEMPLATES]);
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
