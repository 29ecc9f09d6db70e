/**
 * Documentation of a config from its field declarations
 * (config_fields.ts): a Markdown table for the README and the field list
 * of a task's `--help`, so neither can drift from the parser.
 *
 * @module
 */
import {
  type ConfigSpec,
  type Default,
  type FieldTable,
  formatNumber,
} from "./config_fields.ts";

/** One documented field; a section's fields are named `section.field`. */
export interface FieldRow {
  name: string;
  type: string;
  default: string;
  /** The default is a JSON value (shown as code), not a rule or "required". */
  literal: boolean;
  doc: string;
}

/** How a default reads in docs: a JSON value, a rule, "none" or "required". */
export function describeDefault(d: Default<unknown>): string {
  if (d === "required") return "required";
  if (d === "optional") return "none";
  if ("doc" in d) return d.doc;
  const v = d.value;
  return typeof v === "number" ? formatNumber(v) : JSON.stringify(v);
}

/** The rows of `table`, each section followed by its own fields. */
export function fieldRows(table: FieldTable, prefix = ""): FieldRow[] {
  return Object.values(table).flatMap((f) => [
    {
      name: prefix + f.json,
      type: f.type,
      default: describeDefault(f.default),
      literal: typeof f.default === "object" && "value" in f.default,
      doc: f.doc,
    },
    ...(f.fields ? fieldRows(f.fields, `${prefix}${f.json}.`) : []),
  ]);
}

/**
 * The fields of `spec` as a Markdown table, columns padded as `deno fmt`
 * pads them so the README it is written into stays formatted.
 */
export function fieldsMarkdown(spec: ConfigSpec<FieldTable>): string {
  const escape = (text: string) => text.replace(/\|/g, "\\|");
  const code = (text: string) => `\`${text}\``;
  const cells = [
    ["field", "type", "default", "meaning"],
    ...fieldRows(spec.fields).map((r) => [
      code(r.name),
      escape(r.type),
      r.literal ? code(r.default) : escape(r.default),
      escape(r.doc),
    ]),
  ];
  const widths = cells[0].map((_, i) =>
    Math.max(3, ...cells.map((row) => [...row[i]].length))
  );
  const line = (row: string[]) =>
    `| ${
      row.map((c, i) => c + " ".repeat(widths[i] - [...c].length)).join(" | ")
    } |`;
  return [
    line(cells[0]),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...cells.slice(1).map(line),
  ].join("\n");
}

/** The fields of `spec` for a terminal: name, type and default, then the doc. */
export function fieldsHelp(spec: ConfigSpec<FieldTable>): string {
  const rows = fieldRows(spec.fields);
  const width = Math.max(...rows.map((r) => r.name.length)) + 2;
  const given = (r: FieldRow) =>
    r.default === "required"
      ? "required"
      : r.default === "none"
      ? "optional"
      : `default ${r.default}`;
  return rows.map((r) =>
    `  ${r.name.padEnd(width)}${r.type}; ${given(r)}\n` +
    `  ${" ".repeat(width)}${r.doc}`
  ).join("\n");
}
