/**
 * pyphen-compatible hyphenation, for gemma_haiku's syllable counter.
 *
 * gemma_haiku counts a word's syllables as the number of hyphens in
 * `pyphen.Pyphen(lang="en").inserted(word)` plus one. These are Liang
 * hyphenation points (TeX patterns), not syllables: pyphen's minimums of 2
 * letters on each side suppress edge breaks ("evening" → "evening" = 1),
 * punctuation stays attached to the token, and a hyphen already in a compound
 * adds a count. This module reproduces pyphen's algorithm exactly over the
 * Debian `hyphen-en-us` pattern file, which for ASCII words holds the same
 * patterns as the file pyphen bundles (pyphen's adds ~10 possessive entries
 * spelled with typographic ligatures and apostrophes).
 *
 * ```ts
 * const h = loadHyphenator();
 * h.inserted("beautiful");       // "beau-ti-ful"
 * pyphenWordSyllables("beautiful"); // 3
 * ```
 *
 * @module
 */
import { pySplit } from "./text.ts";

/** Where Debian's `hyphen-en-us` package installs the US English patterns. */
export const DEBIAN_HYPH_EN_US = "/usr/share/hyphen/hyph_en_US.dic";

/** Header keywords pyphen skips (plus comments starting with `%` or `#`). */
const IGNORED = [
  "%",
  "#",
  "LEFTHYPHENMIN",
  "RIGHTHYPHENMIN",
  "COMPOUNDLEFTHYPHENMIN",
  "COMPOUNDRIGHTHYPHENMIN",
];

/** A pattern: where its first non-zero value sits, and the values from there. */
interface Pattern {
  offset: number;
  values: number[];
}

/** Minimum characters before the first and after the last break. */
export interface HyphenMins {
  /** Default 2, pyphen's default (not the file's LEFTHYPHENMIN). */
  left?: number;
  /** Default 2, pyphen's default (not the file's RIGHTHYPHENMIN 3). */
  right?: number;
}

/** Liang hyphenation over one pattern file, as pyphen computes it. */
export class Hyphenator {
  /** The pattern file read. */
  readonly path: string;
  readonly left: number;
  readonly right: number;
  readonly #patterns: Map<string, Pattern>;
  readonly #maxLength: number;
  readonly #cache = new Map<string, number[]>();

  /** Use {@link loadHyphenator}. */
  constructor(
    path: string,
    patterns: Map<string, Pattern>,
    mins: HyphenMins = {},
  ) {
    this.path = path;
    this.#patterns = patterns;
    this.left = mins.left ?? 2;
    this.right = mins.right ?? 2;
    let max = 0;
    for (const key of patterns.keys()) max = Math.max(max, [...key].length);
    this.#maxLength = max;
  }

  /**
   * Break positions in `word` (code-point offsets: a break at `p` goes
   * before the `p`-th character), keeping `left ≤ p ≤ length − right`.
   * Case is ignored; the word is used as given otherwise (punctuation and
   * all), as pyphen does.
   */
  positions(word: string): number[] {
    const length = [...word].length;
    return this.#rawPositions(word.toLowerCase()).filter((p) =>
      p >= this.left && p <= length - this.right
    );
  }

  /** `word` with `hyphen` inserted at every break (pyphen's `inserted`). */
  inserted(word: string, hyphen = "-"): string {
    const chars = [...word];
    for (const p of this.positions(word).reverse()) chars.splice(p, 0, hyphen);
    return chars.join("");
  }

  #rawPositions(word: string): number[] {
    const cached = this.#cache.get(word);
    if (cached) return cached;
    const dotted = [".", ...word, "."];
    const refs = new Array<number>(dotted.length + 1).fill(0);
    for (let i = 0; i < dotted.length - 1; i++) {
      let key = "";
      const stop = Math.min(i + this.#maxLength, dotted.length);
      for (let j = i; j < stop; j++) {
        key += dotted[j];
        const pattern = this.#patterns.get(key);
        if (!pattern) continue;
        pattern.values.forEach((v, k) => {
          const at = i + pattern.offset + k;
          if (v > refs[at]) refs[at] = v;
        });
      }
    }
    // refs[m] is the gap before dotted[m]; dotted[m] is word[m − 1].
    const points: number[] = [];
    refs.forEach((v, m) => {
      if (v % 2 === 1) points.push(m - 1);
    });
    if (this.#cache.size >= 100_000) this.#cache.clear();
    this.#cache.set(word, points);
    return points;
  }
}

