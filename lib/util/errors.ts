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
 * are bugs — except the wasm heap running out ({@link heapExhausted}),
 * which is input: the user can lower the batch or the length.
 */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof UsageError) return "usage";
  if (!(error instanceof Error)) return "bug";
  if (heapExhausted(error)) return "input";
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

/** The message of any thrown value (with what to do, when the wasm heap ran out). */
export function messageOf(error: unknown): string {
  if (error instanceof Error && heapExhausted(error)) {
    return `the 4 GiB WebAssembly heap ran out (${
      error.message.split("\n")[0]
    }): lower per_device_train_batch_size or max_length, keep gradient_checkpointing on, train LoRA rather than every weight, or offload the frozen weights (a bigger model)`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether `error` is the wasm backend running out of its 4 GiB heap: an
 * allocation that failed inside wasm (`Aborted()`, a trap on the address
 * past the end) or a heap view past the heap's end.
 */
export function heapExhausted(error: Error): boolean {
  const wasmTrap = typeof WebAssembly !== "undefined" &&
    error instanceof WebAssembly.RuntimeError &&
    /memory access out of bounds|Aborted\(|out of memory/i.test(
      error.message,
    );
  const badView = error instanceof RangeError &&
    /Invalid typed array length|Array buffer allocation failed/.test(
      error.message,
    );
  return wasmTrap || badView;
}

function isDenoIoError(error: Error): boolean {
  return typeof Deno !== "undefined" &&
    Object.values(Deno.errors).some((cls) => error instanceof cls);
}
