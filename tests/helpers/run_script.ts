/**
 * Runs one of the repo's scripts (`deno run -A <script> …args`) from the
 * repo root, as a user runs a task, and returns its exit code and output.
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
