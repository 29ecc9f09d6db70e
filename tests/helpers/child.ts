/**
 * A child Deno process running a few lines of code, for tests about what
 * happens between processes (locks, signals): start it, wait for a line it
 * prints, signal it, and see how it ended.
 *
 * @module
 */

/** A running child whose stdout can be awaited line by line. */
export interface Child {
  readonly process: Deno.ChildProcess;
  /** Resolves when the child has printed `line` (rejects if it ends first). */
  waitFor(line: string): Promise<void>;
  /** Everything printed so far. */
  readonly printed: string;
}

/**
 * Runs `code` (a module's text; `import` from `lib/` with {@link libUrl})
 * with `deno eval` and every permission.
 */
export function spawnCode(code: string): Child {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let printed = "";
  const waiting: { line: string; resolve: () => void }[] = [];
  const settle = () => {
    for (const w of waiting.filter((w) => printed.includes(`${w.line}\n`))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  };
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of process.stdout) {
      printed += decoder.decode(chunk, { stream: true });
      settle();
    }
  })();
  return {
    process,
    get printed() {
      return printed;
    },
    waitFor(line) {
      return new Promise((resolve, reject) => {
        waiting.push({ line, resolve });
        settle();
        done.then(() =>
          reject(new Error(`the child ended without printing "${line}"`))
        );
      });
    },
  };
}

/** The file URL of a module under lib/, for code given to {@link spawnCode}. */
export function libUrl(path: string): string {
  return new URL(`../../lib/${path}`, import.meta.url).href;
}
