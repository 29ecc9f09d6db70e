import assert from "node:assert/strict";
import {
  lcsLength,
  rouge,
  rougeL,
  rougeN,
  rougeTokenize,
} from "../../lib/eval/rouge.ts";

function near(actual: number, expected: number, tolerance: number, what = "") {
  assert.ok(
    Number.isFinite(actual) && Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

// ---------------------------------------------------------------------------
// ROUGE (google-research rouge_score)

Deno.test("rouge tokenizer: lowercase, [a-z0-9] runs, stems only tokens longer than 3", () => {
  assert.deepEqual(
    rougeTokenize("The RUNNING dogs' e-mail, 3.14 ran!"),
    ["the", "run", "dog", "e", "mail", "3", "14", "ran"],
  );
  assert.deepEqual(rougeTokenize("The RUNNING dogs", { stem: false }), [
    "the",
    "running",
    "dogs",
  ]);
  // "dies" has 4 characters and is stemmed; "ies" has 3 and is not
  assert.deepEqual(rougeTokenize("dies ies"), ["die", "ies"]);
  assert.deepEqual(rougeTokenize(" ... — ¿? "), []);
  // non-ASCII letters are separators; "İ" lowercases to "i" + U+0307, as in Python
  assert.deepEqual(rougeTokenize("naïve İt"), ["na", "ve", "i", "t"]);
});

Deno.test("rouge: the small cases of rouge_score's own tests (rouge/rouge_scorer_test.py)", () => {
  // rouge_scorer_test.py calls scorer.score(target, prediction); ours take the prediction first.
  // testRouge1
  let s = rougeN("testing", "testing one two", 1);
  near(s.precision, 1, 1e-12, "rouge1 P");
  near(s.recall, 1 / 3, 1e-12, "rouge1 R");
  near(s.fmeasure, 1 / 2, 1e-12, "rouge1 F");
  // testRouge2
  s = rougeN("testing one", "testing one two", 2);
  near(s.precision, 1, 1e-12, "rouge2 P");
  near(s.recall, 1 / 2, 1e-12, "rouge2 R");
  near(s.fmeasure, 2 / 3, 1e-12, "rouge2 F");
  // testRougeLConsecutive, testRougeLNonConsecutive
  for (const pred of ["testing one", "testing two"]) {
    s = rougeL(pred, "testing one two");
    near(s.precision, 1, 1e-12, `rougeL P ${pred}`);
    near(s.recall, 2 / 3, 1e-12, `rougeL R ${pred}`);
    near(s.fmeasure, 4 / 5, 1e-12, `rougeL F ${pred}`);
  }
  // testMultipleRougeTypes
  const all = rouge("testing one", "testing one two");
  near(all.rouge1.fmeasure, 4 / 5, 1e-12, "multi rouge1 F");
  near(all.rougeL.fmeasure, 4 / 5, 1e-12, "multi rougeL F");
  // testRougeEmpty: an empty prediction scores 0 everywhere
  const empty = rouge("", "testing one two");
  for (const v of [empty.rouge1, empty.rouge2, empty.rougeL]) {
    assert.deepEqual(v, { precision: 0, recall: 0, fmeasure: 0 });
  }
});

// rouge/testdata/target.txt and rouge/testdata/prediction.txt (first two
// lines of each) from google-research/google-research.
const TARGETS = [
  "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L\n",
  "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I DNxqelhu,PHPxDEq,mtion SN\n",
];
const PREDICTIONS = [
  "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi\n",
  "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD\n",
];

/** [recall, precision, fmeasure] as rouge_scorer_test.py lists them (ROUGE-1.5.5, 5 places). */
type Rpf = [number, number, number];
function assertRpf(
  score: { precision: number; recall: number; fmeasure: number },
  rpf: Rpf,
  what: string,
) {
  near(score.recall, rpf[0], 5e-6, `${what} R`);
  near(score.precision, rpf[1], 5e-6, `${what} P`);
  near(score.fmeasure, rpf[2], 5e-6, `${what} F`);
}

Deno.test("rouge: rouge_score's values against ROUGE-1.5.5 on its test data, with stemming", () => {
  // testRouge1AgainstRouge155WithStemming
  assertRpf(
    rougeN(PREDICTIONS[0], TARGETS[0], 1),
    [0.40741, 0.68750, 0.51163],
    "rouge1 #0",
  );
  assertRpf(
    rougeN(PREDICTIONS[1], TARGETS[1], 1),
    [0.42857, 0.69231, 0.52941],
    "rouge1 #1",
  );
  // testRouge2AgainstRouge155WithStemming
  assertRpf(
    rougeN(PREDICTIONS[0], TARGETS[0], 2),
    [0.30769, 0.53333, 0.39024],
    "rouge2 #0",
  );
  assertRpf(
    rougeN(PREDICTIONS[1], TARGETS[1], 2),
    [0.29268, 0.48000, 0.36364],
    "rouge2 #1",
  );
  // the combined call gives the same
  const both = rouge(PREDICTIONS[1], TARGETS[1]);
  assertRpf(both.rouge1, [0.42857, 0.69231, 0.52941], "rouge() rouge1 #1");
  assertRpf(both.rouge2, [0.29268, 0.48000, 0.36364], "rouge() rouge2 #1");
});

Deno.test("rouge: rouge_score's values against ROUGE-1.5.5 without stemming", () => {
  const noStem = { stem: false };
  // testRouge1AgainstRouge155 (the second pair differs from the stemmed one:
  // stemming is what moves it from 0.50000 to 0.52941)
  assertRpf(rougeN(PREDICTIONS[0], TARGETS[0], 1, noStem), [
    0.40741,
    0.68750,
    0.51163,
  ], "rouge1 #0");
  assertRpf(rougeN(PREDICTIONS[1], TARGETS[1], 1, noStem), [
    0.40476,
    0.65385,
    0.50000,
  ], "rouge1 #1");
  // testRouge2AgainstRouge155
  assertRpf(rougeN(PREDICTIONS[0], TARGETS[0], 2, noStem), [
    0.30769,
    0.53333,
    0.39024,
  ], "rouge2 #0");
  assertRpf(rougeN(PREDICTIONS[1], TARGETS[1], 2, noStem), [
    0.29268,
    0.48000,
    0.36364,
  ], "rouge2 #1");
  // testRougeLAgainstRouge155
  assertRpf(rougeL(PREDICTIONS[0], TARGETS[0], noStem), [
    0.40741,
    0.68750,
    0.51163,
  ], "rougeL #0");
  assertRpf(rougeL(PREDICTIONS[1], TARGETS[1], noStem), [
    0.40476,
    0.65385,
    0.50000,
  ], "rougeL #1");
});

Deno.test("rouge: the README's example call", () => {
  // rouge/README.md shows RougeScorer(['rouge1', 'rougeL'], use_stemmer=True)
  // .score('The quick brown fox jumps over the lazy dog', 'The quick brown dog
  // jumps on the log.') without printing the result; hand count: 9 reference
  // and 8 prediction tokens, 6 shared unigrams (the ×2, quick, brown, dog,
  // jump), 2 shared bigrams (the quick, quick brown), LCS 5 (the quick brown
  // jump the). rouge_score's own code with NLTK 3.8 gives the same numbers.
  const r = rouge(
    "The quick brown dog jumps on the log.",
    "The quick brown fox jumps over the lazy dog",
  );
  near(r.rouge1.precision, 6 / 8, 1e-12, "rouge1 P");
  near(r.rouge1.recall, 6 / 9, 1e-12, "rouge1 R");
  near(r.rouge1.fmeasure, 0.7058823529411765, 1e-12, "rouge1 F");
  near(r.rouge2.precision, 2 / 7, 1e-12, "rouge2 P");
  near(r.rouge2.recall, 2 / 8, 1e-12, "rouge2 R");
  near(r.rouge2.fmeasure, 0.26666666666666666, 1e-12, "rouge2 F");
  near(r.rougeL.precision, 5 / 8, 1e-12, "rougeL P");
  near(r.rougeL.recall, 5 / 9, 1e-12, "rougeL R");
  near(r.rougeL.fmeasure, 0.5882352941176471, 1e-12, "rougeL F");
});

Deno.test("rouge: hand-computed edge cases", () => {
  const same = rouge("A cat sat on the mat.", "a cat sat on the mat");
  for (const v of [same.rouge1, same.rouge2, same.rougeL]) {
    assert.deepEqual(v, { precision: 1, recall: 1, fmeasure: 1 });
  }
  const disjoint = rouge("alpha beta gamma", "delta epsilon");
  for (const v of [disjoint.rouge1, disjoint.rouge2, disjoint.rougeL]) {
    assert.deepEqual(v, { precision: 0, recall: 0, fmeasure: 0 });
  }
  // stemming makes inflections match: "cats running" ~ "cat runs"
  assert.equal(rougeN("cats running", "cat runs", 1).fmeasure, 1);
  assert.equal(
    rougeN("cats running", "cat runs", 1, { stem: false }).fmeasure,
    0,
  );
  // empty reference, both empty, a prediction of punctuation only: 0, never NaN
  for (const [p, r] of [["some words", ""], ["", ""], ["?!", "some words"]]) {
    const v = rouge(p, r);
    for (const x of [v.rouge1, v.rouge2, v.rougeL]) {
      assert.deepEqual(
        x,
        { precision: 0, recall: 0, fmeasure: 0 },
        JSON.stringify([p, r]),
      );
    }
  }
  // a one-token prediction has no bigram: ROUGE-2 is 0 while ROUGE-1 is not
  const one = rouge("cat", "the cat");
  assert.equal(one.rouge2.fmeasure, 0);
  near(one.rouge1.fmeasure, 2 / 3, 1e-12, "rouge1 one token");
  // clipped counts: "the the the" against "the cat": 1 match of 3 predicted
  const clipped = rougeN("the the the", "the cat", 1);
  near(clipped.precision, 1 / 3, 1e-12, "clipped P");
  near(clipped.recall, 1 / 2, 1e-12, "clipped R");
  // ROUGE-L ignores newlines (rougeL, not rougeLsum)
  assert.equal(rougeL("a b\nc d", "a b c d").fmeasure, 1);
  assert.throws(() => rougeN("a", "a", 0), /integer n from 1 to 9/);
});

Deno.test("lcs length: rouge_score's testLcsTable", () => {
  // rouge_scorer_test.py testLcsTable: ref [1..5], candidate [2, 5, 3, 4] → 3; [8, 9] → 0
  assert.equal(lcsLength(["1", "2", "3", "4", "5"], ["2", "5", "3", "4"]), 3);
  assert.equal(lcsLength(["1", "2", "3", "4", "5"], ["8", "9"]), 0);
  assert.equal(lcsLength([], ["a"]), 0);
});
