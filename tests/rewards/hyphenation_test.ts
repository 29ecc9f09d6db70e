import assert from "node:assert/strict";
import {
  DEBIAN_HYPH_EN_US,
  loadHyphenator,
  parsePatterns,
  pyphenLineSyllables,
  pyphenWordSyllables,
} from "../../lib/rewards/hyphenation.ts";

interface Golden {
  words: {
    word: string;
    inserted: string;
    positions: number[];
    syllables: number;
  }[];
  lines: { line: string; syllables: number }[];
}
// Made by tests/fixtures/rewards/pyphen_golden.py with Debian's python3-pyphen 0.13.2.
const golden: Golden = JSON.parse(
  Deno.readTextFileSync(
    new URL("../fixtures/rewards/pyphen_golden.json", import.meta.url),
  ),
);

Deno.test("hand-derived hyphenations from the hyph_en_US patterns", () => {
  const h = loadHyphenator();
  // Gaps are numbered in ".word.": gap m is before character m.
  // beautiful, ".beautiful.": 4u1t2i (at u) gives gaps 4,5,6 = 4,1,2; tif2 gives
  // gap 8 = 2; 3fu gives gap 7 = 3. Odd: gaps 5 and 7 → word positions 4, 6.
  assert.equal(h.inserted("beautiful"), "beau-ti-ful");
  // haiku: .hai2 and ai2 put 2 before "k", 4ik puts 4 before the "i": all even.
  assert.equal(h.inserted("haiku"), "haiku");
  // autumn: 1tu / 3tum put 3 before the "t" (position 2); 4m1n puts 1 before
  // the "n" (position 5), which right = 2 excludes (5 > 6 − 2).
  assert.equal(h.inserted("autumn"), "au-tumn");
  assert.deepEqual(h.positions("autumn"), [2]);
  // With a comma attached the word is 7 long, so position 5 is allowed.
  assert.equal(h.inserted("Autumn,"), "Au-tum-n,");
  // evening: even4i puts 4 before the "i" and beats n1in's 1; nin4g is even.
  assert.equal(h.inserted("evening"), "evening");
  // A hyphen already in a compound counts, and patterns may add one beside it.
  assert.equal(pyphenWordSyllables("rain-soaked"), 3);
  assert.equal(pyphenWordSyllables("sun-warmed"), 2);
  assert.equal(pyphenWordSyllables("beautiful"), 3);
  assert.equal(pyphenWordSyllables("haiku"), 1); // CMUdict says 2
  assert.equal(pyphenWordSyllables("evening"), 1);
});

Deno.test("matches real pyphen on every golden word and line", () => {
  const h = loadHyphenator();
  for (const g of golden.words) {
    assert.equal(h.inserted(g.word), g.inserted, g.word);
    assert.deepEqual(h.positions(g.word), g.positions, g.word);
    assert.equal(pyphenWordSyllables(g.word), g.syllables, g.word);
  }
  for (const g of golden.lines) {
    assert.equal(pyphenLineSyllables(g.line), g.syllables, g.line);
  }
  assert.ok(golden.words.length >= 40 && golden.lines.length === 12);
});

Deno.test("lines split on Python whitespace, punctuation stays on the token", () => {
  assert.equal(pyphenLineSyllables("  an old silent pond  "), 1 + 1 + 1 + 1);
  assert.equal(
    pyphenLineSyllables("beautiful\u00a0autumn"),
    5,
    "no-break space separates, as in Python",
  );
  assert.equal(pyphenLineSyllables(""), 0);
});

Deno.test("minimums and pattern parsing follow pyphen", () => {
  const loose = loadHyphenator(DEBIAN_HYPH_EN_US, { left: 1, right: 1 });
  assert.equal(loose.inserted("autumn"), "au-tum-n");
  const patterns = parsePatterns(
    "UTF-8\nLEFTHYPHENMIN 2\n% comment\n.a2ch4\nab\n",
    "test.dic",
  );
  assert.deepEqual(patterns.get(".ach"), { offset: 2, values: [2, 0, 4] });
  assert.equal(patterns.has("ab"), false, "all-zero patterns are dropped");
  assert.throws(
    () => parsePatterns("ISO8859-1\na1b\n", "x.dic"),
    /x.dic: only UTF-8/,
  );
  assert.throws(
    () => parsePatterns("UTF-8\na12b\n", "x.dic"),
    /x.dic:2: .*adjacent digits/,
  );
});

Deno.test("a missing pattern file says to install hyphen-en-us", () => {
  assert.throws(
    () => loadHyphenator("/nonexistent/hyph_en_US.dic"),
    /hyphenation patterns not found at \/nonexistent\/hyph_en_US.dic: .*apt-get install hyphen-en-us/,
  );
});
