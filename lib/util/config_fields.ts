/**
 * Config fields declared once, as TRL declares them
 * (`beta: float = field(default=0.0, metadata={"help": …})`): one entry per
 * field gives its JSON name (TRL's / PEFT's snake_case), the camelCase
 * property it maps to (the table's key: the one mapping place), its type and
 * range, its default and a one-line doc. From a table come the parser with a
 * typed result ({@link parseConfig}), the unknown-field error, and the
 * `--help` text and README tables (config_docs.ts).
 *
 *   const LORA_FIELDS = {
 *     r: field.integer("r", { min: 1, default: 8, doc: "LoRA rank" }),
 *     alpha: field.number("lora_alpha", { default: derived((c) => c.r, "r"), doc: "…" }),
 *   };
 *   type LoraSettings = ConfigOf<typeof LORA_FIELDS>;  // { r: number; alpha: number }
 *
 * @module
 */
import { FieldReader } from "./fields.ts";

/** The fields read before this one (a default may depend on them). */
export type ReadSoFar = Readonly<Record<string, unknown>>;

/** A default computed from fields declared earlier in the table. */
export interface Derived<T> {
  readonly derive: (config: ReadSoFar) => T;
  /** What the default is, for help and docs ("2e-4 with lora, else 2e-5"). */
  readonly doc: string;
}

/**
 * A field's default: a value, one {@link derived} from earlier fields,
 * "optional" (null when absent) or "required".
 */
export type Default<T> =
  | { readonly value: T }
  | Derived<T>
  | "optional"
  | "required";

/** One declared config field; `T` is the type of its parsed value. */
export interface Field<T> {
  /** The JSON name. */
  readonly json: string;
  /** One line for help and docs. */
  readonly doc: string;
  /** The type for help and docs, range included ("integer ≥ 1"). */
  readonly type: string;
  readonly default: Default<T>;
  /** A section's own fields. */
  readonly fields?: FieldTable;
  /** Reads the field, present or absent; `fallback` is the resolved default. */
  read(reader: FieldReader, fallback: T | undefined): T;
}

/** Fields by the camelCase property each maps to. */
export type FieldTable = Readonly<Record<string, Field<unknown>>>;

/** The parsed config of a table: each property with its field's type. */
export type ConfigOf<T extends FieldTable> = {
  -readonly [K in keyof T]: T[K] extends Field<infer V> ? V : never;
};

/** A whole config: its fields and the rules that span several of them. */
export interface ConfigSpec<T extends FieldTable> {
  /** What the config configures, for messages and docs ("SFT"). */
  readonly name: string;
  readonly fields: T;
  /** Cross-field rules, run after every field is read; throw `reader.error(…)`. */
  check?(config: ConfigOf<T>, reader: FieldReader): void;
}

/** Declares a config: an identity that keeps the table's types for `check`. */
export function defineConfig<T extends FieldTable>(
  spec: ConfigSpec<T>,
): ConfigSpec<T> {
  return spec;
}

/** A default computed from fields declared before this one. */
export function derived<T>(
  derive: (config: ReadSoFar) => T,
  doc: string,
): Derived<T> {
  return { derive, doc };
}

interface Common<T> {
  doc: string;
  /** Absent: required. null: optional, null when absent. */
  default?: T | Derived<T> | null;
}
interface NumberOptions extends Common<number> {
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive lower bound, for a value that must be more than it (a rate > 0). */
  above?: number;
}
interface IntegerOptions extends Common<number> {
  /** Inclusive lower bound, 0 (the default) or more. */
  min?: number;
}

type Opt<O, T> = O extends { default: null } ? T | null : T;

function defaultOf<T>(given: T | Derived<T> | null | undefined): Default<T> {
  if (given === undefined) return "required";
  if (given === null) return "optional";
  if (isDerived(given)) return given;
  return { value: given as T };
}

function isDerived<T>(x: unknown): x is Derived<T> {
  return typeof x === "object" && x !== null && "derive" in x && "doc" in x;
}

