/**
 * Plain-text helpers shared by the data builders, the rewards and the
 * experiments: whitespace normalisation, word counts, and a sentence
 * splitter that knows common abbreviations.
 *
 * @module
 */

/** Collapses runs of whitespace to one space and trims. */
export function normaliseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Whitespace-separated word count. */
export function countWords(text: string): number {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/).length;
}

// Tokens whose final period does not end a sentence. Over-merging two
// sentences only makes a block longer; a wrong split would start a passage
// mid-sentence, so the list errs on the side of merging.
const ABBREVIATIONS = new Set(
  ("mr mrs ms dr st jr sr gen gov sen rep hon lt col capt adm messrs no nos " +
    "co inc vs art sec ft mt vol i.e e.g").split(" "),
);

/**
 * Splits prose into sentences at `.`, `!` or `?` (optionally followed by a
 * closing quote or bracket) before whitespace and a capital, digit or opening
 * quote — except after titles, initials and dotted abbreviations (`U.S.`).
 */
export function splitSentences(text: string): string[] {
  const pieces = normaliseWhitespace(text).split(
    /(?<=[.!?]["'”’)]?)\s+(?=["'“‘(]?[A-Z0-9])/,
  );
  const sentences: string[] = [];
  for (const piece of pieces) {
    const prev = sentences.at(-1);
    if (prev !== undefined && !endsSentence(prev)) {
      sentences[sentences.length - 1] = `${prev} ${piece}`;
    } else {
      sentences.push(piece);
    }
  }
  return sentences;
}

function endsSentence(sentence: string): boolean {
  if (!sentence.endsWith(".")) return true;
  const last = sentence.slice(sentence.lastIndexOf(" ") + 1, -1)
    .replace(/^["'“‘(]+/, "");
  if (/^[A-Z]$/.test(last)) return false; // an initial: "Harry S. Truman"
  if (/^([A-Za-z]\.)+[A-Za-z]$/.test(last)) return false; // "U.S.", "D.C."
  return !ABBREVIATIONS.has(last.toLowerCase());
}
