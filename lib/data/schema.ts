/**
 * A small typed row validator: declare the fields a format needs, get typed
 * rows back or an error that names the file, the row and the field.
 *
 * ```ts
 * const schema = [
 *   field("question", "string"),
 *   field("score", "number", { optional: true }),
 * ] as const;
 * const rows = validateRows(await readRows("x.jsonl"), schema, "x.jsonl");
 * rows[0].question; // string
 * // x.jsonl line 3: field "question" must be a string, got number
 * ```
 *
 * @module
 */
import { describeType, isPlainObject, type Row, rowLocation } from "./rows.ts";

/** One chat turn. */
export interface Message {
  role: string;
  content: string;
}

/** Roles a chat template understands. */
export const MESSAGE_ROLES = ["system", "user", "assistant", "tool"];

/** What a field must hold, and the TypeScript type it becomes. */
export interface KindTypes {
  string: string;
  /** A number, or a string holding one (CSV cells are strings). */
  number: number;
  /** Like number, and whole. */
  integer: number;
  boolean: boolean;
  /** A non-empty list of `{role, content}` with string content. */
  messages: Message[];
  "string[]": string[];
  object: Row;
  any: unknown;
}

/** The kinds {@link field} accepts. */
export type FieldKind = keyof KindTypes;

/** A declared field; build with {@link field}. */
export interface FieldSpec<
  N extends string = string,
  K extends FieldKind = FieldKind,
  O extends boolean = boolean,
> {
  /** The name in the validated row. */
  name: N;
  kind: K;
  /** Missing, null or undefined is allowed (the key is then left out). */
  optional: O;
  /** Other column names accepted for this field, tried after `name`. */
  aliases: readonly string[];
}

/** Options of {@link field}. */
export interface FieldOptions<O extends boolean> {
  optional?: O;
  aliases?: readonly string[];
}

/** Declares a field `name` of kind `kind`. */
export function field<
  N extends string,
  K extends FieldKind,
  O extends boolean = false,
>(name: N, kind: K, options: FieldOptions<O> = {}): FieldSpec<N, K, O> {
  return {
    name,
    kind,
    optional: (options.optional ?? false) as O,
    aliases: options.aliases ?? [],
  };
}

/** The typed row a schema validates to. */
export type RowOf<S extends readonly FieldSpec[]> =
  & {
    [F in S[number] as F["optional"] extends true ? never : F["name"]]:
      KindTypes[F["kind"]];
  }
  & {
    [F in S[number] as F["optional"] extends true ? F["name"] : never]?:
      KindTypes[F["kind"]];
  };

/**
 * Checks every row against `schema` and returns new rows holding only the
 * schema's fields (under their declared names, whichever alias the data
 * used). `source` names the data in errors, e.g. the file path. Throws at
 * the first bad row.
 */
export function validateRows<S extends readonly FieldSpec[]>(
  rows: readonly Row[],
  schema: S,
  source: string,
): RowOf<S>[] {
  return rows.map((row, index) => validateRow(row, schema, source, index));
}

/** {@link validateRows} for one row; `index` counts from 0. */
export function validateRow<S extends readonly FieldSpec[]>(
  row: Row,
  schema: S,
  source: string,
  index: number,
): RowOf<S> {
  const where = `${source} ${rowLocation(row, index)}`;
  if (!isPlainObject(row)) {
    throw new Error(`${where}: expected an object, got ${describeType(row)}`);
  }
  const out: Row = {};
  for (const spec of schema) {
    const column = [spec.name, ...spec.aliases].find((name) =>
      row[name] !== undefined && row[name] !== null
    );
    if (column === undefined) {
      if (spec.optional) continue;
      const names = [spec.name, ...spec.aliases].map((n) => `"${n}"`);
      throw new Error(
        `${where}: field ${names.join(" or ")} is missing (columns: ${
          Object.keys(row).join(", ") || "none"
        })`,
      );
    }
    const problem = (path: string, message: string) =>
      new Error(`${where}: field "${path}" ${message}`);
    out[spec.name] = checkValue(row[column], spec.kind, column, problem);
  }
  return out as RowOf<S>;
}

type Problem = (path: string, message: string) => Error;

function checkValue(
  value: unknown,
  kind: FieldKind,
  path: string,
  problem: Problem,
): unknown {
  const got = () => `got ${describeValue(value)}`;
  switch (kind) {
    case "any":
      return value;
    case "string":
      if (typeof value !== "string") {
        throw problem(path, `must be a string, ${got()}`);
      }
      return value;
    case "number":
    case "integer": {
      const n = typeof value === "string" && value.trim() !== ""
        ? Number(value.trim().replaceAll(",", ""))
        : value;
      if (typeof n !== "number" || !Number.isFinite(n)) {
        throw problem(path, `must be a number, ${got()}`);
      }
      if (kind === "integer" && !Number.isInteger(n)) {
        throw problem(path, `must be a whole number, ${got()}`);
      }
      return n;
    }
    case "boolean":
      if (typeof value !== "boolean") {
        throw problem(path, `must be true or false, ${got()}`);
      }
      return value;
    case "object":
      if (!isPlainObject(value)) {
        throw problem(path, `must be an object, ${got()}`);
      }
      return value;
    case "string[]":
      if (!Array.isArray(value)) {
        throw problem(path, `must be a list of strings, ${got()}`);
      }
      value.forEach((item, i) =>
        checkValue(item, "string", `${path}[${i}]`, problem)
      );
      return value;
    case "messages":
      return checkMessages(value, path, problem);
  }
}

function checkMessages(
  value: unknown,
  path: string,
  problem: Problem,
): Message[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw problem(
      path,
      `must be a non-empty list of {role, content} messages, got ${
        describeValue(value)
      }`,
    );
  }
  return value.map((message, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(message)) {
      throw problem(
        at,
        `must be a {role, content} object, got ${describeValue(message)}`,
      );
    }
    const { role, content } = message;
    if (typeof role !== "string") {
      throw problem(
        `${at}.role`,
        `must be a string, got ${describeValue(role)}`,
      );
    }
    if (!MESSAGE_ROLES.includes(role)) {
      throw problem(
        `${at}.role`,
        `must be one of ${MESSAGE_ROLES.join(", ")}, got "${role}"`,
      );
    }
    if (typeof content !== "string") {
      throw problem(
        `${at}.content`,
        `must be a string, got ${describeValue(content)}`,
      );
    }
    return { role, content };
  });
}

function describeValue(value: unknown): string {
  const type = describeType(value);
  if (typeof value === "string") {
    const short = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `string ${JSON.stringify(short)}`;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return `${type} ${value}`;
  }
  return type;
}