/**
 * Parses a hyphen `.dic` file the way pyphen does: the first line names the
 * encoding (only UTF-8 is supported here), header keywords and comments are
 * skipped, each pattern such as `.a2ch4` becomes its letters (`.ach`) and the
 * digit before each letter (and after the last), and patterns whose digits
 * are all zero are dropped.
 */
export function parsePatterns(
  text: string,
  path: string,
): Map<string, Pattern> {
  const lines = text.split("\n");
  const encoding = lines[0].trim().toUpperCase();
  if (encoding !== "UTF-8") {
    throw new Error(
      `${path}: only UTF-8 pattern files are supported, the first line says ${
        JSON.stringify(lines[0].trim())
      }`,
    );
  }
  const patterns = new Map<string, Pattern>();
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n].trim();
    if (!line || IGNORED.some((prefix) => line.startsWith(prefix))) continue;
    if (line.includes("/") && line.includes("=")) {
      throw new Error(
        `${path}:${
          n + 1
        }: non-standard hyphenation patterns ("${line}") are not supported`,
      );
    }
    if (/\d\d/.test(line)) {
      throw new Error(
        `${path}:${
          n + 1
        }: pattern "${line}" has adjacent digits, which pyphen misreads; not supported`,
      );
    }
    if (/\d\d/.test(line)) {
      throw new Error(
        `${path}:${
          n + 1
        }: pattern "${line}" has adjacent digits, which pyphen misreads; not supported`,
      );
    }
    let letters = "";
    const values: number[] = [0];
    for (const ch of line) {
      if (ch >= "0" && ch <= "9") {
        values[values.length - 1] = Number(ch);
      } else {
        letters += ch;
        values.push(0);
      }
    }
    const first = values.findIndex((v) => v !== 0);
    if (first < 0) continue;
    let last = values.length - 1;
    while (values[last] === 0) last--;
    patterns.set(letters, {
      offset: first,
      values: values.slice(first, last + 1),
    });
  }
  return patterns;
}

const loaded = new Map<string, Hyphenator>();

/**
 * The hyphenator for a pattern file (default: Debian's US English file),
 * read once per path and minimums. A missing file is an error that says how
 * to install it.
 */
export function loadHyphenator(
  path = DEBIAN_HYPH_EN_US,
  mins: HyphenMins = {},
): Hyphenator {
  const key = `${path}\0${mins.left ?? 2}\0${mins.right ?? 2}`;
  const known = loaded.get(key);
  if (known) return known;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `hyphenation patterns not found at ${path}: the "pyphen" syllable counter needs ` +
          `the Debian package hyphen-en-us (apt-get install hyphen-en-us; ./tunebook installs it), ` +
          `or the path of another hyph_en_US.dic`,
      );
    }
    throw error;
  }
  const hyphenator = new Hyphenator(path, parsePatterns(text, path), mins);
  loaded.set(key, hyphenator);
  return hyphenator;
}

/**
 * gemma_haiku's syllable count of one whitespace token: hyphens in
 * `inserted(token)` plus one (so a hyphen already in the token counts too).
 */
export function pyphenWordSyllables(
  token: string,
  hyphenator: Hyphenator = loadHyphenator(),
): number {
  let n = 1;
  for (const ch of hyphenator.inserted(token)) if (ch === "-") n++;
  return n;
}

/** gemma_haiku's `count_syllables(line)`: the sum over Python `line.split()` tokens. */
export function pyphenLineSyllables(
  line: string,
  hyphenator: Hyphenator = loadHyphenator(),
): number {
  let total = 0;
  for (const token of pySplit(line)) {
    total += pyphenWordSyllables(token, hyphenator);
  }
  return total;
}
