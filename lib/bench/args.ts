/**
 * Command line of `deno task bench`: `[group...] [--quick] [--out DIR]`.
 *
 * @module
 */

/** Parsed command line. */
export interface BenchArgs {
  /** Groups to run; empty means all. */
  groups: string[];
  quick: boolean;
  /** Results directory, when given. */
  outDir?: string;
  help: boolean;
}

/** Usage text for `--help` and for mistakes. */
export const USAGE = `usage: deno task bench [group...] [--quick] [--out DIR]

  group...   run only these groups (default: all)
  --quick    fewer repeats and smaller sizes (a smoke run, not a measurement)
  --out DIR  write <group>.json here (default: results/bench)
  --help     this text`;

/** Parses `args`; throws with the offending argument named. */
export function parseBenchArgs(args: readonly string[]): BenchArgs {
  const parsed: BenchArgs = { groups: [], quick: false, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--quick") parsed.quick = true;
    else if (arg === "--help" || arg === "-h") parsed.help = true;
    else if (arg === "--out" || arg.startsWith("--out=")) {
      const value = arg === "--out" ? args[++i] : arg.slice("--out=".length);
      if (!value || value.startsWith("--")) {
        throw new Error(`--out needs a directory (got ${value ?? "nothing"})`);
      }
      parsed.outDir = value;
    } else if (arg.startsWith("-")) {
      throw new Error(`unknown option "${arg}"`);
    } else parsed.groups.push(arg);
  }
  return parsed;
}
