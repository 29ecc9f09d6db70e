/**
 * Named moments at which a test can make the process kill itself with
 * SIGKILL, to prove that what is on disk at that moment resumes exactly
 * (a kill from outside cannot aim inside a checkpoint write).
 *
 *   TUNEBOOK_CRASH_AT=checkpoint:state@2 deno task grpo --config run.json
 *
 * kills the process the second time it reaches
 * `crashPoint("checkpoint:state")` (`@1` when no count is given). Without
 * the variable, which is how every real run goes, a point does nothing.
 *
 * @module
 */

const VARIABLE = "TUNEBOOK_CRASH_AT";

let wanted: { name: string; nth: number } | null | undefined;
let reached = 0;

/** Kills this process here if {@link VARIABLE} names this point and count. */
export function crashPoint(name: string): void {
  wanted ??= readWanted();
  if (wanted === null || wanted.name !== name) return;
  if (++reached < wanted.nth) return;
  Deno.kill(Deno.pid, "SIGKILL");
}

function readWanted(): { name: string; nth: number } | null {
  let value: string | undefined;
  try {
    value = Deno.env.get(VARIABLE);
  } catch {
    return null; // no permission to read the environment: not a test run
  }
  if (!value) return null;
  const [name, nth] = value.split("@");
  return { name, nth: nth === undefined ? 1 : Number(nth) };
}
