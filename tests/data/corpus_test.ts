import assert from "node:assert/strict";
import { countWords } from "../../lib/util/sentences.ts";
import {
  detokenizeBrown,
  loadCorpus,
  normalizeWhitespace,
  readCorpusDocuments,
  splitDocuments,
} from "../../lib/data/corpus.ts";

const corpus = await loadCorpus();

Deno.test("corpus: non-empty, disjoint train/validation splits with about 2 % held out", () => {
  const { train, validation, trainIds, validationIds, stats } = corpus;
  assert.equal(train.length, trainIds.length);
  assert.equal(validation.length, validationIds.length);
  assert.ok(validation.length > 0 && train.length > 40 * validation.length);
  const held = new Set(validationIds);
  assert.equal(held.size, validationIds.length);
  assert.ok(
    trainIds.every((id) => !held.has(id)),
    "no document in both splits",
  );
  assert.ok([...train, ...validation].every((text) => text.trim().length > 0));
  // Held-out documents come from every source.
  for (const source of ["sotu/", "moby-dick/", "brown/"]) {
    assert.ok(validationIds.some((id) => id.startsWith(source)), source);
  }
  assert.equal(stats.train.documents + stats.validation.documents, 871);
});

Deno.test("corpus: word counts match the published sizes of the sources", () => {
  const { bySource, train, validation } = corpus.stats;
  // data-sources.md §4.8: 233 addresses / 1 794 882 words, Moby-Dick 208 160
  // words in data.txt (plus front matter here), Brown 1.16 M tokens with punctuation.
  assert.equal(bySource.sotu.documents, 233);
  assert.ok(
    Math.abs(bySource.sotu.words - 1_794_882) < 1000,
    `${bySource.sotu.words}`,
  );
  assert.equal(bySource["moby-dick"].documents, 138);
  assert.ok(
    bySource["moby-dick"].words > 205_000 &&
      bySource["moby-dick"].words < 215_000,
  );
  assert.equal(bySource.brown.documents, 500);
  assert.ok(bySource.brown.words > 950_000 && bySource.brown.words < 1_161_192);
  const total = bySource.sotu.words + bySource["moby-dick"].words +
    bySource.brown.words;
  assert.equal(train.words + validation.words, total);
  assert.equal(countWords(corpus.validation.join(" ")), validation.words);
});

Deno.test("corpus: the order and the split are fixed", async () => {
  const again = await loadCorpus();
  assert.deepEqual(again.trainIds, corpus.trainIds);
  assert.deepEqual(again.validationIds, corpus.validationIds);
  assert.equal(again.train[100], corpus.train[100]);
  const docs = await readCorpusDocuments();
  assert.equal(docs[0].id, "sotu/1790_george_washington_n");
  assert.equal(docs[233].id, "moby-dick/etymology");
  assert.equal(docs[235].id, "moby-dick/chapter_1");
  assert.equal(docs.at(-1)!.id, "brown/cr09");
  // Held out: documents 25, 75, 125, …
  assert.deepEqual(
    corpus.validationIds,
    docs.filter((_, i) => i % 50 === 25).map((d) => d.id),
  );
});

Deno.test("corpus: Brown text has no tags and readable punctuation", () => {
  const brown = corpus.trainIds.findIndex((id) => id === "brown/ca01");
  const text = corpus.train[brown];
  assert.ok(
    text.startsWith(
      'The Fulton County Grand Jury said Friday an investigation of Atlanta\'s recent primary election produced "no evidence" that any irregularities took place.',
    ),
    text.slice(0, 200),
  );
  assert.doesNotMatch(text, /\/(at|nn|np|vbd|in)\b/);
});

Deno.test("corpus: detokenizeBrown strips tags, attaches punctuation and keeps paragraphs", () => {
  const tagged =
    "\n\n\tThe/at jury/nn said/vbd ``/`` no/at ''/'' ,/, then/rb left/vbd ./.\n" +
    "It/pps cost/vbd $/$ 5/cd (/( or/cc 1/2/cd )/) ;/. ;/.\n" +
    "Why/wrb ?/. ?/.\n" +
    "\n\n\tHe/pps said/vbd '/' go/vb '/' to/in Jones/np ./.\n" +
    "Part/nn-hl Two/cd-hl\n" +
    "Next/ap day/nn ./.\n";
  assert.equal(
    detokenizeBrown(tagged),
    'The jury said "no", then left. It cost $5 (or 1/2); Why?\n\n' +
      "He said 'go' to Jones.\n\nPart Two\n\nNext day.",
  );
});

Deno.test("corpus: normalizeWhitespace joins wrapped lines and keeps one blank line between paragraphs", () => {
  assert.equal(
    normalizeWhitespace(
      "  First\tline\r\nwrapped  here.\r\n\r\n\n \n Second.\u00a0 \n\n",
    ),
    "First line wrapped here.\n\nSecond.",
  );
  assert.equal(normalizeWhitespace(" \n\n "), "");
  assert.equal(countWords(" a  b\nc "), 3);
});

Deno.test("corpus: splitDocuments holds out the middle of every block and rejects bad settings", () => {
  const { train, validation } = splitDocuments([..."abcdefghij"], 4);
  assert.deepEqual(validation, ["c", "g"]);
  assert.deepEqual(train, [..."abdefhij"]);
  assert.throws(
    () => splitDocuments([1, 2, 3], 1),
    /validationEvery must be an integer ≥ 2, got 1/,
  );
  assert.throws(
    () => splitDocuments([1], 4),
    /splitting 1 documents one in 4 leaves an empty split/,
  );
});

Deno.test("corpus: a missing package names the folder and how to install it", async () => {
  const empty = await Deno.makeTempDir({ prefix: "tunebook-corpus-" });
  try {
    await assert.rejects(
      () => loadCorpus({ nodeModules: empty }),
      /datasets-sotu\/data not found: the corpus needs the npm package @stdlib\/datasets-sotu \(in deno\.json\); run \.\/tunebook install/,
    );
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});
