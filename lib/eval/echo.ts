/**
 * Prompt echo: how much of the topic's wording a completion repeats.
 *
 * gemma_haiku's RL-regular model raised its similarity score by copying the
 * topic's words into a haiku-shaped answer (Similarity 0.37, Haiku 0.09),
 * so every similarity number is reported next to this rate.
 *
 * ```ts
 * promptEcho("The quiet of a snowy forest at dawn.", "a snowy forest\nat dawn");
 * // 0.75: 3 of the topic's 4 content words (quiet, snowy, forest, dawn)
 * ```
 *
 * Words are runs of letters or digits, lowercased (so "city's" gives "city"
 * and "s"); content words are those of two or more characters that are not
 * in {@link STOPWORDS}. Matching is exact on word forms: no stemming, so
 * "forests" does not echo "forest".
 *
 * @module
 */

/**
 * Function words left out of the echo rate: articles, pronouns,
 * prepositions, conjunctions, auxiliaries and a few fillers. Short on
 * purpose; it only has to keep "the" and "of" from counting as copying.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an the and or but nor so yet if then than that this these those there " +
    "here of in on at by for with without from to into onto over under " +
    "above below up down out off about after before during through across " +
    "along around between among against toward towards upon within as " +
    "is are was were be been being am do does did doing done have has had " +
    "having will would shall should can could may might must not no " +
    "i me my mine we us our ours you your yours he him his she her hers " +
    "it its they them their theirs who whom whose which what when where " +
    "why how all any each every some such both either neither own same " +
    "very too just only also again once while until because since " +
    "one s t"
  ).split(" "),
);

/** Lowercased words (runs of letters or digits) of `text`. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The distinct content words of `text`, in order of first appearance. */
export function contentWords(text: string): string[] {
  return [
    ...new Set(
      words(text).filter((w) => w.length >= 2 && !STOPWORDS.has(w)),
    ),
  ];
}

/**
 * Share of the topic's distinct content words that appear among the
 * completion's words, in [0, 1]; `null` when the topic has no content
 * word (nothing could be echoed).
 */
export function promptEcho(topic: string, completion: string): number | null {
  const wanted = contentWords(topic);
  if (wanted.length === 0) return null;
  const present = new Set(words(completion));
  return wanted.filter((w) => present.has(w)).length / wanted.length;
}
