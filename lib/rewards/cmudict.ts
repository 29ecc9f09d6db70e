/**
 * Syllable counts from the CMU Pronouncing Dictionary (CMUdict, BSD licence),
 * read from the npm package `cmu-pronouncing-dictionary@3.0.0` (135 155
 * entries, lower-case keys, ARPAbet phones with stress digits, alternative
 * pronunciations keyed `word(2)`, `word(3)`, …).
 *
 * A word's syllable count is the number of vowel phones in its first
 * pronunciation (the un-numbered key); in ARPAbet exactly the vowels carry a
 * stress digit 0/1/2, so `haiku` → `HH AY1 K UW0` → 2.
 *
 * The package is one 4.7 MB JavaScript object literal, evaluated once when this
 * module is first imported (about 0.25 s). The table of counts derived from it
 * is built once, on the first lookup.
 *
 * @module
 */

import { dictionary } from "cmu-pronouncing-dictionary";

let counts: Map<string, number> | undefined;

function countTable(): Map<string, number> {
  if (counts) return counts;
  const table = new Map<string, number>();
  for (const key in dictionary) {
    // "word(2)" and later keys are alternative pronunciations: the first wins.
    if (key.endsWith(")")) continue;
    table.set(key, vowelPhones(dictionary[key]));
  }
  counts = table;
  return table;
}

/** Number of phones carrying a stress digit (the vowels) in an ARPAbet string. */
export function vowelPhones(arpabet: string): number {
  let n = 0;
  for (let i = 0; i < arpabet.length; i++) {
    const c = arpabet.charCodeAt(i);
    if (c >= 48 && c <= 50) n++; // '0', '1', '2'
  }
  return n;
}

/**
 * Syllables of `word` in its first CMU pronunciation, or `undefined` when the
 * dictionary does not list it. `word` must already be lower-case (the
 * dictionary's keys are); no other normalisation happens here.
 */
export function cmuSyllables(word: string): number | undefined {
  return countTable().get(word);
}

/** The first CMU pronunciation of a lower-case word (ARPAbet), or `undefined`. */
export function cmuPronunciation(word: string): string | undefined {
  return Object.hasOwn(dictionary, word) ? dictionary[word] : undefined;
}

/** Every head word of the dictionary (first pronunciations only), for evaluation of fallbacks. */
export function cmuWords(): IterableIterator<string> {
  return countTable().keys();
}
