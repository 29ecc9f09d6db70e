import assert from "node:assert/strict";
import {
  cmuPronunciation,
  cmuSyllables,
  cmuWords,
  vowelPhones,
} from "../../lib/rewards/cmudict.ts";
import { isHaiku } from "../../lib/rewards/haiku.ts";
import {
  countLineSyllables,
  countWordSyllables,
  haikuLines,
  haikuSyllables,
  numberWords,
  ruleSyllables,
} from "../../lib/rewards/syllables.ts";

const count = (w: string) => countWordSyllables(w).count;

Deno.test("dictionary words take the vowel count of CMU's first pronunciation", () => {
  assert.equal(cmuPronunciation("haiku"), "HH AY1 K UW0");
  assert.equal(vowelPhones("HH AY1 K UW0"), 2);
  const expected: [string, number][] = [
    ["haiku", 2],
    ["fire", 2], // F AY1 ER0
    ["beautiful", 3],
    ["every", 3], // EH1 V ER0 IY0; the alternative "every(2)" has 2
    ["evening", 2], // IY1 V N IH0 NG
    ["chocolate", 2], // CH AO1 K L AH0 T
    ["hour", 2],
    ["idea", 3],
    ["family", 3],
    ["quiet", 2],
    ["the", 1],
    ["naturally", 4],
  ];
  for (const [word, n] of expected) {
    assert.deepEqual(
      countWordSyllables(word),
      { count: n, source: "cmu" },
      word,
    );
  }
  assert.equal(vowelPhones(cmuPronunciation("every(2)")!), 2);
  assert.equal(cmuSyllables("every"), 3);
  assert.equal(cmuSyllables("zzzblorf"), undefined);
});

Deno.test("case, surrounding punctuation, apostrophes and compounds are normalised", () => {
  assert.equal(count("HAIKU"), 2);
  assert.equal(count("(pond.)"), 1);
  assert.equal(count('"Hello,"'), 2);
  assert.equal(count("splash!"), 1);
  assert.deepEqual(countWordSyllables("don't"), { count: 1, source: "cmu" });
  assert.equal(count("Don\u2019t"), 1, "typographic apostrophe");
  assert.equal(count("'tis"), 1);
  assert.equal(count("a.m."), 2);
  assert.deepEqual(
    countWordSyllables("café"),
    { count: 2, source: "cmu" },
    "listed as cafe",
  );
  assert.equal(count("heron's"), 2);
  assert.equal(count("fox's"), 2);
  // Compounds are the sum of their parts.
  assert.deepEqual(countWordSyllables("rain-soaked"), {
    count: 2,
    source: "cmu",
  });
  assert.equal(count("sun\u2014warm"), 2, "em dash joins two words");
  assert.equal(count("wait...then"), 2);
  assert.equal(count("and/or"), 2);
  // A compound with an unknown part is marked as using the rule.
  assert.deepEqual(countWordSyllables("moon-blorf"), {
    count: 2,
    source: "rule",
  });
  // Pure punctuation has no syllables.
  assert.equal(count("\u2014"), 0);
  assert.equal(count("..."), 0);
  assert.equal(countLineSyllables("  —  ... ! "), 0);
});

Deno.test("numerals are spelled out and counted", () => {
  assert.deepEqual(numberWords(1234), [
    "one",
    "thousand",
    "two",
    "hundred",
    "thirty",
    "four",
  ]);
  assert.deepEqual(numberWords(0), ["zero"]);
  assert.deepEqual(numberWords(70), ["seventy"]);
  assert.throws(() => numberWords(-1), /got -1/);
  assert.deepEqual(countWordSyllables("42"), { count: 3, source: "rule" });
  assert.equal(count("7"), 2);
  assert.equal(count("1,000"), 3);
  assert.equal(count("2nd"), 2);
  assert.equal(count("20th"), 3);
  assert.equal(count("3.5"), 3, "three point five");
  assert.equal(count("1999"), 9, "one thousand nine hundred ninety-nine");
});

