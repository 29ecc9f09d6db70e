/**
 * Plain-text tables with aligned columns: numbers right-aligned, text left.
 *
 * @module
 */
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

/** Renders `rows` under `columns`; a missing value prints as "–". */
export function formatTable(columns: Column[], rows: Row[]): string {
  const cells = rows.map((row) =>
    columns.map(({ key }) => {
      const value = row[key];
      return value === undefined
        ? "–"
        : typeof value === "number"
        ? formatNumber(value)
        : value;
    })
  );
  const numeric = columns.map(({ key }) =>
    rows.some((row) => typeof row[key] === "number")
  );
  const widths = columns.map(({ header }, i) =>
    Math.max(header.length, ...cells.map((line) => line[i].length))
  );
  const render = (line: string[]) =>
    line.map((text, i) =>
      numeric[i] ? text.padStart(widths[i]) : text.padEnd(widths[i])
    ).join("  ").trimEnd();
  return [
    render(columns.map((c) => c.header)),
    render(widths.map((w) => "-".repeat(w))),
    ...cells.map(render),
  ].join("\n");
}
