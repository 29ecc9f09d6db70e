/**
 * Runs a repo script as {@link runScript} does, but in an environment
 * without some variables (a child otherwise inherits every variable of
 * the test process): tests about a missing API key, or that must not reach
 * a real API with a developer's key.
 *
 * @module
 */
import { REPO_ROOT, type ScriptRun } from "./run_script.ts";

/** The Gemini key variables (lib/gemini/settings.ts reads both). */
export const GEMINI_KEYS = ["GEMINI_API_KEY", "GOOGLE_API_KEY"] as const;

/** Runs `deno run -A script …args` with `env` added and the variables of `drop` removed. */
export async function runScriptWithout(
  script: string,
  args: readonly string[],
  drop: readonly string[],
  env: Record<string, string> = {},
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
