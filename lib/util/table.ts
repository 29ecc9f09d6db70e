/**
 * Rows of objects as a table in three renderings: Markdown and HTML for
 * notebooks, aligned plain text for terminals and `text/plain` outputs.
 *
 * @module
 */

/** One column: the row field it shows, its heading, and how values read. */
export interface TableColumn {
  /** Row field. */
  key: string;
  /** Heading (default: the key). */
  label?: string;
  /** Value to text (default: {@link formatCell}). */
  format?: (value: unknown) => string;
}

/** Options of {@link formatTable}. */
export interface TableOptions {
  /** Columns in order, as keys or full specs (default: every key, in first-seen order). */
  columns?: (string | TableColumn)[];
  /** A line shown above the table. */
  caption?: string;
}

/** A table rendered for each output kind. */
export interface FormattedTable {
  markdown: string;
  html: string;
  text: string;
}

/**
 * Renders rows as Markdown, HTML and plain text. Numeric columns are right
 * aligned; non-integers show 4 significant digits unless a column formats
 * them itself.
 */
export function formatTable(
  rows: readonly object[],
  options: TableOptions = {},
): FormattedTable {
  const columns = resolveColumns(rows, options.columns);
  const cells = rows.map((row) =>
    columns.map((column) => {
      const value = (row as Record<string, unknown>)[column.key];
      return (column.format ?? formatCell)(value);
    })
  );
  const numeric = columns.map((column) =>
    rows.length > 0 &&
    rows.every((row) => {
      const value = (row as Record<string, unknown>)[column.key];
      return typeof value === "number" || value === undefined || value === null;
    })
  );
  const labels = columns.map((column) => column.label ?? column.key);
  return {
    markdown: markdownTable(labels, cells, numeric, options.caption),
    html: htmlTable(labels, cells, numeric, options.caption),
    text: textTable(labels, cells, numeric, options.caption),
  };
}

/** Default cell text: short numbers, empty for missing, JSON for objects. */
export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) {
      return String(value);
    }
    if (Math.abs(value) >= 1000) return value.toFixed(1);
    return String(Number(value.toPrecision(4)));
  }
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function resolveColumns(
  rows: readonly object[],
  columns: TableOptions["columns"],
): TableColumn[] {
  if (columns) {
    if (columns.length === 0) throw new Error("table: columns is empty");
    return columns.map((column) =>
      typeof column === "string" ? { key: column } : column
    );
  }
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) keys.add(key);
  return [...keys].map((key) => ({ key }));
}

function markdownTable(
  labels: string[],
  cells: string[][],
  numeric: boolean[],
  caption?: string,
): string {
  const escape = (text: string) =>
    text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
  const line = (values: string[]) => `| ${values.map(escape).join(" | ")} |`;
  const rule = `|${numeric.map((n) => (n ? " ---: " : " --- ")).join("|")}|`;
  const table = [line(labels), rule, ...cells.map(line)].join("\n");
  return caption ? `${escape(caption)}\n\n${table}` : table;
}

function htmlTable(
  labels: string[],
  cells: string[][],
  numeric: boolean[],
  caption?: string,
): string {
  const align = (index: number) =>
    numeric[index] ? ' style="text-align:right"' : ' style="text-align:left"';
  const head = labels.map((label, i) =>
    `<th${align(i)}>${escapeHtml(label)}</th>`
  )
    .join("");
  const body = cells.map((row) =>
    `<tr>${
      row.map((cell, i) => `<td${align(i)}>${escapeHtml(cell)}</td>`).join("")
    }</tr>`
  ).join("");
  const captionHtml = caption
    ? `<caption>${escapeHtml(caption)}</caption>`
    : "";
  return `<table>${captionHtml}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function textTable(
  labels: string[],
  cells: string[][],
  numeric: boolean[],
  caption?: string,
): string {
  const flat = (text: string) => text.replace(/\r?\n/g, " ");
  const widths = labels.map((label, i) =>
    Math.max(label.length, ...cells.map((row) => flat(row[i]).length))
  );
  const line = (values: string[]) =>
    values.map((value, i) =>
      numeric[i]
        ? flat(value).padStart(widths[i])
        : flat(value).padEnd(widths[i])
    ).join("  ").trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  const table = [line(labels), rule, ...cells.map(line)].join("\n");
  return caption ? `${caption}\n${table}` : table;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;")
    .replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
