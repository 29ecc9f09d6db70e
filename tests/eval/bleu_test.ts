import assert from "node:assert/strict";
import {
  bleuFromStatistics,
  bleuStatistics,
  corpusBleu,
  sentenceBleu,
  tokenize13a,
} from "../../lib/eval/bleu.ts";

function near(actual: number, expected: number, tolerance: number, what = "") {
  assert.ok(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

// ---------------------------------------------------------------------------
// BLEU (sacrebleu)

// sacrebleu test/test_sentence_bleu.py, "Example taken from #98"
const REF_98 = "producţia de zahăr brut se exprimă în zahăr alb;";
const SYS_98 =
  "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";

Deno.test("sentence BLEU: sacrebleu's test_sentence_bleu.py values", () => {
  // test_compat_sentence_bleu (EPSILON 1e-3): sentence_bleu's default is exp smoothing
  near(sentenceBleu(SYS_98, [REF_98]).score, 8.493, 1e-3, "exp 13a (default)");
  near(
    sentenceBleu(SYS_98, REF_98).score,
    8.493,
    1e-3,
    "one reference as a string",
  );
  const cases: [Parameters<typeof sentenceBleu>[2], number][] = [
    [{ smoothMethod: "none" }, 0.0],
    [{ smoothMethod: "floor" }, 4.51688],
    [{ smoothMethod: "floor", smoothValue: 0.1 }, 4.51688],
    [{ smoothMethod: "floor", smoothValue: 0.5 }, 10.10],
    [{ smoothMethod: "add-k" }, 14.882],
    [{ smoothMethod: "add-k", smoothValue: 1 }, 14.882],
    [{ smoothMethod: "add-k", smoothValue: 2 }, 21.389],
    [{ smoothMethod: "exp", tokenize: "none" }, 7.347],
  ];
  for (const [options, expected] of cases) {
    near(
      sentenceBleu(SYS_98, [REF_98], options).score,
      expected,
      1e-3,
      JSON.stringify(options),
    );
  }
  // test_api_sentence_bleu_zero, "Example taken from #141": no match at all is 0 for every smoothing
  for (const smoothMethod of ["exp", "none", "floor", "add-k"] as const) {
    assert.equal(
      sentenceBleu("this is a cat", ["okay thanks"], { smoothMethod }).score,
      0,
    );
  }
});

// sacrebleu test/test_bleu.py: the README example with 2 reference streams,
// here transposed to one list of references per hypothesis.
const HYPS = [
  "The dog bit the man.",
  "It wasn't surprising.",
  "The man had just bitten him.",
];
const REF_STREAMS = [
  ["The dog bit the man.", "It was not unexpected.", "The man bit him first."],
  [
    "The dog had bit the man.",
    "No one was surprised.",
    "The man had bitten the dog.",
  ],
];
const REFS = HYPS.map((_, i) => REF_STREAMS.map((stream) => stream[i]));

Deno.test("corpus BLEU: sacrebleu's test_bleu.py values", () => {
  // test_corpus_bleu (EPSILON 1e-8)
  near(corpusBleu(HYPS, REFS).score, 48.530827, 1e-8, "default");
  near(
    corpusBleu(HYPS, REFS, { tokenize: "13a" }).score,
    48.530827,
    1e-8,
    "13a",
  );
  near(
    corpusBleu(HYPS, REFS, { tokenize: "none" }).score,
    49.1919566,
    1e-8,
    "tokenize none",
  );
  near(
    corpusBleu(HYPS, REFS, { smoothMethod: "none" }).score,
    48.530827,
    1e-8,
    "smooth none",
  );
  assert.equal(
    corpusBleu(["", "", ""], REFS).score,
    0,
    "empty hypotheses are kept and score 0",
  );
  // test_max_ngram_order (formatted to 2 decimals)
  const byOrder: [number, string][] = [
    [1, "77.65"],
    [2, "60.50"],
    [3, "53.93"],
    [4, "48.53"],
    [5, "46.14"],
    [6, "43.28"],
  ]; // prettier-ignore
  for (const [order, expected] of byOrder) {
    assert.equal(
      corpusBleu(HYPS, REFS, { maxNgramOrder: order }).score.toFixed(2),
      expected,
      `order ${order}`,
    );
  }
});

/** sacrebleu's raw_corpus_bleu: no tokenization, floor smoothing, effective order. */
function rawCorpusBleu(
  hyps: string[],
  refs: string[],
  smoothValue?: number,
): number {
  return corpusBleu(hyps, refs, {
    tokenize: "none",
    smoothMethod: "floor",
    smoothValue,
    effectiveOrder: true,
  }).score / 100;
}

Deno.test("BLEU: sacrebleu's test_bleu.py raw-corpus, effective-order and statistics cases", () => {
  // test_raw_bleu (smooth value .01, EPSILON 1e-8); sacrebleu's refs [["ref1", "ref2"]]
  // is one stream, so "ref1" is the reference of the first hypothesis and "ref2" of the second
  near(
    rawCorpusBleu(["this is a test", "another test"], ["ref1", "ref2"], 0.01),
    0.0,
    1e-8,
    "raw #1",
  );
  near(
    rawCorpusBleu(["this is a test"], ["this is a test"], 0.01),
    1.0,
    1e-8,
    "raw #2",
  );
  near(
    rawCorpusBleu(["this is a fest"], ["this is a test"], 0.01),
    0.223606797749979,
    1e-8,
    "raw #3",
  );
  // test_effective_order
  near(
    rawCorpusBleu(["test"], ["a test"], 0.01),
    0.3678794411714425,
    1e-8,
    "eff #1",
  );
  near(rawCorpusBleu(["a test"], ["a test"], 0.01), 1.0, 1e-8, "eff #2");
  near(
    rawCorpusBleu(["a little test"], ["a test"], 0.01),
    0.03218297948685433,
    1e-8,
    "eff #3",
  );
  // test_offset: floor 0 gives 0, the default floor (0.1) gives 0.1555722182
  const hyp = ["am I am a character sequence"];
  const ref = ["I am a symbol string sequence a a"];
  near(rawCorpusBleu(hyp, ref, 0.0), 0, 1e-8, "offset 0");
  near(rawCorpusBleu(hyp, ref), 0.1555722182, 1e-8, "offset default");
  // test_statistics: counts [4, 2, 1, 0], totals [6, 5, 4, 3]
  const stats = bleuStatistics(hyp[0], ref[0], { tokenize: "none" });
  assert.deepEqual(stats.correct, [4, 2, 1, 0]);
  assert.deepEqual(stats.total, [6, 5, 4, 3]);
  // test_scoring: compute_bleu([9, 7, 5, 3], [10, 8, 6, 4], 11, 11) (its default smoothing 'none')
  const scored = bleuFromStatistics(
    { correct: [9, 7, 5, 3], total: [10, 8, 6, 4], hypLen: 11, refLen: 11 },
    { smoothMethod: "none" },
  );
  near(scored.score / 100, 0.8375922397, 1e-8, "scoring");
  // test_degenerate_statistics: floor smoothing with these statistics and offsets gives exactly 0
  const degenerate: [number[], number[], number, number, number][] = [
    [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0],
    [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0],
    [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
  ];
  for (const [correct, total, hypLen, refLen, offset] of degenerate) {
    const s = bleuFromStatistics({ correct, total, hypLen, refLen }, {
      smoothMethod: "floor",
      smoothValue: offset,
    });
    assert.equal(
      s.score,
      0,
      JSON.stringify([correct, total, hypLen, refLen, offset]),
    );
  }
});

Deno.test("13a tokenizer: mteval-v13a rules", () => {
  assert.equal(tokenize13a("Hello, world."), "Hello , world .");
  // period/comma kept between digits, dash split after a digit, apostrophe and hyphen kept
  assert.equal(
    tokenize13a("It costs 1,000.50 (approx.) in 2019-2020; isn't well-known!"),
    "It costs 1,000.50 ( approx . ) in 2019 - 2020 ; isn't well-known !",
  );
  // entities, <skipped>, hyphenated line breaks and newlines
  assert.equal(
    tokenize13a(
      "a &amp; b &lt;c&gt; &quot;d&quot;<skipped> con-\ntinued\nline",
    ),
    'a & b < c > " d " continued line',
  );
  assert.equal(tokenize13a("  "), "");
});

Deno.test("sentence BLEU: hand-computed cases", () => {
  const same = sentenceBleu(
    "The cat sat on the mat.",
    "The cat sat on the mat.",
  );
  near(same.score, 100, 1e-9, "identical");
  assert.equal(same.bp, 1);
  assert.equal(sentenceBleu("alpha beta", "gamma delta").score, 0, "disjoint");
  // empty prediction: no n-gram, brevity penalty 0, score 0 (not NaN)
  const empty = sentenceBleu("", "some reference words");
  assert.equal(empty.score, 0);
  assert.equal(empty.bp, 0);
  assert.equal(sentenceBleu("", "").score, 0);
  assert.equal(sentenceBleu("words", "").score, 0);
  // "the cat" vs "the cat sat": unigrams 2/2, bigrams 1/1, effective order 2,
  // brevity penalty exp(1 − 3/2): 100 · exp(−0.5)
  near(
    sentenceBleu("the cat", "the cat sat").score,
    100 * Math.exp(-0.5),
    1e-9,
    "short",
  );
  // exp smoothing: 3 tokens "a b c" vs "a x c y": 1-grams 2/3, 2-grams 0/2 → 100/(2·2),
  // 3-grams 0/1 → 100/(4·1); brevity exp(1 − 4/3); mean over the 3 orders present
  const p = [200 / 3, 25, 25];
  const expected = Math.exp(1 - 4 / 3) *
    Math.exp(p.reduce((s, x) => s + Math.log(x), 0) / 3);
  near(sentenceBleu("a b c", "a x c y").score, expected, 1e-9, "exp smoothing");
  // several references: the closest length is used (the shorter on a tie)
  assert.equal(bleuStatistics("a b c", ["a b", "a b c d"]).refLen, 2);
  assert.equal(bleuStatistics("a b c", ["a b c d e", "a b c d"]).refLen, 4);
  assert.throws(() => sentenceBleu("a", []), /at least one reference/);
});

Deno.test("corpus BLEU equals BLEU of the summed per-sample statistics", () => {
  const perSample = HYPS.map((h, i) => bleuStatistics(h, REFS[i]));
  const summed = {
    hypLen: perSample.reduce((s, x) => s + x.hypLen, 0),
    refLen: perSample.reduce((s, x) => s + x.refLen, 0),
    correct: [0, 1, 2, 3].map((k) =>
      perSample.reduce((s, x) => s + x.correct[k], 0)
    ),
    total: [0, 1, 2, 3].map((k) =>
      perSample.reduce((s, x) => s + x.total[k], 0)
    ),
  };
  near(bleuFromStatistics(summed).score, 48.530827, 1e-8, "from statistics");
  assert.throws(
    () => corpusBleu(["a"], []),
    /one reference entry per hypothesis/,
  );
});
