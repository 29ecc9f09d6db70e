/**
 * Runs one of the repo's scripts (`deno run -A <script> …args`) or tasks
 * (`deno task <name> …args`) from the repo root, as a user runs them, and
 * returns the exit code and output; and a small pool to run many at once
 * without swamping a machine of few cores.
 *
 * @module
 */

/** The repo root, with a trailing slash. */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** What a script run printed. */
export interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `script` (a path from the repo root) with `args` and extra `env`. */
export async function runScript(
  script: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<ScriptRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: REPO_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

/** Runs `deno task -q <name> …args` from the repo root (-q: no "Task …" header). */
export async function runTask(
  name: string,
  args: readonly string[] = [],
  env: Record<string, string> = { NO_COLOR: "1" },
): Promise<ScriptRun> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", name, ...args],
    cwd: REPO_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

/** `work` over `items`, at most `limit` at a time, results in order. */
export async function pool<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  limit = 4,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
