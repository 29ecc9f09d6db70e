/**
 * Tagged answers: the tag pairs the reference projects ask for —
 * `<think>…</think><answer>…</answer>` (R1 style, finetuned-llama) and
 * `<reasoning>…</reasoning><answer>…</answer>` (ee596-fp) — and reading
 * them back out of a completion.
 *
 * ```ts
 * extractTagged("<answer> 42 </answer>", "answer"); // "42"
 * isStrictFormat("<think>6·7</think>\n<answer>42</answer>", "think"); // true
 * ```
 *
 * Regex flags, chosen on purpose:
 * - `s` (dotAll): reasoning spans lines, so `.` must match newlines (finetuned-llama's
 *   pattern lacked it, so every multi-line answer scored 0);
 * - no `m`: `^`/`$` anchor the whole completion, not a line;
 * - no `i`: tags are literal and case-sensitive, as the prompts spell them;
 * - lazy bodies plus an explicit "each tag exactly once" count, so a second
 *   `<answer>` block cannot hide inside the first match.
 *
 * @module
 */

/** Tag pairs by style. */
export const TAG_STYLES = {
  think: { reasoning: "think", answer: "answer" },
  reasoning: { reasoning: "reasoning", answer: "answer" },
} as const;

/** `"think"` (`<think>`, R1/finetuned-llama) or `"reasoning"` (`<reasoning>`, ee596-fp). */
export type TagStyle = keyof typeof TAG_STYLES;

/** The reasoning and answer tag names of `style`; an unknown style is an error. */
export function tagsOf(style: TagStyle): { reasoning: string; answer: string } {
  const tags = TAG_STYLES[style];
  if (!tags) {
    throw new Error(
      `unknown tag style ${JSON.stringify(style)} (use "think" or "reasoning")`,
    );
  }
  return tags;
}

/** How many times `needle` occurs in `text` (overlaps counted). */
export function occurrences(text: string, needle: string): number {
  let n = 0;
  for (
    let at = text.indexOf(needle);
    at >= 0;
    at = text.indexOf(needle, at + 1)
  ) n++;
  return n;
}

/**
 * The trimmed text inside `<tag>…</tag>` (the first such block, or the last
 * with `{ last: true }`), or null when there is none. Spans lines.
 */
export function extractTagged(
  text: string,
  tag: string,
  options: { last?: boolean } = {},
): string | null {
  if (!/^[A-Za-z][\w-]*$/.test(tag)) {
    throw new Error(`invalid tag name ${JSON.stringify(tag)}`);
  }
  const found = [...text.matchAll(new RegExp(`<${tag}>(.*?)</${tag}>`, "gs"))];
  if (found.length === 0) return null;
  return (options.last ? found.at(-1)! : found[0])[1].trim();
}

/**
 * True when the whole completion (surrounding whitespace aside) is
 * `<R>…</R>` then whitespace then `<answer>…</answer>`, each of the four tags
 * occurs exactly once, and the answer is not blank.
 */
export function isStrictFormat(
  text: string,
  style: TagStyle = "think",
): boolean {
  const { reasoning: r, answer: a } = tagsOf(style);
  const body = text.trim();
  for (const tag of [`<${r}>`, `</${r}>`, `<${a}>`, `</${a}>`]) {
    if (occurrences(body, tag) !== 1) return false;
  }
  const m = new RegExp(`^<${r}>.*?</${r}>\\s*<${a}>(.*?)</${a}>$`, "s").exec(
    body,
  );
  return m !== null && m[1].trim().length > 0;
}
