/**
 * Rubric-scored prompts (`OpenRubrics/OpenRubrics` and look-alikes) with the
 * column mapping ee596-fp used, made explicit: the loader inspects the
 * columns, picks the first present name of each role, and reports what it
 * mapped so a surprise shows up in the log rather than in the rewards.
 *
 * | role | columns tried, in order |
 * | --- | --- |
 * | question (required) | instruction, prompt, question, input |
 * | rubric (required) | rubric, scoring_rubric, criteria |
 * | reference | response, model_answer, answer, output, reference_answer |
 * | score | score, rating, label |
 *
 * Lists and objects are flattened to newline-separated text, as ee596-fp did.
 *
 * @module
 */
import { describeType, isPlainObject, type Row, rowLocation } from "./rows.ts";

/** Candidate column names per role, in priority order. */
export const OPEN_RUBRICS_COLUMNS = {
  question: ["instruction", "prompt", "question", "input"],
  rubric: ["rubric", "scoring_rubric", "criteria"],
  reference: [
    "response",
    "model_answer",
    "answer",
    "output",
    "reference_answer",
  ],
  score: ["score", "rating", "label"],
} as const;

/** Which column fed each role (undefined: none present). */
export interface RubricColumnMapping {
  question: string;
  rubric: string;
  reference?: string;
  score?: string;
}

/** One rubric-scored prompt. */
export interface RubricRow {
  question: string;
  rubric: string;
  reference?: string;
  score?: number;
}

/** The rows and the mapping used to read them. */
export interface RubricRows {
  rows: RubricRow[];
  mapping: RubricColumnMapping;
  /** One line for logs: `question ← instruction, rubric ← rubric, …`. */
  description: string;
}

/** Picks the columns from the rows' keys (union over all rows). */
export function mapRubricColumns(
  rows: readonly Row[],
  source: string,
): RubricColumnMapping {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  const pick = (role: keyof typeof OPEN_RUBRICS_COLUMNS) =>
    OPEN_RUBRICS_COLUMNS[role].find((name) => columns.has(name));
  const question = pick("question");
  const rubric = pick("rubric");
  for (const [role, found] of [["question", question], ["rubric", rubric]]) {
    if (found === undefined) {
      const tried = OPEN_RUBRICS_COLUMNS[role as "question" | "rubric"];
      throw new Error(
        `${source}: no ${role} column (tried ${tried.join(", ")}; columns: ${
          [...columns].join(", ") || "none"
        })`,
      );
    }
  }
  return {
    question: question!,
    rubric: rubric!,
    reference: pick("reference"),
    score: pick("score"),
  };
}

/** Maps the columns, then converts every row (errors name the row). */
export function openRubricsRows(
  rows: readonly Row[],
  source: string,
): RubricRows {
  const mapping = mapRubricColumns(rows, source);
  const out = rows.map((row, index) => {
    const where = `${source} ${rowLocation(row, index)}`;
    const text = (role: keyof RubricColumnMapping, required: boolean) => {
      const column = mapping[role];
      if (column === undefined) return undefined;
      const value = flattenToText(row[column]);
      if (required && (value === undefined || value.trim() === "")) {
        throw new Error(
          `${where}: field "${column}" (the ${role}) is empty or missing`,
        );
      }
      return value;
    };
    const result: RubricRow = {
      question: text("question", true)!,
      rubric: text("rubric", true)!,
    };
    const reference = text("reference", false);
    if (reference !== undefined) result.reference = reference;
    if (mapping.score !== undefined) {
      const raw = row[mapping.score];
      if (raw !== undefined && raw !== null && raw !== "") {
        const score = typeof raw === "string" ? Number(raw.trim()) : raw;
        if (typeof score !== "number" || !Number.isFinite(score)) {
          throw new Error(
            `${where}: field "${mapping.score}" (the score) must be a number, got ${
              describeType(raw)
            } ${JSON.stringify(raw)}`,
          );
        }
        result.score = score;
      }
    }
    return result;
  });
  const description = Object.entries(mapping)
    .map(([role, column]) => `${role} ← ${column ?? "(none)"}`)
    .join(", ");
  return { rows: out, mapping, description };
}

/**
 * Text of a cell: strings as they are, numbers and booleans printed, lists
 * one item per line, objects as `key: value` lines; null → undefined.
 */
export function flattenToText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    return value.map(flattenToText).filter((v) => v !== undefined).join("\n");
  }
  if (isPlainObject(value)) {
    return Object.entries(value)
      .map(([key, v]) => `${key}: ${flattenToText(v) ?? ""}`)
      .join("\n");
  }
  return String(value);
}
