/**
 * The three kinds of failure a task can end with, and how to tell them
 * apart: a command line it cannot run (usage, exit 2), input the user can
 * fix — a config, data file or folder that is missing or malformed (exit 1,
 * one line naming the file, field or line) — and a bug in tunebook (the only
 * kind that shows a stack).
 *
 * lib code throws {@link UsageError} and {@link InputError} where it knows
 * which one it is, and a plain `Error` with the file or field in its message
 * elsewhere; {@link errorKind} sorts everything else by its class.
 *
 * @module
 */

/** A command line the task cannot run: an unknown flag, a bad or missing value. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Input the user can fix: a config, data file or folder that is missing or
 * malformed. The message names the file (and field or line).
 */
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InputError";
  }
}

/**
 * A run stopped by SIGINT or SIGTERM after saving what it needs to resume;
 * the message says how to resume. Shown as one line, like input errors, and
 * exits with the status a shell gives a process ended by the signal.
 */
export class Interrupted extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
    this.name = "Interrupted";
  }
}

/** How a failure reaches the user: see the module header. */
export type ErrorKind = "usage" | "input" | "bug";

/**
 * The kind of a thrown value: {@link UsageError} is usage; {@link InputError},
 * Deno's I/O errors (`NotFound`, `PermissionDenied`, …), `SyntaxError` (what
 * `JSON.parse` throws for a malformed file) and a plain `Error` (lib's errors
 * that name their file or field) are input; JavaScript's `TypeError`,
 * `RangeError`, `ReferenceError`, assertion failures and thrown non-errors
 * are bugs.
 */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof UsageError) return "usage";
  if (!(error instanceof Error)) return "bug";
  if (error instanceof InputError || isDenoIoError(error)) return "input";
  // JavaScript's own classes for code that went wrong (a property of
  // undefined, an invalid array length), and failed assertions.
  const bug = error instanceof TypeError || error instanceof RangeError ||
    error instanceof ReferenceError || error instanceof EvalError ||
    error.name === "AssertionError";
  return bug ? "bug" : "input";
}

/** The exit status of a task that failed with `error`. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof Interrupted) return error.exitCode;
  return errorKind(error) === "usage" ? 2 : 1;
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isDenoIoError(error: Error): boolean {
  return typeof Deno !== "undefined" &&
    Object.values(Deno.errors).some((cls) => error instanceof cls);
}
