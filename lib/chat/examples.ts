/**
 * Built-in example problems by category, as ee596-fp's demo offers them
 * (`demo.py --examples`): a few short questions each, with the expected
 * answer beside them so a reader can judge a model's reply at a glance.
 * `deno task answer --examples [CATEGORY]` and `compare:strategies` answer
 * them like a file's questions.
 *
 * ```ts
 * exampleQuestions("math"); // [{ id: "math-1", question: "…" }, …]
 * exampleQuestions("all");  // every category, in order
 * ```
 *
 * @module
 */
import type { Question } from "./answers.ts";

/** One built-in problem: the question and the answer a good reply reaches. */
export interface ExampleProblem {
  question: string;
  /** The expected answer, in a few words (for the reader; not scored). */
  answer: string;
}

/** The example problems, by category. */
export const EXAMPLE_PROBLEMS = {
  math: [
    {
      question:
        "A notebook costs $3 and a pen costs $2. How much do 4 notebooks and 3 pens cost together?",
      answer: "$18",
    },
    {
      question:
        "A train travels at 80 kilometres per hour. How far does it go in 2.5 hours?",
      answer: "200 kilometres",
    },
    { question: "What is 25% of 60?", answer: "15" },
  ],
  logic: [
    {
      question:
        "All cats have tails. Tom is a cat. What can we conclude about Tom?",
      answer: "Tom has a tail",
    },
    {
      question:
        "If it rains, the ground gets wet. The ground is dry. Did it rain?",
      answer: "No",
    },
    {
      question:
        "Anna is taller than Ben, and Ben is taller than Carl. Who is the shortest?",
      answer: "Carl",
    },
  ],
  science: [
    {
      question: "Why does ice float on water?",
      answer: "Ice is less dense than liquid water",
    },
    {
      question: "Why do we see lightning before we hear the thunder?",
      answer: "Light travels much faster than sound",
    },
    {
      question:
        "Which gas do plants take in from the air to make sugar by photosynthesis?",
      answer: "Carbon dioxide",
    },
  ],
  coding: [
    {
      question: "What does the Python expression len([1, 2, 3][1:]) return?",
      answer: "2",
    },
    {
      question:
        "How many times does the Python loop for i in range(2, 10, 3) run?",
      answer: "3 (i = 2, 5, 8)",
    },
    {
      question: "What is the difference between a list and a tuple in Python?",
      answer: "A list can be changed; a tuple cannot",
    },
  ],
  general: [
    { question: "What is the capital of Australia?", answer: "Canberra" },
    { question: "How many days are there in a leap year?", answer: "366" },
    {
      question: "Which is the largest planet in the solar system?",
      answer: "Jupiter",
    },
  ],
} as const satisfies Record<string, readonly ExampleProblem[]>;

/** A category's name. */
export type ExampleCategory = keyof typeof EXAMPLE_PROBLEMS;

/** The categories, in order. */
export const EXAMPLE_CATEGORIES = Object.keys(
  EXAMPLE_PROBLEMS,
) as ExampleCategory[];

/**
 * `name` as a category, or "all" for "" and "all"; throws naming it and the
 * categories otherwise.
 */
export function parseExampleCategory(name: string): ExampleCategory | "all" {
  const word = name.trim().toLowerCase();
  if (word === "" || word === "all") return "all";
  if ((EXAMPLE_CATEGORIES as string[]).includes(word)) {
    return word as ExampleCategory;
  }
  throw new Error(
    `unknown category "${name}"; choose one of ${
      EXAMPLE_CATEGORIES.join(", ")
    } (or none for all)`,
  );
}

/** The problems of `category` (every category for "all") as questions with ids like `math-1`. */
export function exampleQuestions(
  category: ExampleCategory | "all",
): Question[] {
  const categories = category === "all" ? EXAMPLE_CATEGORIES : [category];
  return categories.flatMap((name) =>
    EXAMPLE_PROBLEMS[name].map((problem, i) => ({
      id: `${name}-${i + 1}`,
      question: problem.question,
    }))
  );
}
