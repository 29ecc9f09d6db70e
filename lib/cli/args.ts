/**
 * Small command-line helpers the task entry points share: a usage error
 * that names the task and prints the usage line, and integer options that
 * say which flag was wrong.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** `fail` and `integer` bound to one task's name and usage line. */
export function cliHelpers(task: string, usage: string) {
  /** Prints `task: message` (plus the usage for code 2) and exits. */
  const fail = (message: string, code = 2): never => {
    console.error(`${task}: ${message}${code === 2 ? `\n${usage}` : ""}`);
    Deno.exit(code);
  };
  /** The integer value of `--name` (≥ min), or `fallback` when absent. */
  function integer(
    name: string,
    value: string | undefined,
    min: number,
  ): number | undefined;
  function integer(
    name: string,
    value: string | undefined,
    min: number,
    fallback: number,
  ): number;
  function integer(
    name: string,
    value: string | undefined,
    min: number,
    fallback?: number,
  ) {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      fail(`--${name} must be an integer >= ${min}, got "${value}"`);
    }
    return n;
  }
  /** Parses `Deno.args` with `options`; `--help` prints the usage, a bad flag is a usage error. */
  function parse<O extends ParseArgsOptionsConfig>(options: O) {
    if (Deno.args.includes("--help")) {
      console.log(usage);
      Deno.exit(0);
    }
    try {
      return parseArgs({ options }).values;
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  return { fail, integer, parse };
}
