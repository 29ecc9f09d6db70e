/**
 * Rows as the readers return them, and where each row came from.
 *
 * A reader records the line (JSONL, CSV) or row number (JSON, parquet) of
 * every row it returns, so that a later validation error can point into the
 * file ("eval.jsonl line 17") even after blank lines were skipped or rows
 * were filtered. The record lives in a WeakMap, so rows stay plain objects
 * and copying a row simply drops its location.
 *
 * @module
 */

/** One record of a data file: column name → value. */
export type Row = Record<string, unknown>;

const locations = new WeakMap<Row, string>();

/** Remembers where `row` came from, e.g. "line 17" or "row 12". */
export function setRowLocation(row: Row, location: string): void {
  locations.set(row, location);
}

/**
 * Where `row` came from as recorded by a reader, else `row <index + 1>`
 * (rows are numbered from 1 in messages).
 */
export function rowLocation(row: Row, index: number): string {
  return locations.get(row) ?? `row ${index + 1}`;
}

/** Whether `value` is a plain JSON-like object (not null, not an array). */
export function isPlainObject(value: unknown): value is Row {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
