/**
 * Reading a request: the body as one JSON object within a size limit (413
 * past it, 400 when it is not JSON or not an object), and typed fields that
 * name themselves when they are wrong (`"max_tokens must be an integer ≥ 0,
 * got -3"`). `null` counts as absent, as in vLLM's optional fields, and
 * fields nobody reads are ignored (vLLM's `extra="allow"`).
 *
 * @module
 */
import { ApiError, badRequest } from "./api_error.ts";

/** The request body as a JSON object; `maxBytes` bounds what is read. */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const tooLarge = () =>
    new ApiError(
      413,
      `the request body is larger than ${maxBytes} bytes (--max-body-bytes)`,
    );
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw badRequest(
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest("the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** `value` as an error message shows it: scalars as JSON, containers by kind. */
export function typeName(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  return JSON.stringify(value) ?? String(value);
}

/** Typed readers of one JSON object's fields; every error names its field. */
export class Fields {
  constructor(readonly body: Record<string, unknown>, readonly prefix = "") {}

  /** The raw value of `name`, undefined when absent or null. */
  raw(name: string): unknown {
    const value = this.body[name];
    return value === null ? undefined : value;
  }

  /** Whether `name` is present (and not null). */
  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** A 400 for field `name`: "`name` must be …, got …". */
  wrong(name: string, rule: string, value = this.raw(name)): ApiError {
    return badRequest(
      `${this.prefix}${name} must be ${rule}, got ${typeName(value)}`,
      this.prefix + name,
    );
  }

  /** A string. */
  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw this.wrong(name, "a string");
    return value;
  }

  /** true or false. */
  boolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") throw this.wrong(name, "true or false");
    return value;
  }

  /** A safe integer in [min, max]. */
  integer(
    name: string,
    min = Number.MIN_SAFE_INTEGER,
    max = Number.MAX_SAFE_INTEGER,
  ): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (
      typeof value !== "number" || !Number.isSafeInteger(value) ||
      value < min || value > max
    ) {
      throw this.wrong(name, `an integer${rangeText(min, max)}`);
    }
    return value;
  }

  /** A finite number accepted by `ok`, described by `rule`. */
  number(
    name: string,
    ok: (x: number) => boolean,
    rule: string,
  ): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value) || !ok(value)) {
      throw this.wrong(name, `a number ${rule}`);
    }
    return value;
  }

  /** A string or a list of strings, as a list. */
  strings(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value === "string") return [value];
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
      return value as string[];
    }
    throw this.wrong(name, "a string or a list of strings");
  }

  /** A list of integers in [min, max]. */
  integers(name: string, min: number, max: number): number[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (
      !Array.isArray(value) || !value.every((v) => isIntegerIn(v, min, max))
    ) {
      throw this.wrong(name, `a list of integers${rangeText(min, max)}`);
    }
    return value as number[];
  }
}

/** Whether `value` is an integer in [min, max]. */
export function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) &&
    value >= min && value <= max;
}

function rangeText(min: number, max: number): string {
  if (max === Number.MAX_SAFE_INTEGER) {
    return min === Number.MIN_SAFE_INTEGER ? "" : ` ≥ ${min}`;
  }
  return ` in [${min}, ${max}]`;
}
