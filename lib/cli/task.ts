/**
 * The start of every task: its command line parsed from the declarations
 * (`--help` prints the help and exits 0; a bad flag is one line naming it,
 * exit 2), and from then on every uncaught error reaches the user as one
 * line with an exit status by its kind (lib/util/errors.ts): usage 2,
 * input 1, and only a bug shows its stack (exit 1).
 *
 *   const { values: args } = startTask(COMMAND);
 *   // … the task at top level; throw UsageError / InputError, or let lib throw
 *
 * The handler is global (the `error` and `unhandledrejection` events), so a
 * task's body stays plain top-level code. `TUNEBOOK_DEBUG=1` shows the stack
 * of every error.
 *
 * @module
 */
import { BACKEND_CHOICES } from "../engine/mod.ts";
import { errorKind, exitCodeOf, messageOf } from "../util/errors.ts";
import {
  type Command,
  type CommandLine,
  flag,
  type FlagTable,
  helpText,
  parseCommandLine,
} from "../util/flags.ts";

/**
 * Flags every task takes besides its own (a task that declares one of the
 * same name keeps its own). `--backend` sets `TUNEBOOK_BACKEND` for the
 * run, so every engine start in the task honours it.
 */
const COMMON_FLAGS = {
  backend: flag.choice(
    "tensor backend: auto (the fastest that starts), tensorflow (tfjs-node or -gpu, CUDA), wasm, cpu, webgpu (default: TUNEBOOK_BACKEND, else auto)",
    BACKEND_CHOICES,
  ),
};

/**
 * Parses `argv` for `command`, prints the help and exits on `--help`, and
 * routes every later uncaught error through {@link exitWithError}.
 */
export function startTask<F extends FlagTable>(
  command: Command<F>,
  argv: readonly string[] = Deno.args,
): Omit<CommandLine<F>, "help"> {
  globalThis.addEventListener("error", (event) => {
    event.preventDefault();
    exitWithError(command.name, event.error);
  });
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    exitWithError(command.name, event.reason);
  });
  const withCommon = {
    ...command,
    flags: { ...COMMON_FLAGS, ...command.flags },
  };
  let line: CommandLine<typeof withCommon.flags>;
  try {
    line = parseCommandLine(withCommon, argv);
  } catch (error) {
    exitWithError(command.name, error);
  }
  if (line.help) {
    console.log(helpText(withCommon));
    Deno.exit(0);
  }
  if (!("backend" in command.flags) && line.values.backend !== undefined) {
    Deno.env.set("TUNEBOOK_BACKEND", String(line.values.backend));
  }
  return {
    values: line.values as CommandLine<F>["values"],
    positionals: line.positionals,
  };
}

/** Prints `error` for the user as its kind asks and exits with its status. */
export function exitWithError(task: string, error: unknown): never {
  const kind = errorKind(error);
  const message = messageOf(error);
  if (kind === "usage") {
    console.error(`${task}: ${message} (see deno task ${task} --help)`);
  } else if (kind === "input") console.error(`${task}: ${message}`);
  else {
    console.error(
      `${task}: internal error (a bug in tunebook): ${stackOf(error)}`,
    );
  }
  if (kind !== "bug" && debugging()) console.error(stackOf(error));
  Deno.exit(exitCodeOf(error));
}

function stackOf(error: unknown): string {
  return error instanceof Error && error.stack ? error.stack : String(error);
}

function debugging(): boolean {
  try {
    return Deno.env.get("TUNEBOOK_DEBUG") === "1";
  } catch {
    return false; // no env permission: nobody asked
  }
}
