/**
 * Syllable counting for the haiku rewards.
 *
 * Source of truth: the CMU Pronouncing Dictionary (see `cmudict.ts`): a word's
 * count is the number of vowel phones in its first pronunciation. Words the
 * dictionary lacks fall back to a small, explainable spelling rule
 * (`ruleSyllables`), and numerals are spelled out first. Every count says
 * which source produced it.
 *
 * Unlike gemma_haiku (pyphen hyphenation points, which under-count words such as
 * "every" or "idea"), this counts pronounced syllables.
 *
 * @module
 */

import { cmuSyllables } from "./cmudict.ts";

/** Where a word's syllable count came from. */
export type SyllableSource = "cmu" | "rule";

/** The syllable count of one word and where it came from. */
export interface WordSyllables {
  /** Number of syllables (0 for a token with no letters or digits, such as "—"). */
  count: number;
  /**
   * "rule" when any part needed the fallback rule or was a numeral; otherwise
   * "cmu" (every part found in CMUdict, or nothing to count, as in "—").
   */
  source: SyllableSource;
}

/** The line pattern of a haiku. */
export const HAIKU_PATTERN: readonly number[] = [5, 7, 5];

// Typographic apostrophes and backticks all mean "'" for lookup ("don’t").
const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4]/g;
// Anything that is not a letter, digit, apostrophe or period separates words
// inside a token: hyphens and dashes of compounds, slashes, commas, quotes.
// A run of periods ("wait...then") separates too.
const SEPARATORS = /[^\p{L}\p{N}'.]+|\.{2,}/u;
const EDGE_MARKS = /^['.]+|['.]+$/g;

/**
 * The syllable count of a word or token.
 *
 * Case is ignored; punctuation around the word is dropped; internal
 * apostrophes are kept ("don't" is looked up as such); hyphenated or
 * slash-joined compounds are the sum of their parts ("rain-soaked" = 2);
 * numerals are spelled out ("42" = forty-two = 3). Each part is looked up in
 * CMUdict first and counted by `ruleSyllables` only when absent.
 */
export function countWordSyllables(word: string): WordSyllables {
  const cached = memo.get(word);
  if (cached) return cached;
  const normalised = word.normalize("NFC").toLowerCase().replace(
    APOSTROPHES,
    "'",
  );
  let count = 0;
  let source: SyllableSource = "cmu";
  for (const part of normalised.split(SEPARATORS)) {
    if (part.length === 0) continue;
    const one = countPart(part);
    count += one.count;
    if (one.source === "rule") source = "rule";
  }
  const result = { count, source };
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(word, result);
  return result;
}

// Rewards call this on every word of thousands of completions; most words
// repeat. The bound keeps memory flat when a model emits endless novel tokens.
const MEMO_LIMIT = 100_000;
const memo = new Map<string, WordSyllables>();

function countPart(part: string): WordSyllables {
  // Forms with edge apostrophes or periods exist in CMU ("'tis", "a.m.").
  const direct = cmuSyllables(part);
  if (direct !== undefined) return { count: direct, source: "cmu" };
  const core = part.replace(EDGE_MARKS, "");
  if (core.length === 0) return { count: 0, source: "cmu" };
  // "café" is listed as "cafe": retry without diacritics.
  const plain = core.normalize("NFD").replace(/\p{M}/gu, "");
  const found = cmuSyllables(core) ?? cmuSyllables(core + ".") ??
    (plain === core ? undefined : cmuSyllables(plain));
  if (found !== undefined) return { count: found, source: "cmu" };
  if (/\d/.test(core)) return { count: numeralSyllables(core), source: "rule" };
  if (core.includes(".")) {
    // "end.then": a missing space after a full stop.
    let count = 0;
    let source: SyllableSource = "cmu";
    for (const piece of core.split(".")) {
      if (piece.length === 0) continue;
      const one = countPart(piece);
      count += one.count;
      if (one.source === "rule") source = "rule";
    }
    return { count, source };
  }
  return { count: possessiveOrRule(core), source: "rule" };
}

function possessiveOrRule(core: string): number {
  // "heron's" or "herons'" when only "heron"/"herons" is listed: the 's adds a
  // syllable only after a sibilant ("fox's").
  const m = /^(.+?)'s?$/.exec(core);
  if (m) {
    const base = cmuSyllables(m[1]) ?? ruleSyllables(m[1]);
    const sibilant = core.endsWith("'s") && /(s|x|z|ch|sh|ce|ge)$/.test(m[1]);
    return base + (sibilant ? 1 : 0);
  }
  return ruleSyllables(core);
}

/**
 * The spelling rule used for words CMUdict does not list. On lower-case
 * letters (diacritics and other characters removed), `y` counting as a vowel
 * except word-initially and `u` after `q` as a consonant:
 *
 * 1. count groups of adjacent vowels;
 * 2. a final `e` after a consonant is silent ("stone" = 1), except in
 *    consonant + `le` ("table" = 2), where the `l` is syllabic;
 * 3. final `es` after a consonant is silent ("stones" = 1), except after a
 *    sibilant (s, x, z, ch, sh, soft c or g: "boxes" = 2) and in consonant + `les`;
 * 4. final `ed` after a consonant is silent ("jumped" = 1), except after t or d
 *    ("wanted" = 2) and in consonant + `led` ("bubbled" = 2; not after l or r);
 * 5. the vowel pairs ia, io, iu, eo, ua, uo are two syllables ("lion", "video")
 *    unless after c, s, t, g or x, where they spell a "sh"/"j" sound
 *    ("nation", "special", "region");
 * 6. vowel + `ing` adds the syllable the group merged ("seeing" = 2);
 * 7. consonant + `sm` at the end adds one ("prism" = 2);
 * 8. at least one syllable.
 */
export function ruleSyllables(word: string): number {
  const w = word.normalize("NFD").toLowerCase().replace(/[^a-z]/g, "")
    .replace(/qu/g, "qw");
  if (w.length === 0) return 0;
  const groups = w.replace(/^y+/, "").match(/[aeiouy]+/g);
  let n = groups ? groups.length : 0;
  if (/[^aeiouy]e$/.test(w) && !/[^aeiouylr]le$/.test(w) && n > 1) n--;
  if (
    /[^aeiouy]es$/.test(w) && !/(s|x|z|ch|sh|c|g)es$/.test(w) &&
    !/[^aeiouylr]les$/.test(w) && n > 1
  ) n--;
  if (
    /[^aeiouy]ed$/.test(w) && !/[td]ed$/.test(w) &&
    !/[^aeiouylr]led$/.test(w) && n > 1
  ) n--;
  const pairs = w.match(/(^|[^cstgx])(ia|io|iu|eo|ua|uo)/g);
  if (pairs) n += pairs.length;
  // The vowel group before "ing" absorbed its i: "seeing" → "eei".
  if (/[aeiouy]ing$/.test(w)) n++;
  if (/[^aeiouy]sm$/.test(w)) n++;
  return Math.max(1, n);
}

const ONES = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const TENS = [
  "",
  "",
  "twenty",
  "thirty",
  "forty",
  "fifty",
  "sixty",
  "seventy",
  "eighty",
  "ninety",
];
const SCALES: [number, string][] = [
  [1e12, "trillion"],
  [1e9, "billion"],
  [1e6, "million"],
  [1e3, "thousand"],
  [100, "hundred"],
];

/** English words for a non-negative integer below 10^15 ("one hundred twenty"). */
export function numberWords(n: number): string[] {
  if (!Number.isInteger(n) || n < 0 || n >= 1e15) {
    throw new RangeError(
      `numberWords: expected an integer in [0, 1e15), got ${n}`,
    );
  }
  if (n < 20) return [ONES[n]];
  if (n < 100) {
    const rest = n % 10;
    return rest === 0 ? [TENS[n / 10]] : [TENS[Math.floor(n / 10)], ONES[rest]];
  }
  for (const [scale, name] of SCALES) {
    if (n >= scale) {
      const rest = n % scale;
      return [
        ...numberWords(Math.floor(n / scale)),
        name,
        ...(rest === 0 ? [] : numberWords(rest)),
      ];
    }
  }
  throw new Error("unreachable");
}

/**
 * Syllables of a token with digits: runs of digits are read as cardinal
 * numbers ("1,000" = one thousand, "42" = forty-two); an ordinal suffix
 * ("2nd", "20th") changes only "second" (+1) and "-tieth" (+1); a decimal
 * point reads as "point"; letters around digits ("3pm") are counted as words.
 */
function numeralSyllables(token: string): number {
  let total = 0;
  for (
    const run of token.replace(/(\d),(?=\d{3})/g, "$1").match(/\d+|[^\d]+/g) ??
      []
  ) {
    if (/^\d+$/.test(run)) {
      const words = run.length > 15
        ? [...run].map((d) => ONES[+d])
        : numberWords(Number(run));
      for (const w of words) total += cmuSyllables(w) ?? ruleSyllables(w);
      continue;
    }
    const suffix = /^(st|nd|rd|th)$/.exec(run);
    if (suffix) {
      const last = /(\d+)$/.exec(token.slice(0, token.indexOf(run)))?.[1];
      if (last !== undefined) {
        const n = Number(last) % 100;
        if (n % 10 === 2 && n !== 12) total += 1; // second
        else if (n >= 20 && n % 10 === 0) total += 1; // twentieth
      }
      continue;
    }
    if (run === ".") {
      total += 1; // point
      continue;
    }
    total += countWordSyllables(run).count;
  }
  return total;
}

/** Syllables in a line: the sum over its whitespace-separated tokens. */
export function countLineSyllables(line: string): number {
  let total = 0;
  for (const token of line.split(/\s+/)) {
    if (token.length > 0) total += countWordSyllables(token).count;
  }
  return total;
}

/**
 * The non-empty lines of `text`, each trimmed, in order (gemma_haiku's reading of a
 * completion: `text.strip()`, split on newlines, strip, drop empties).
 */
export function haikuLines(text: string): string[] {
  return text.split(/\r?\n|\r/).map((l) => l.trim()).filter((l) =>
    l.length > 0
  );
}

/** Syllables per non-empty line of `text`. */
export function haikuSyllables(text: string): number[] {
  return haikuLines(text).map(countLineSyllables);
}
