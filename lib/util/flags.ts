/**
 * Command-line options declared once — name, type, default, one-line doc —
 * and from the declarations: the parser with typed values, errors that name
 * the flag ({@link UsageError}), and the usage line and `--help` text.
 *
 *   const SCORE = {
 *     name: "score",
 *     summary: "per-token log-probs and perplexity of text under a model",
 *     flags: {
 *       model: flag.string("model folder or hub id", { arg: "M", required: true }),
 *       chunk: flag.integer("positions scored per forward pass", { min: 1 }),
 *     },
 *   } satisfies Command;
 *   const { values } = parseCommandLine(SCORE, Deno.args); // values.chunk: number | undefined
 *
 * @module
 */
import { UsageError } from "./errors.ts";
import { closestName } from "./suggest.ts";

/** One declared option; `T` is the type of its value. */
export interface Flag<T> {
  readonly doc: string;
  /** The value's placeholder in usage ("FILE", "N"); absent for switches. */
  readonly arg?: string;
  readonly required: boolean;
  /** The default as help shows it. */
  readonly shownDefault?: string;
  /** The flag may be given more than once (help says so); `parse` gets every text. */
  readonly repeatable?: boolean;
  /**
   * The value of `--name` given `text`, the last text given (undefined: the
   * flag is absent), and `all`, every text given in order.
   */
  parse(text: string | undefined, name: string, all: readonly string[]): T;
}

/** Options by their flag name (`"max-new-tokens"` for `--max-new-tokens`). */
export type FlagTable = Readonly<Record<string, Flag<unknown>>>;

/** The values of a table's flags. */
export type FlagValues<F extends FlagTable> = {
  -readonly [K in keyof F]: F[K] extends Flag<infer V> ? V : never;
};

/** A task's command line. */
export interface Command<F extends FlagTable = FlagTable> {
  /** The task's name, as in `deno task <name>`. */
  readonly name: string;
  /** One line: what the task does. */
  readonly summary: string;
  readonly flags: F;
  /** Arguments without a flag (paths, groups); refused when absent. */
  readonly positionals?: { readonly arg: string; readonly doc: string };
  /** More help after the options (examples, config fields). */
  readonly more?: () => string;
}

/** A parsed command line. */
export interface CommandLine<F extends FlagTable> {
  values: FlagValues<F>;
  positionals: string[];
  /** `--help` or `-h` was given (nothing else is checked then). */
  help: boolean;
}

interface ValueOptions<T> {
  /** Placeholder in usage (default per type). */
  arg?: string;
  default?: T;
  /** Absent is a usage error. */
  required?: boolean;
}
type Opt<O, T> = O extends { default: unknown } | { required: true } ? T
  : T | undefined;

/**
 * A flag whose text is turned into a value by `convert` (which throws a
 * {@link UsageError} for bad text); absent: the default, or a usage error
 * when required.
 */
function valued<T>(
  doc: string,
  arg: string,
  o: ValueOptions<T>,
  convert: (text: string, name: string) => T,
  shown = o.default === undefined ? undefined : String(o.default),
): Flag<T | undefined> {
  return {
    doc,
    arg: o.arg ?? arg,
    required: o.required ?? false,
    shownDefault: shown,
    parse(text, name) {
      if (text === undefined) {
        if (o.required) throw new UsageError(`--${name} is required`);
        return o.default;
      }
      return convert(text, name);
    },
  };
}

/** A usage error unless `ok`; the value otherwise. */
function check<T>(ok: boolean, value: T, message: string): T {
  if (!ok) throw new UsageError(message);
  return value;
}

/** The constructors of flags, one per type. */
export const flag = {
  /** A switch: true when given. */
  boolean(doc: string): Flag<boolean> {
    return { doc, required: false, parse: (text) => text !== undefined };
  },

  /** Any text. */
  string<O extends ValueOptions<string>>(
    doc: string,
    o: O = {} as O,
  ): Flag<Opt<O, string>> {
    return valued(doc, "TEXT", o, (text) => text) as Flag<Opt<O, string>>;
  },

  /** A whole number in [min, max] (min default 0). */
  integer<O extends ValueOptions<number> & { min?: number; max?: number }>(
    doc: string,
    o: O = {} as O,
  ): Flag<Opt<O, number>> {
    const min = o.min ?? 0, max = o.max ?? Number.MAX_SAFE_INTEGER;
    return valued(doc, "N", o, (text, name) => {
      const n = Number(text);
      return check(
        text.trim() !== "" && Number.isSafeInteger(n) && n >= min && n <= max,
        n,
        `--${name} must be an integer ${
          o.max === undefined ? `≥ ${min}` : `in [${min}, ${max}]`
        }, got "${text}"`,
      );
    }) as Flag<Opt<O, number>>;
  },

  /** A finite number, optionally > `above` (exclusive) or ≥ `min`. */
  number<O extends ValueOptions<number> & { above?: number; min?: number }>(
    doc: string,
    o: O = {} as O,
  ): Flag<Opt<O, number>> {
    const rule = o.above !== undefined
      ? ` > ${o.above}`
      : o.min !== undefined
      ? ` ≥ ${o.min}`
      : "";
    return valued(doc, "X", o, (text, name) => {
      const n = Number(text);
      const ok = text.trim() !== "" && Number.isFinite(n) &&
        (o.above === undefined || n > o.above) &&
        (o.min === undefined || n >= o.min);
      return check(ok, n, `--${name} must be a number${rule}, got "${text}"`);
    }) as Flag<Opt<O, number>>;
  },

  /** One of a fixed set of words. */
  choice<
    const C extends readonly string[],
    O extends ValueOptions<C[number]>,
  >(doc: string, choices: C, o: O = {} as O): Flag<Opt<O, C[number]>> {
    return valued(
      doc,
      choices.join("|"),
      o,
      (text, name) =>
        check(
          choices.includes(text),
          text,
          `--${name} must be one of ${choices.join(", ")}, got "${text}"`,
        ),
    ) as Flag<Opt<O, C[number]>>;
  },

  /**
   * A flag that may be given several times (`--adapter a=x --adapter b=y`):
   * each text read by `read`, which throws for bad text (its message becomes
   * the usage error, prefixed with the flag); absent: an empty list.
   */
  list<T>(
    doc: string,
    read: (text: string) => T,
    o: { arg: string },
  ): Flag<T[]> {
    return {
      doc,
      arg: o.arg,
      required: false,
      repeatable: true,
      parse(_text, name, all) {
        return all.map((text) => {
          try {
            return read(text);
          } catch (error) {
            throw new UsageError(`--${name}: ${(error as Error).message}`);
          }
        });
      },
    };
  },

  /**
   * A value read by `read`, which throws for bad text; its message becomes
   * the usage error (prefixed with the flag).
   */
  parsed<T, O extends ValueOptions<T>>(
    doc: string,
    read: (text: string) => T,
    o: O & { arg: string },
  ): Flag<Opt<O, T>> {
    return valued(doc, o.arg, o, (text, name) => {
      try {
        return read(text);
      } catch (error) {
        throw new UsageError(`--${name}: ${(error as Error).message}`);
      }
    }) as Flag<Opt<O, T>>;
  },
};

