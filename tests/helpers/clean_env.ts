/**
 * Runs a repo script as {@link runScript} does, but in an environment
 * without some variables (a child otherwise inherits every variable of
 * the test process): tests about a missing API key, or that must not reach
 * a real API with a developer's key.
 *
 * @module
 */
import { runScript, type ScriptRun } from "./run_script.ts";

/** The Gemini key variables (lib/gemini/settings.ts reads both). */
export const GEMINI_KEYS = ["GEMINI_API_KEY", "GOOGLE_API_KEY"] as const;

/** Runs `deno run -A script …args` with `env` added and the variables of `drop` removed. */
export function runScriptWithout(
  script: string,
  args: readonly string[],
  drop: readonly string[],
  env: Record<string, string> = {},
): Promise<ScriptRun> {
  return runScript(script, args, env, drop);
}