function make<T>(
  json: string,
  type: string,
  options: Common<T>,
  read: (reader: FieldReader, fallback: T | undefined) => T,
): Field<T> {
  return {
    json,
    type,
    doc: options.doc,
    default: defaultOf(options.default),
    read,
  };
}

function range(min?: number, max?: number, above?: number): string {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  if (above !== undefined) {
    return hi === Infinity
      ? ` > ${formatNumber(above)}`
      : ` in (${formatNumber(above)}, ${formatNumber(hi)}]`;
  }
  if (hi === Infinity) return lo === -Infinity ? "" : ` ≥ ${formatNumber(lo)}`;
  return ` in [${formatNumber(lo)}, ${formatNumber(hi)}]`;
}

/** A number as a config file would write it: 2e-5, 0.999, 1e6. */
export function formatNumber(x: number): string {
  const small = x !== 0 && Math.abs(x) < 1e-3, large = Math.abs(x) >= 1e5;
  return (small || large) && Number.isFinite(x)
    ? x.toExponential().replace("e+", "e")
    : String(x);
}

/** The constructors of fields, one per type. */
export const field = {
  /** A finite number, optionally within [min, max] and above `above`. */
  number<O extends NumberOptions>(json: string, o: O): Field<Opt<O, number>> {
    const bounded = o.min !== undefined || o.max !== undefined;
    return make(
      json,
      `number${range(o.min, o.max, o.above)}`,
      o,
      (r, fallback) => {
        if (o.above !== undefined) {
          const v = r.number(json, fallback), max = o.max ?? Infinity;
          if (!(v > o.above && v <= max)) {
            const upTo = max < Infinity ? ` and at most ${max}` : "";
            throw r.error(
              json,
              `must be greater than ${o.above}${upTo}, got ${v}`,
            );
          }
          return v;
        }
        return bounded
          ? r.numberIn(json, o.min ?? -Infinity, o.max ?? Infinity, fallback)
          : r.number(json, fallback);
      },
    ) as Field<Opt<O, number>>;
  },

  /** A whole number ≥ `min` (default 0). */
  integer<O extends IntegerOptions>(json: string, o: O): Field<Opt<O, number>> {
    const min = o.min ?? 0;
    return make(json, `integer${range(min)}`, o, (r, fallback) => {
      const v = min === 1
        ? r.positiveInt(json, fallback)
        : r.int(json, fallback);
      if (v < min) throw r.error(json, `must be at least ${min}, got ${v}`);
      return v;
    }) as Field<Opt<O, number>>;
  },

  /** true or false. */
  boolean(json: string, o: { doc: string; default: boolean }): Field<boolean> {
    return make(json, "boolean", o, (r, fallback) => r.bool(json, fallback!));
  },

  /** A string. */
  string<O extends Common<string>>(json: string, o: O): Field<Opt<O, string>> {
    return make(
      json,
      "string",
      o,
      (r, fallback) => r.string(json, fallback),
    ) as Field<
      Opt<O, string>
    >;
  },

  /** One of a fixed set of strings. */
  choice<const C extends readonly string[], O extends Common<C[number]>>(
    json: string,
    choices: C,
    o: O,
  ): Field<Opt<O, C[number]>> {
    return make(
      json,
      `one of ${choices.map((c) => `"${c}"`).join(", ")}`,
      o,
      (r, fallback) => r.oneOf(json, choices, fallback),
    ) as Field<Opt<O, C[number]>>;
  },

  /**
   * A list of strings (a single string reads as a one-element list), turned
   * into `T` by `to`.
   */
  stringList<T = string[]>(
    json: string,
    o: Common<string[]> & { to?: (list: string[]) => T },
  ): Field<T> {
    const to = o.to ?? ((list: string[]) => list as T);
    return {
      json,
      type: "string list",
      doc: o.doc,
      default: defaultOf(o.default),
      read: (r, fallback) =>
        to(r.stringList(json, fallback as string[] | undefined)),
    } as Field<T>;
  },

  /**
   * A list of finite numbers (a single number reads as a one-element
   * list), e.g. DPO's `loss_weights`.
   */
  numberList<O extends Common<number[]>>(
    json: string,
    o: O,
  ): Field<Opt<O, number[]>> {
    return make(json, "number list", o, (r, fallback) => {
      const v = r.json[json];
      if (v === undefined || v === null) {
        if (fallback !== undefined) return fallback;
        throw r.error(json, "is missing (expected a list of numbers)");
      }
      const list = Array.isArray(v) ? v : [v];
      if (!list.every((x) => typeof x === "number" && Number.isFinite(x))) {
        throw r.error(
          json,
          `must be a list of finite numbers, got ${JSON.stringify(v)}`,
        );
      }
      return list as number[];
    }) as Field<Opt<O, number[]>>;
  },

  /** A nested object with its own fields; null when absent. */
  section<T extends FieldTable>(
    json: string,
    fields: T,
    o: { doc: string },
  ): Field<ConfigOf<T> | null> {
    return {
      json,
      type: "object",
      doc: o.doc,
      default: "optional",
      fields,
      read: (r) => {
        const section = r.section(json);
        return section ? readFields(fields, section) : null;
      },
    };
  },

  /**
   * A non-empty list of objects, each read by `entry` (whose reader is
   * prefixed `json[i].`); `shape` shows an entry in messages and docs.
   */
  list<T>(
    json: string,
    o: { doc: string; shape: string; entry: (reader: FieldReader) => T },
  ): Field<T[]> {
    return {
      json,
      type: `list of ${o.shape}`,
      doc: o.doc,
      default: "required",
      read: (r) => {
        const list = r.json[json];
        if (!Array.isArray(list) || list.length === 0) {
          throw r.error(json, `must be a non-empty list of ${o.shape}`);
        }
        return list.map((item, i) =>
          o.entry(FieldReader.of(item, r.source, `${r.prefix}${json}[${i}].`))
        );
      },
    };
  },
};

