/**
 * The Porter stemmer as NLTK's `PorterStemmer()` runs it by default (mode
 * `NLTK_EXTENSIONS`), the stemmer that Google's `rouge_score` applies with
 * `use_stemmer=True`. Written from Porter's paper ("An algorithm for suffix
 * stripping", Program 14.3, 1980) and the departures NLTK documents for its
 * default mode:
 *
 * - a table of irregular forms (`skies` → `sky`, `dying` → `die`, `news`,
 *   `proceed`, …) that bypasses the rules;
 * - words of one or two characters are returned as they are;
 * - step 1a: a four-letter `-ies` word keeps `ie` (`ties` → `tie`);
 * - step 1b: `-ied` → `ie` in four-letter words, `i` otherwise, before the
 *   `eed` / `ed` / `ing` rules;
 * - condition *o also holds for a two-letter stem vowel–consonant;
 * - step 1c: `y` → `i` only after a consonant that is not the first letter;
 * - step 2: `-alli` → `-al` is tried first and the result goes through step 2
 *   again; `bli` → `ble` instead of `abli` → `able`; extra rules `fulli` →
 *   `ful` and `logi` → `log` (whose measure is taken with the `l`).
 *
 * As in NLTK, a rule list stops at the first rule whose suffix matches, even
 * when its condition fails; step 5a tries both of its `e` rules.
 *
 * ```ts
 * porterStem("caresses"); // "caress"
 * porterStem("sensational"); // "sensat"
 * ```
 *
 * @module
 */

/** Irregular forms of NLTK's default mode: form → the stem it is given. */
const IRREGULAR: Readonly<Record<string, string>> = {
  sky: "sky",
  skies: "sky",
  dying: "die",
  lying: "lie",
  tying: "tie",
  news: "news",
  innings: "inning",
  inning: "inning",
  outings: "outing",
  outing: "outing",
  cannings: "canning",
  canning: "canning",
  howe: "howe",
  proceed: "proceed",
  exceed: "exceed",
  succeed: "succeed",
};

/** A condition on the stem left once a rule's suffix is removed. */
type Condition = ((stem: string) => boolean) | null;
/** [suffix, replacement, condition]; the suffix "*d" means "ends in a double consonant". */
type Rule = readonly [string, string, Condition];

function isVowelLetter(ch: string): boolean {
  return ch === "a" || ch === "e" || ch === "i" || ch === "o" || ch === "u";
}

/**
 * Whether each letter of `word` is a consonant in Porter's sense: not a
 * vowel letter, and `y` only when it starts the word or follows a vowel.
 */
function consonants(word: string): boolean[] {
  const out: boolean[] = new Array(word.length);
  for (let i = 0; i < word.length; i++) {
    const ch = word[i];
    if (isVowelLetter(ch)) out[i] = false;
    else if (ch === "y") out[i] = i === 0 ? true : !out[i - 1];
    else out[i] = true;
  }
  return out;
}

function isConsonant(word: string, i: number): boolean {
  return consonants(word.slice(0, i + 1))[i];
}

/** Porter's measure m: the number of vowel→consonant transitions. */
function measure(stem: string): number {
  const c = consonants(stem);
  let m = 0;
  for (let i = 1; i < c.length; i++) if (!c[i - 1] && c[i]) m++;
  return m;
}

function positiveMeasure(stem: string): boolean {
  return measure(stem) > 0;
}

function measureAbove1(stem: string): boolean {
  return measure(stem) > 1;
}

function containsVowel(stem: string): boolean {
  return consonants(stem).some((c) => !c);
}

/** Condition *d: the word ends in a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/**
 * Condition *o: the word ends consonant–vowel–consonant, the last not w, x
 * or y; in NLTK's mode also a two-letter word vowel–consonant.
 */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3) {
    const c = consonants(word);
    if (c[n - 3] && !c[n - 2] && c[n - 1] && !"wxy".includes(word[n - 1])) {
      return true;
    }
  }
  if (n === 2) {
    const c = consonants(word);
    return !c[0] && c[1];
  }
  return false;
}

