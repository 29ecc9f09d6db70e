/**
 * The vocabulary of generated math stories: the template interface, the
 * people (with pronouns), shop items, fractions in words.
 *
 * @module
 */
import type { Calculation } from "./math_expr.ts";

/** A person in a story, with the pronouns the text needs. */
export interface Person {
  name: string;
  /** "she" / "he". */
  subject: string;
  /** "her" / "him". */
  object: string;
  /** "her" / "his". */
  possessive: string;
}

/** What a template gets to build a problem. */
export interface TemplateContext {
  /** Uniform whole number in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A person not yet used in this problem. */
  person(): Person;
  /** An exactly evaluated step (see `calculate` in math_expr.ts). */
  calc(expr: string, unit?: string): Calculation;
}

/** A template's output; `undefined` means "these numbers do not fit, retry". */
export interface TemplateResult {
  question: string;
  /** Solution lines, without the final `####` line. */
  steps: string[];
  final: number;
}

/** A kind of story. */
export interface MathTemplate {
  id: string;
  make(ctx: TemplateContext): TemplateResult | undefined;
}

/** Upper-cases the first letter. */
export const cap = (s: string): string => s[0].toUpperCase() + s.slice(1);

/** The cast: names with their pronouns. */
export const PEOPLE: readonly Person[] = [
  ["Maya", "she"],
  ["Liam", "he"],
  ["Priya", "she"],
  ["Mateo", "he"],
  ["Aisha", "she"],
  ["Kenji", "he"],
  ["Sofia", "she"],
  ["Omar", "he"],
  ["Grace", "she"],
  ["Diego", "he"],
  ["Lena", "she"],
  ["Tariq", "he"],
  ["Chloe", "she"],
  ["Ravi", "he"],
  ["Nora", "she"],
  ["Felix", "he"],
  ["Amara", "she"],
  ["Jonas", "he"],
  ["Mei", "she"],
  ["Samuel", "he"],
  ["Zara", "she"],
  ["Hugo", "he"],
  ["Ingrid", "she"],
  ["Kofi", "he"],
].map(([name, subject]) => ({
  name,
  subject,
  object: subject === "she" ? "her" : "him",
  possessive: subject === "she" ? "her" : "his",
}));

/** Shop items: singular, plural, price range in dollars. */
export const ITEMS: readonly [string, string, number, number][] = [
  ["notebook", "notebooks", 2, 6],
  ["pen", "pens", 1, 3],
  ["sandwich", "sandwiches", 4, 9],
  ["bottle of juice", "bottles of juice", 2, 4],
  ["comic book", "comic books", 3, 8],
  ["candle", "candles", 2, 7],
  ["plant pot", "plant pots", 3, 12],
  ["ball of yarn", "balls of yarn", 3, 6],
];

/** Fractions in words: [numerator, denominator, text]. */
export const FRACTIONS: readonly [number, number, string][] = [
  [1, 2, "half"],
  [1, 3, "a third"],
  [1, 4, "a quarter"],
  [2, 5, "two fifths"],
  [3, 4, "three quarters"],
  [2, 3, "two thirds"],
  [1, 5, "a fifth"],
];
