/**
 * Benchmark tables: the columns of a result and how its numbers read, drawn
 * by the one table renderer (lib/util/table.ts) as aligned plain text.
 *
 * @module
 */
import { formatTable as renderTable } from "../util/table.ts";
import type { Column, Row } from "./types.ts";

/** Every key of `rows`, in first-seen order, as columns headed by the key. */
export function columnsOf(rows: Row[]): Column[] {
  const keys: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row)) {
      if (!keys.includes(key)) keys.push(key);
    }
  }
  return keys.map((key) => ({ key, header: key }));
}

/**
 * A number at a precision that reads well in a table: three significant
 * digits for small values, no decimals from 100 up, integers as integers.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const size = Math.abs(value);
  if (size >= 100) return value.toFixed(0);
  if (size >= 10) return value.toFixed(1);
  if (size >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/**
 * Renders `rows` under `columns` as aligned plain text (lib/util/table.ts's
 * text rendering); numbers read as {@link formatNumber}, a missing value
 * prints as "–".
 */
export function formatTable(columns: Column[], rows: Row[]): string {
  const cell = (value: unknown) =>
    value === undefined
      ? "–"
      : typeof value === "number"
      ? formatNumber(value)
      : String(value);
  return renderTable(rows, {
    columns: columns.map(({ key, header }) => ({
      key,
      label: header,
      format: cell,
    })),
  }).text;
}
