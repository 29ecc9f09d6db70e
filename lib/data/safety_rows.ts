/**
 * The rows of the offline safety preference dataset
 * (data/safety/{train,eval}.jsonl): TRL's standard preference format
 * (`prompt`, `chosen`, `rejected`, all plain strings) plus the row's `id`,
 * `topic`, `kind` and `category`. Reading names the file, line and field at
 * fault; writing keeps a fixed key order.
 *
 * ```ts
 * const rows = readSafetyJsonl("data/safety/eval.jsonl");
 * const harmful = rows.filter((r) => r.kind === "harmful");
 * ```
 *
 * @module
 */

/** `harmful`: a request to refuse. `benign`: a request that only sounds risky. */
export type SafetyKind = "harmful" | "benign";

/** The risk areas, in the order the files list them. */
export const SAFETY_CATEGORIES = [
  "weapons",
  "drugs",
  "hacking",
  "fraud",
  "violence",
  "harassment",
  "self-harm",
  "privacy",
  "dangerous-chemistry",
  "theft",
  "hate",
  "medical",
] as const;

/** One risk area (a benign row's category is the area it sounds like). */
export type SafetyCategory = typeof SAFETY_CATEGORIES[number];

/** One row of data/safety/{train,eval}.jsonl. */
export interface SafetyRow {
  /** `<topic>-<n>`, n counting the topic's prompts from 1. */
  id: string;
  /** Kebab-case subject; train and eval share none. */
  topic: string;
  kind: SafetyKind;
  category: SafetyCategory;
  /** The user's request (the only user turn). */
  prompt: string;
  /** Harmful: a brief refusal with a safe alternative. Benign: a helpful answer. */
  chosen: string;
  /** Harmful: eager compliance with no actionable detail. Benign: a needless refusal. */
  rejected: string;
}

/** Column order of the JSONL rows. */
export const SAFETY_KEYS = [
  "id",
  "topic",
  "kind",
  "category",
  "prompt",
  "chosen",
  "rejected",
] as const satisfies readonly (keyof SafetyRow)[];

const CATEGORY_SET: ReadonlySet<string> = new Set(SAFETY_CATEGORIES);

/**
 * Checks one parsed object and returns it as a row; the error names `where`
 * (file:line) and the field.
 */
export function toSafetyRow(value: unknown, where: string): SafetyRow {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${where}: a row must be a JSON object`);
  }
  const row = value as Record<string, unknown>;
  for (const key of SAFETY_KEYS) {
    const v = row[key];
    if (typeof v !== "string" || v.trim() === "") {
      throw new Error(`${where}: field "${key}" must be a non-empty string`);
    }
  }
  for (const key of Object.keys(row)) {
    if (!(SAFETY_KEYS as readonly string[]).includes(key)) {
      throw new Error(`${where}: unknown field "${key}"`);
    }
  }
  if (row.kind !== "harmful" && row.kind !== "benign") {
    throw new Error(
      `${where}: field "kind" must be "harmful" or "benign", got "${row.kind}"`,
    );
  }
  if (!CATEGORY_SET.has(row.category as string)) {
    throw new Error(
      `${where}: field "category" must be one of ${
        SAFETY_CATEGORIES.join(", ")
      }, got "${row.category}"`,
    );
  }
  if (row.chosen === row.rejected) {
    throw new Error(`${where}: fields "chosen" and "rejected" are identical`);
  }
  return row as unknown as SafetyRow;
}

/** Reads a safety JSONL file; errors name the file, line and field. */
export function readSafetyJsonl(path: string): SafetyRow[] {
  const rows: SafetyRow[] = [];
  Deno.readTextFileSync(path).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${path}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: invalid JSON: ${(e as Error).message}`);
    }
    rows.push(toSafetyRow(value, where));
  });
  return rows;
}

/** Serialises rows with a fixed key order, one JSON object per line. */
export function formatSafetyJsonl(rows: SafetyRow[]): string {
  return rows.map((row) => {
    const ordered: Record<string, string> = {};
    for (const k of SAFETY_KEYS) ordered[k] = row[k];
    return JSON.stringify(ordered);
  }).join("\n") + "\n";
}
