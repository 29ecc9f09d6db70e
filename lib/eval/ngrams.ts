/**
 * Words and n-grams as the reference implementations of the text metrics
 * split them: Python's `str.split()` whitespace and n-gram counters.
 *
 * @module
 */

/** Python's whitespace (`str.isspace()`), which `str.split()` splits on. */
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, "u");
const PY_TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`, "u");

/** Python's `text.rstrip()`: the text without trailing whitespace. */
export function stripTrailingWhitespace(text: string): string {
  return text.replace(PY_TRAILING_SPACE, "");
}

/** Python's `text.split()`: whitespace-separated words, no empty ones. */
export function whitespaceWords(text: string): string[] {
  return text.split(PY_SPACE_RUN).filter((w) => w.length > 0);
}

/** Counts of the n-grams of `tokens` (keys: tokens joined by a space). */
export function ngramCounts(
  tokens: readonly string[],
  n: number,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