const HELP = new Set(["--help", "-h"]);

/** How a value is described when it is missing. */
function needs(arg: string | undefined): string {
  if (arg === "DIR") return "a directory";
  if (arg === "FILE") return "a file";
  if (arg === "N") return "an integer";
  if (arg === "X") return "a number";
  return `a value (${arg})`;
}

/**
 * Parses `argv` against `command`: `--name value` or `--name=value`,
 * switches without a value, positionals where the command takes them, and
 * everything after `--` as positionals. Throws {@link UsageError} naming the
 * flag for an unknown option, a missing or bad value, or a stray argument.
 */
export function parseCommandLine<F extends FlagTable>(
  command: Command<F>,
  argv: readonly string[],
): CommandLine<F> {
  const end = argv.indexOf("--");
  const options = end < 0 ? argv : argv.slice(0, end);
  if (options.some((a) => HELP.has(a))) {
    return { values: {} as FlagValues<F>, positionals: [], help: true };
  }
  const texts = new Map<string, string[]>();
  const add = (name: string, text: string) =>
    texts.set(name, [...texts.get(name) ?? [], text]);
  const positionals: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const arg = options[i];
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(
      arg.startsWith("--") ? 2 : 1,
      eq < 0 ? undefined : eq,
    );
    const spec = arg.startsWith("--") ? command.flags[name] : undefined;
    if (!spec) {
      throw unknownOption(command, arg.slice(0, eq < 0 ? undefined : eq));
    }
    if (!spec.arg) {
      if (eq >= 0) {
        throw new UsageError(`--${name} takes no value, got "${arg}"`);
      }
      add(name, "");
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : options[i + 1];
    if (value === undefined || (eq < 0 && value.startsWith("--"))) {
      throw new UsageError(`--${name} needs ${needs(spec.arg)}`);
    }
    if (eq < 0) i++;
    add(name, value);
  }
  if (end >= 0) positionals.push(...argv.slice(end + 1));
  if (positionals.length && !command.positionals) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`);
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(command.flags)) {
    const all = texts.get(name) ?? [];
    values[name] = spec.parse(all.at(-1), name, all);
  }
  return { values: values as FlagValues<F>, positionals, help: false };
}

function unknownOption(command: Command, option: string): UsageError {
  const near = closestName(
    option.replace(/^-+/, ""),
    Object.keys(command.flags),
  );
  return new UsageError(
    `unknown option "${option}"${near ? `; did you mean "--${near}"?` : ""}`,
  );
}

/** `usage: deno task <name> <required flags> [options] [positionals]`. */
export function usageLine(command: Command): string {
  const required = Object.entries(command.flags)
    .filter(([, f]) => f.required)
    .map(([name, f]) => `--${name} ${f.arg}`);
  const optional = Object.values(command.flags).some((f) => !f.required);
  return [
    `usage: deno task ${command.name}`,
    ...required,
    ...(optional ? ["[options]"] : []),
    ...(command.positionals ? [command.positionals.arg] : []),
  ].join(" ");
}

/** The usage line, the summary, every option with its doc and default, and `more`. */
export function helpText(command: Command): string {
  const rows: [string, string][] = Object.entries(command.flags).map((
    [name, f],
  ) => [
    `--${name}${f.arg ? ` ${f.arg}` : ""}`,
    f.doc +
    (f.repeatable ? " (repeatable)" : "") +
    (f.required
      ? " (required)"
      : f.shownDefault !== undefined
      ? ` (default ${f.shownDefault})`
      : ""),
  ]);
  if (command.positionals) {
    rows.unshift([command.positionals.arg, command.positionals.doc]);
  }
  rows.push(["--help", "print this help and exit"]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const more = command.more?.();
  return [
    usageLine(command),
    "",
    command.summary,
    "",
    "options:",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    ...(more ? ["", more] : []),
  ].join("\n");
}
