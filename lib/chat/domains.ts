/**
 * Domain assistants, as ee596-fp's `domain_demo.py` offers them: medical,
 * legal, coding, finance and education. Each domain is declared once here —
 * its name, title, role, safety note and example questions — and its system
 * prompt is the role, the safety note and ee596-fp's reasoning-then-answer
 * request. `chat --domain` talks with that system prompt (the banner shows
 * the note and the examples); `answer --domain` answers with it, and
 * `answer --examples --domain` answers the domain's examples.
 *
 * Where a wrong answer can hurt (medical, legal, finance) the safety note —
 * general information, not professional advice; see a professional — is in
 * the system prompt and printed once to the user.
 *
 * ```ts
 * const medical = DOMAINS.medical;
 * domainSystemPrompt(medical); // role + note + format request
 * domainQuestions(medical);    // [{ id: "medical-1", question: "…" }, …]
 * ```
 *
 * @module
 */
import { REASONING_FORMAT_REQUEST } from "../prompt/system_prompts.ts";
import type { Question } from "./answers.ts";

/** One domain assistant. */
export interface Domain {
  /** The name `--domain` takes. */
  name: string;
  /** What the banner calls it ("Medical assistant"). */
  title: string;
  /** Who the assistant is and how it answers: the system prompt's opening. */
  role: string;
  /** "Not professional advice; see a professional", where it matters. */
  safety?: string;
  /** A few questions to try. */
  examples: readonly string[];
}

/** The domains, by name. */
export const DOMAINS = {
  medical: {
    name: "medical",
    title: "Medical assistant",
    role:
      "You are a medical information assistant. Explain health questions in plain language, say what is uncertain, and name the warning signs that need urgent care.",
    safety:
      "This is general information, not professional medical advice: see a doctor or another qualified health professional about your own situation, and call emergency services in an emergency.",
    examples: [
      "What is the difference between type 1 and type 2 diabetes?",
      "What are common causes of a dry cough that lasts for weeks?",
      "Which lifestyle changes help lower high blood pressure?",
    ],
  },
  legal: {
    name: "legal",
    title: "Legal assistant",
    role:
      "You are a legal information assistant. Explain legal ideas and general procedures in plain language, and say that the law differs between countries and states.",
    safety:
      "This is general information, not professional legal advice: see a qualified lawyer about your own situation.",
    examples: [
      "What must usually be shown to prove a breach of contract?",
      "What is the difference between negligence and gross negligence?",
      "What general steps must a landlord usually follow before an eviction?",
    ],
  },
  coding: {
    name: "coding",
    title: "Coding assistant",
    role:
      "You are a programming assistant. Explain the approach before the code, keep code short and correct, and mention time and space complexity where it matters.",
    examples: [
      "How can you find all pairs in a list of numbers that add up to a target, faster than checking every pair?",
      "What is the difference between a stack and a queue? Give one use of each.",
      "How would you limit an API to 100 requests per minute per user?",
    ],
  },
  finance: {
    name: "finance",
    title: "Finance assistant",
    role:
      "You are a financial analysis assistant. Show each calculation step with its formula, and state your assumptions.",
    safety:
      "This is general information, not professional financial advice: see a qualified financial adviser before making decisions about your money.",
    examples: [
      "A company has revenue of $500,000, costs of goods sold of $200,000, operating expenses of $150,000 and pays 20% tax on its profit. What is its net profit margin?",
      "An investment grows from $8,000 to $10,000 in 2 years. What is its compound annual growth rate?",
      "A bond with a face value of $1,000 and a 4% coupon trades at $800. What is its current yield?",
    ],
  },
  education: {
    name: "education",
    title: "Tutor",
    role:
      "You are a patient tutor. Explain ideas step by step in simple words, give an everyday example, and end with the key point.",
    examples: [
      "Explain the Pythagorean theorem to a 12-year-old, with an example from everyday life.",
      "Why is it summer in the Northern Hemisphere when it is winter in the Southern Hemisphere?",
      "How does photosynthesis work, in three simple steps?",
    ],
  },
} as const satisfies Record<string, Domain>;

/** A domain's name. */
export type DomainName = keyof typeof DOMAINS;

/** The domain names, in order. */
export const DOMAIN_NAMES = Object.keys(DOMAINS) as DomainName[];

/** The domain called `name` (any case); throws naming it and the domains otherwise. */
export function parseDomain(name: string): Domain {
  const word = name.trim().toLowerCase();
  if ((DOMAIN_NAMES as string[]).includes(word)) {
    return DOMAINS[word as DomainName];
  }
  throw new Error(
    `unknown domain "${name}"; choose one of ${DOMAIN_NAMES.join(", ")}`,
  );
}

/** The domain's system prompt: its role, its safety note, then the reasoning-then-answer request. */
export function domainSystemPrompt(domain: Domain): string {
  return [domain.role, domain.safety, REASONING_FORMAT_REQUEST]
    .filter((part) => part)
    .join("\n");
}

/** The domain's example questions, with ids like `medical-1`. */
export function domainQuestions(domain: Domain): Question[] {
  return domain.examples.map((question, i) => ({
    id: `${domain.name}-${i + 1}`,
    question,
  }));
}
