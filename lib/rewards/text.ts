/**
 * Small text helpers that reproduce Python's string semantics, so that the
 * reference-compatible rewards see exactly the tokens, lines and lengths the reference projects'
 * Python code saw.
 *
 * - Python's `str.split()` / `str.strip()` use `str.isspace()`, which differs
 *   from JavaScript's `\s` (Python counts U+001C–U+001F and U+0085, JavaScript
 *   counts U+FEFF).
 * - Python's `len(str)` counts code points; JavaScript's `.length` counts
 *   UTF-16 units.
 *
 * @module
 */

/** The characters `str.isspace()` accepts, as a regex character-class body. */
export const PY_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const SPLIT = new RegExp(`[${PY_WHITESPACE}]+`, "u");
const STRIP = new RegExp(`^[${PY_WHITESPACE}]+|[${PY_WHITESPACE}]+$`, "gu");

/** Python's `text.split()`: runs of whitespace separate, no empty items. */
export function pySplit(text: string): string[] {
  return text.split(SPLIT).filter((part) => part.length > 0);
}

/** Python's `text.strip()`. */
export function pyStrip(text: string): string {
  return text.replace(STRIP, "");
}

/** Python's `len(text)`: the number of code points. */
export function pyLen(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The non-empty lines of a completion as gemma_haiku reads them:
 * `[l.strip() for l in text.strip().split("\n") if l.strip()]`. Only `\n`
 * separates lines (a lone `\r` does not, as in gemma_haiku).
 */
export function seedLines(text: string): string[] {
  return pyStrip(text).split("\n").map(pyStrip).filter((l) => l.length > 0);
}

/** The first `max` characters of `text` on one line, for error messages. */
export function excerpt(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(
    flat.length > max ? `${flat.slice(0, max - 1)}…` : flat,
  );
}