/**
 * `table` with other defaults for some fields (a trainer's own defaults for
 * shared fields, as TRL's GRPOConfig overrides TrainingArguments').
 */
export function withDefaults<T extends FieldTable>(
  table: T,
  defaults: { [K in keyof T]?: ConfigOf<T>[K] | Derived<ConfigOf<T>[K]> },
): T {
  const out: Record<string, Field<unknown>> = { ...table };
  for (const [key, value] of Object.entries(defaults)) {
    out[key] = { ...table[key], default: defaultOf(value) };
  }
  return out as unknown as T;
}

/**
 * Reads every field of `table` from `reader`, in declaration order, after
 * refusing fields the table does not declare.
 */
export function readFields<T extends FieldTable>(
  table: T,
  reader: FieldReader,
): ConfigOf<T> {
  reader.onlyKnown(Object.values(table).map((f) => f.json));
  const config: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(table)) {
    const d = f.default;
    if (d === "optional") {
      config[key] = reader.has(f.json) ? f.read(reader, undefined) : null;
      continue;
    }
    const fallback = d === "required"
      ? undefined
      : "value" in d
      ? d.value
      : d.derive(earlier(config, f.json));
    config[key] = f.read(reader, fallback);
  }
  return config as ConfigOf<T>;
}

/**
 * The fields read so far; reading one not yet read is a mistake in the
 * table's order, caught here rather than silently read as undefined.
 */
function earlier(config: Record<string, unknown>, json: string): ReadSoFar {
  return new Proxy(config, {
    get(target, key) {
      if (typeof key === "string" && !(key in target)) {
        throw new Error(
          `the default of "${json}" reads "${key}", which is declared after it`,
        );
      }
      return Reflect.get(target, key);
    },
  });
}

/** Validates a parsed JSON config against `spec`; `source` names the file in errors. */
export function parseConfig<T extends FieldTable>(
  spec: ConfigSpec<T>,
  json: unknown,
  source: string,
): ConfigOf<T> {
  const reader = FieldReader.of(json, source);
  const config = readFields(spec.fields, reader);
  spec.check?.(config, reader);
  return config;
}
