/**
 * The shipped task files' shape: one JSON object per line, every field a
 * non-empty string, ids unique. One reader for them all (clinical, conala),
 * with errors that name the file, the line and the field.
 *
 * ```ts
 * const rows = readJsonlRows("data/conala/train.jsonl", (value, where) => {
 *   const row = stringFields(value, where, ["id", "intent", "snippet"]);
 *   return { id: row.id, intent: row.intent, snippet: row.snippet };
 * });
 * ```
 *
 * @module
 */
import { InputError, messageOf } from "../util/errors.ts";

/**
 * `value` as an object of exactly `keys`, each a non-empty string;
 * `where` (file:line) starts every error.
 */
export function stringFields<K extends string>(
  value: unknown,
  where: string,
  keys: readonly K[],
): Record<K, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InputError(`${where}: a row must be a JSON object`);
  }
  const row = value as Record<string, unknown>;
  for (const key of Object.keys(row)) {
    if (!(keys as readonly string[]).includes(key)) {
      throw new InputError(
        `${where}: unknown field "${key}" (fields: ${keys.join(", ")})`,
      );
    }
  }
  for (const key of keys) {
    const v = row[key];
    if (typeof v !== "string" || v.trim() === "") {
      throw new InputError(
        `${where}: field "${key}" must be a non-empty string`,
      );
    }
  }
  return row as Record<K, string>;
}

/**
 * The rows of a JSONL file (blank lines allowed), each made by `toRow`
 * from its parsed value; a file that cannot be read, a line that is not
 * JSON, a repeated id (naming both lines) and a file without rows are
 * errors.
 */
export function readJsonlRows<R extends { id: string }>(
  path: string,
  toRow: (value: unknown, where: string) => R,
): R[] {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new InputError(`${path}: cannot read: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const rows: R[] = [];
  const seen = new Map<string, number>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${path}:${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new InputError(`${where}: invalid JSON: ${messageOf(error)}`);
    }
    const row = toRow(value, where);
    const first = seen.get(row.id);
    if (first !== undefined) {
      throw new InputError(
        `${where}: field "id" repeats "${row.id}" from line ${first}`,
      );
    }
    seen.set(row.id, i + 1);
    rows.push(row);
  });
  if (rows.length === 0) throw new InputError(`${path}: no rows`);
  return rows;
}
