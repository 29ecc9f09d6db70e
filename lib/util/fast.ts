/**
 * Fast mode: CI executes every notebook with `TUNEBOOK_FAST=1`, and notebooks
 * (and experiments) shrink their work when it is on: fewer steps, smaller
 * sizes. Committed notebooks come from full runs.
 *
 * @module
 */

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["", "0", "false", "no", "off"]);

/** The environment variable that turns fast mode on. */
export const FAST_ENV = "TUNEBOOK_FAST";

/**
 * True when `TUNEBOOK_FAST` is set to 1/true/yes/on; false when it is unset
 * or 0/false/no/off. Any other value is an error rather than a guess.
 */
export function fastMode(): boolean {
  let raw: string | undefined;
  try {
    raw = Deno.env.get(FAST_ENV);
  } catch {
    return false; // no env permission: nobody asked for fast mode
  }
  const value = (raw ?? "").trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new Error(
    `${FAST_ENV}="${raw}" is not understood; use 1 (fast) or 0 (full)`,
  );
}
