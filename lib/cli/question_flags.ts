/**
 * The flags that choose what `answer` and `compare:strategies` ask and
 * under which system prompt, declared once for both:
 *
 *   --questions FILE | --batch FILE   a file's questions (.txt: one a line)
 *   --examples [CATEGORY]             the built-in examples (all without CATEGORY)
 *   --domain NAME                     a domain assistant's system prompt
 *                                     (with --examples: its example questions)
 *   --system TEXT                     a system prompt of your own
 *
 * `--batch` is ee596-fp's spelling of `--questions`. The flag parser has no
 * flag with an optional value, so {@link withOptionalExamples} rewrites
 * `--examples [CATEGORY]` to `--examples=CATEGORY` (or `--examples=`)
 * before parsing. Conflicting choices are usage errors (exit 2) raised
 * before anything is read or loaded.
 *
 * @module
 */
import type { Question } from "../chat/answers.ts";
import {
  type Domain,
  DOMAIN_NAMES,
  domainQuestions,
  domainSystemPrompt,
  parseDomain,
} from "../chat/domains.ts";
import {
  type ExampleCategory,
  exampleQuestions,
  parseExampleCategory,
} from "../chat/examples.ts";
import { readQuestionFile } from "../chat/question_file.ts";
import { REASONING_SYSTEM_PROMPT } from "../prompt/system_prompts.ts";
import { UsageError } from "../util/errors.ts";
import { flag } from "../util/flags.ts";

/** The flags, to spread into a command's flag table. */
export const QUESTION_FLAGS = {
  questions: flag.string(
    "questions file: .txt (one question a line; blank and # lines skipped), or JSON, JSONL, CSV, Parquet with a question or prompt column",
    { arg: "FILE" },
  ),
  batch: flag.string("the same as --questions (ee596-fp's spelling)", {
    arg: "FILE",
  }),
  examples: flag.parsed(
    "the built-in example problems of CATEGORY (math, logic, science, coding, general; all when none), or of --domain",
    parseExampleCategory,
    { arg: "[CATEGORY]" },
  ),
  domain: flag.parsed(
    "domain assistant: its system prompt, with a safety note for medical, legal and finance",
    parseDomain,
    { arg: DOMAIN_NAMES.join("|") },
  ),
  system: flag.string(
    "system prompt (default: the reasoning prompt, or --domain's)",
    { arg: "TEXT" },
  ),
};

/** The values of {@link QUESTION_FLAGS}. */
export interface QuestionFlagValues {
  questions?: string;
  batch?: string;
  examples?: ExampleCategory | "all";
  domain?: Domain;
  system?: string;
}

/** What to ask, and how. */
export interface QuestionInput {
  questions: Question[];
  /** Names question `i` in messages: its file and line, or its example id. */
  where: (i: number) => string;
  /** The system prompt ("" for none). */
  system: string;
  /** Where the questions come from, for notes and reports ("q.txt", "examples: math"). */
  source: string;
  /** The domain, when `--domain` was given. */
  domain?: Domain;
}

/**
 * `argv` with `--examples` given its optional value explicitly: the next
 * argument when it is not an option (`--examples math` →
 * `--examples=math`), else empty (`--examples` → `--examples=`: all).
 */
export function withOptionalExamples(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (arg !== "--examples") {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith("-")) {
      out.push(`--examples=${next}`);
      i++;
    } else out.push("--examples=");
  }
  return out;
}

/**
 * Checks the choice (usage errors name the flags), then reads the questions.
 * `fallback`: what to ask when no question flag is given (by default that
 * is a usage error).
 */
export async function questionInput(
  values: QuestionFlagValues,
  fallback?: ExampleCategory | "all",
): Promise<QuestionInput> {
  const { domain, system } = values;
  if (values.questions !== undefined && values.batch !== undefined) {
    throw new UsageError(
      "--batch is another name for --questions: give one of them",
    );
  }
  const file = values.questions ?? values.batch;
  const fileFlag = values.questions !== undefined ? "--questions" : "--batch";
  if (file !== undefined && values.examples !== undefined) {
    throw new UsageError(
      `--examples and ${fileFlag} both choose the questions: give one of them`,
    );
  }
  if (domain && system !== undefined) {
    throw new UsageError(
      `--domain ${domain.name} sets the system prompt, and so does --system: give one of them`,
    );
  }
  const examples = values.examples ??
    (file === undefined ? fallback : undefined);
  if (file === undefined && examples === undefined) {
    throw new UsageError(
      "no questions: give --questions FILE (or --batch FILE) or --examples [CATEGORY]",
    );
  }
  if (domain && examples !== undefined && examples !== "all") {
    throw new UsageError(
      `--examples ${examples} with --domain ${domain.name}: a domain has examples of its own (give --examples alone)`,
    );
  }
  const prompt = system ??
    (domain ? domainSystemPrompt(domain) : REASONING_SYSTEM_PROMPT);
  if (file !== undefined) {
    const { questions, where } = await readQuestionFile(file);
    return { questions, where, system: prompt, source: file, domain };
  }
  const questions = domain
    ? domainQuestions(domain)
    : exampleQuestions(examples!);
  return {
    questions,
    where: (i) => `example ${questions[i].id}`,
    system: prompt,
    source: `examples: ${domain ? domain.name : examples}`,
    domain,
  };
}
