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

/** Runs `script` with `args`, writing `stdin` to its standard input (piped chat sessions); `cwd` defaults to the repo root. */
export async function runScriptWithInput(
  script: string,
  args: readonly string[],
  stdin: string,
  cwd: string = REPO_ROOT,
): Promise<ScriptRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

/**
 * Runs `script` (a path from the repo root) with `args` and extra `env`;
 * the variables named in `drop` are removed from what the child inherits
 * (tests about a missing API key, or that must not reach a real API with a
 * developer's key).
 */
export async function runScript(
  script: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  drop: readonly string[] = [],
): Promise<ScriptRun> {
  const inherited = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([k]) => !drop.includes(k)),
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: { ...inherited, ...env },
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