Deno.test("invented words fall back to the spelling rule", () => {
  const invented: [string, number][] = [
    ["blorf", 1],
    ["skreeve", 1], // silent final e
    ["fripped", 1], // silent -ed
    ["zorbated", 3], // -ed after t is pronounced
    ["snazzle", 2], // consonant + le
    ["strambled", 2], // consonant + led
    ["quoxes", 2], // -es after x; qu is a consonant
    ["glimmerish", 3],
    ["plinkety", 3],
    ["gloobing", 2],
    ["zeeing", 2], // vowel + ing
    ["flonia", 3], // ia is two syllables
    ["blortion", 2], // but not after t
  ];
  for (const [word, n] of invented) {
    assert.deepEqual(
      countWordSyllables(word),
      { count: n, source: "rule" },
      word,
    );
    assert.equal(ruleSyllables(word), n, word);
  }
  assert.equal(ruleSyllables(""), 0);
  assert.equal(ruleSyllables("hmm"), 1, "at least one syllable");
});

Deno.test("the fallback rule agrees with CMU on most dictionary words", () => {
  let agree = 0;
  let total = 0;
  for (const word of cmuWords()) {
    if (!/^[a-z]+$/.test(word)) continue;
    total++;
    if (ruleSyllables(word) === cmuSyllables(word)) agree++;
  }
  // 106 973 of 117 490 (91.0 %) when written; the dictionary is mostly names.
  assert.ok(total > 100_000, `only ${total} alphabetic entries`);
  assert.ok(agree / total > 0.9, `agreement ${agree}/${total}`);
});

Deno.test("public-domain haikus in 5-7-5 renderings count as 5-7-5", () => {
  const renderings = [
    // Bashō, furuike ya (1686)
    "The ancient still pond\u2014\na frog leaps in from the bank:\nthe sound of water.",
    // Bashō, kareeda ni (1680)
    "On a withered branch\na crow has come to settle\u2014\nautumn evening falls.",
    // Issa, katatsumuri (1820s)
    "Little snail, climb on\nup the side of Mount Fuji\u2014\nbut slowly, slowly.",
  ];
  for (const text of renderings) {
    assert.deepEqual(haikuSyllables(text), [5, 7, 5], text);
    assert.equal(isHaiku(text), true, text);
  }
});

Deno.test("haiku lines are the non-empty trimmed lines, as in gemma_haiku", () => {
  const text =
    "\n  The ancient still pond\r\n\n a frog leaps in from the bank \nthe sound of water.\n\n";
  assert.deepEqual(haikuLines(text), [
    "The ancient still pond",
    "a frog leaps in from the bank",
    "the sound of water.",
  ]);
  assert.deepEqual(haikuSyllables(text), [5, 7, 5]);
  assert.equal(isHaiku(text), true);
  assert.equal(
    isHaiku("The ancient still pond\na frog leaps in from the bank"),
    false,
  );
  assert.equal(
    isHaiku(
      "The ancient still pond\na frog leaps in from the bank\nthe sound of the water",
    ),
    false,
    "5-7-6",
  );
  assert.equal(
    isHaiku(
      "Sure, here is a haiku:\nThe ancient still pond\na frog leaps in from the bank\nthe sound of water.",
    ),
    false,
    "four lines",
  );
  assert.deepEqual(haikuSyllables(""), []);
  assert.equal(isHaiku(""), false);
});

Deno.test("counting is memoised and fast enough for rewards", () => {
  const line = "the quiet of a snowy forest at dawn";
  assert.equal(countLineSyllables(line), 11);
  const start = performance.now();
  let total = 0;
  for (let i = 0; i < 20_000; i++) total += countLineSyllables(line);
  const ms = performance.now() - start;
  assert.equal(total, 220_000);
  // About 50 ms on the 2-core dev machine; the bound leaves room for load.
  assert.ok(ms < 2_000, `20 000 lines took ${ms.toFixed(0)} ms`);
});
