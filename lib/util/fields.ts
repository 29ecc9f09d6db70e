/**
 * Typed reading of JSON configuration objects, with errors that name the
 * file, the field path and what was expected — shared by model configs,
 * training configs and adapter configs.
 *
 * @module
 */
import { InputError } from "./errors.ts";
import { closestName } from "./suggest.ts";

/** A config value with a missing field, a wrong type or an unsupported setting. */
export class ConfigError extends InputError {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${source}: field "${field}" ${problem}`);
    this.name = "ConfigError";
  }
}

/** A JSON object. */
export type Json = Record<string, unknown>;

/**
 * Reads fields of one JSON object. `prefix` is the path of this object inside
 * the file (e.g. "lora."), so nested errors read `field "lora.r"`.
 */
export class FieldReader {
  constructor(
    readonly json: Json,
    readonly source: string,
    readonly prefix = "",
  ) {}

  /** A reader for an object-valued field, or null when absent. */
  static of(value: unknown, source: string, prefix = ""): FieldReader {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ConfigError(
        source,
        prefix.replace(/\.$/, "") || "(root)",
        `must be a JSON object, got ${JSON.stringify(value)}`,
      );
    }
    return new FieldReader(value as Json, source, prefix);
  }

  /** The error for `field` of this object. */
  error(field: string, problem: string): ConfigError {
    return new ConfigError(this.source, this.prefix + field, problem);
  }

  has(field: string): boolean {
    return this.json[field] !== undefined && this.json[field] !== null;
  }

  /** The object-valued `field` as a reader, or null when absent. */
  section(field: string): FieldReader | null {
    if (!this.has(field)) return null;
    return FieldReader.of(
      this.json[field],
      this.source,
      `${this.prefix}${field}.`,
    );
  }

  number(field: string, fallback?: number): number {
    const v = this.json[field];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw this.error(field, "is missing (expected a number)");
    }
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw this.error(
        field,
        `must be a finite number, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  }

  /** A number in [min, max]. */
  numberIn(field: string, min: number, max: number, fallback?: number): number {
    const v = this.number(field, fallback);
    if (v < min || v > max) {
      throw this.error(field, `must be between ${min} and ${max}, got ${v}`);
    }
    return v;
  }

  int(field: string, fallback?: number): number {
    const v = this.number(field, fallback);
    if (!Number.isInteger(v) || v < 0) {
      throw this.error(field, `must be a non-negative integer, got ${v}`);
    }
    return v;
  }

  positiveInt(field: string, fallback?: number): number {
    const v = this.int(field, fallback);
    if (v === 0) throw this.error(field, "must be at least 1");
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.json[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") {
      throw this.error(
        field,
        `must be true or false, got ${JSON.stringify(v)}`,
      );
    }
    return v;
  }

  string(field: string, fallback?: string): string {
    const v = this.json[field];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw this.error(field, "is missing (expected a string)");
    }
    if (typeof v !== "string") {
      throw this.error(field, `must be a string, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(
    field: string,
    allowed: readonly T[],
    fallback?: T,
  ): T {
    const v = this.string(field, fallback);
    if (!(allowed as readonly string[]).includes(v)) {
      throw this.error(
        field,
        `must be one of ${
          allowed.map((a) => JSON.stringify(a)).join(", ")
        }, got ${JSON.stringify(v)}`,
      );
    }
    return v as T;
  }

  /** A list of strings (a single string is accepted as a one-element list). */
  stringList(field: string, fallback?: string[]): string[] {
    const v = this.json[field];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw this.error(field, "is missing (expected a list of strings)");
    }
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => typeof x === "string")) {
      throw this.error(
        field,
        `must be a list of strings, got ${JSON.stringify(v)}`,
      );
    }
    return list as string[];
  }

  /**
   * Rejects fields outside `known` (catches typos such as "lerning_rate"),
   * naming the closest known one.
   */
  onlyKnown(known: readonly string[]): void {
    for (const key of Object.keys(this.json)) {
      if (!known.includes(key)) {
        const near = closestName(key, known);
        throw this.error(
          key,
          `is not a known setting here; known: ${known.join(", ")}${
            near ? `; did you mean "${this.prefix}${near}"?` : ""
          }`,
        );
      }
    }
  }
}