/** The first rule whose suffix matches decides; a failed condition leaves the word. */
function applyRules(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

function step1a(word: string): string {
  if (word.endsWith("ies") && word.length === 4) {
    return word.slice(0, -3) + "ie";
  }
  return applyRules(word, [
    ["sses", "ss", null],
    ["ies", "i", null],
    ["ss", "ss", null],
    ["s", "", null],
  ]);
}

function step1b(word: string): string {
  if (word.endsWith("ied")) {
    return word.slice(0, -3) + (word.length === 4 ? "ie" : "i");
  }
  if (word.endsWith("eed")) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? stem + "ee" : word;
  }
  let stem: string | null = null;
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const candidate = word.slice(0, word.length - suffix.length);
      if (containsVowel(candidate)) {
        stem = candidate;
        break;
      }
    }
  }
  if (stem === null) return word;
  const last = stem[stem.length - 1];
  return applyRules(stem, [
    ["at", "ate", null],
    ["bl", "ble", null],
    ["iz", "ize", null],
    ["*d", last, () => last !== "l" && last !== "s" && last !== "z"],
    ["", "e", (s) => measure(s) === 1 && endsCvc(s)],
  ]);
}

function step1c(word: string): string {
  return applyRules(word, [
    ["y", "i", (s) => s.length > 1 && isConsonant(s, s.length - 1)],
  ]);
}

function step2(word: string): string {
  if (word.endsWith("alli") && positiveMeasure(word.slice(0, -4))) {
    return step2(word.slice(0, -4) + "al");
  }
  return applyRules(word, [
    ["ational", "ate", positiveMeasure],
    ["tional", "tion", positiveMeasure],
    ["enci", "ence", positiveMeasure],
    ["anci", "ance", positiveMeasure],
    ["izer", "ize", positiveMeasure],
    ["bli", "ble", positiveMeasure],
    ["alli", "al", positiveMeasure],
    ["entli", "ent", positiveMeasure],
    ["eli", "e", positiveMeasure],
    ["ousli", "ous", positiveMeasure],
    ["ization", "ize", positiveMeasure],
    ["ation", "ate", positiveMeasure],
    ["ator", "ate", positiveMeasure],
    ["alism", "al", positiveMeasure],
    ["iveness", "ive", positiveMeasure],
    ["fulness", "ful", positiveMeasure],
    ["ousness", "ous", positiveMeasure],
    ["aliti", "al", positiveMeasure],
    ["iviti", "ive", positiveMeasure],
    ["biliti", "ble", positiveMeasure],
    ["fulli", "ful", positiveMeasure],
    // the measure of "logi" → "log" is taken with the l kept on the stem
    ["logi", "log", () => positiveMeasure(word.slice(0, -3))],
  ]);
}

function step3(word: string): string {
  return applyRules(word, [
    ["icate", "ic", positiveMeasure],
    ["ative", "", positiveMeasure],
    ["alize", "al", positiveMeasure],
    ["iciti", "ic", positiveMeasure],
    ["ical", "ic", positiveMeasure],
    ["ful", "", positiveMeasure],
    ["ness", "", positiveMeasure],
  ]);
}

function step4(word: string): string {
  return applyRules(word, [
    ["al", "", measureAbove1],
    ["ance", "", measureAbove1],
    ["ence", "", measureAbove1],
    ["er", "", measureAbove1],
    ["ic", "", measureAbove1],
    ["able", "", measureAbove1],
    ["ible", "", measureAbove1],
    ["ant", "", measureAbove1],
    ["ement", "", measureAbove1],
    ["ment", "", measureAbove1],
    ["ent", "", measureAbove1],
    ["ion", "", (s) => measure(s) > 1 && (s.endsWith("s") || s.endsWith("t"))],
    ["ou", "", measureAbove1],
    ["ism", "", measureAbove1],
    ["ate", "", measureAbove1],
    ["iti", "", measureAbove1],
    ["ous", "", measureAbove1],
    ["ive", "", measureAbove1],
    ["ize", "", measureAbove1],
  ]);
}

function step5a(word: string): string {
  if (word.endsWith("e")) {
    const stem = word.slice(0, -1);
    const m = measure(stem);
    if (m > 1) return stem;
    if (m === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

function step5b(word: string): string {
  return applyRules(word, [
    ["ll", "l", () => measure(word.slice(0, -1)) > 1],
  ]);
}

/**
 * The stem of `word` as NLTK's `PorterStemmer().stem(word)` gives it
 * (default mode NLTK_EXTENSIONS, lowercased first). Meant for lowercase
 * ASCII words, which is what ROUGE's tokenizer hands it; other characters
 * count as consonants, as in NLTK.
 */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  // NLTK looks the irregular table up with the word as given, and skips
  // words of at most two characters (before lowercasing) likewise.
  if (Object.hasOwn(IRREGULAR, word)) return IRREGULAR[lower];
  if (word.length <= 2) return lower;
  let stem = step1a(lower);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  stem = step5b(stem);
  return stem;
}
