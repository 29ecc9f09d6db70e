import assert from "node:assert/strict";
import { recordingEmbedder } from "../helpers/recording_embedder.ts";
import {
  haikuLineCounts,
  haikuRegularReward,
  haikuReward,
  haikuSparseReward,
  isHaiku,
  legacyTopicOf,
  threeLinesReward,
  topicOf,
} from "../../lib/rewards/haiku.ts";
import { cosineSimilarities } from "../../lib/rewards/similarity.ts";
import { type RewardSample, scoreRewards } from "../../lib/rewards/types.ts";
import { useLiteEmbedder } from "../../lib/rewards/use_lite.ts";

interface Row {
  conversations: { role: "user" | "assistant"; content: string }[];
}
const read = (file: string): Row[] =>
  JSON.parse(
    Deno.readTextFileSync(new URL(`../../data/haiku/${file}`, import.meta.url)),
  );
const train = read("train.json");
const evalRows = read("eval.json");
const asSample = (
  row: Row,
  completion = row.conversations[1].content,
): RewardSample => ({
  prompt: [row.conversations[0]],
  completion,
  columns: { conversations: row.conversations },
});

Deno.test("every haiku in data/haiku is 5-7-5 under the CMU counter", async () => {
  const samples = [...train, ...evalRows].map((r) => asSample(r));
  assert.equal(samples.length, 450);
  const scored = await scoreRewards(
    [threeLinesReward(), haikuReward()],
    samples,
  );
  assert.ok(scored.byName.three_lines.every((v) => v === 0));
  assert.ok(scored.byName.haiku.every((v) => v === 1));
  // "Snow on the tall pines / and not one bird has sung yet / the sky turns pale gold"
  assert.deepEqual(haikuLineCounts(train[0].conversations[1].content), [
    5,
    7,
    5,
  ]);
});

Deno.test("the pyphen counter gives gemma_haiku's hyphenation counts on the same haikus", async () => {
  // Line counts from real pyphen (tests/fixtures/rewards/pyphen_golden.json).
  const expected = [[5, 7, 5], [6, 7, 5], [5, 6, 5], [5, 6, 5]];
  train.slice(0, 4).forEach((row, i) => {
    assert.deepEqual(
      haikuLineCounts(row.conversations[1].content, "pyphen"),
      expected[i],
    );
  });
  const fn = haikuReward({ counter: "pyphen" });
  assert.equal(fn.name, "haiku_pyphen");
  const scored = await scoreRewards(
    [fn],
    train.slice(0, 4).map((r) => asSample(r)),
  );
  assert.deepEqual(scored.byName.haiku_pyphen, [1, 0, 0, 0]);
});

Deno.test("three_lines reads lines as gemma_haiku does", () => {
  const base = train[0].conversations[1].content;
  const cases: [string, number][] = [
    [base, 0],
    [`\n  ${base.replaceAll("\n", "\n\n  ")}  \n`, 0], // blank lines and indentation ignored
    ["Snow on the tall pines\nand not one bird has sung yet", -1],
    [`Sure! Here is a haiku:\n${base}`, -1],
    ["", -1],
    ["one\rtwo\rthree", -1], // a lone \r is not a line break in gemma_haiku
  ];
  const fn = threeLinesReward();
  const values = fn.score(
    cases.map(([c]) => ({ prompt: "p", completion: c, columns: {} })),
  );
  assert.deepEqual(values, cases.map(([, v]) => v));
  assert.equal(isHaiku(`Sure! Here is a haiku:\n${base}`), false);
});

Deno.test("the topic is everything after the first colon; the legacy rule stops at the second", () => {
  const prompt =
    "Generate a haiku about the following topic: Time: the river that carries us.\n";
  assert.equal(topicOf(prompt), "Time: the river that carries us.");
  assert.equal(legacyTopicOf(prompt), "Time");
  const chat = [
    { role: "system" as const, content: "Answer in verse: always." },
    { role: "user" as const, content: prompt },
  ];
  assert.equal(
    topicOf(chat),
    "Time: the river that carries us.",
    "the user turn, not the system prompt",
  );
  assert.equal(topicOf("A lighthouse in fog"), "A lighthouse in fog");
  assert.throws(() => legacyTopicOf("no colon here"), /no ":" before a topic/);
});

Deno.test("regular and sparse rewards follow gemma_haiku's formulas with per-sample topics", async () => {
  const emb = recordingEmbedder();
  const haiku = train[0].conversations[1].content; // valid under CMU
  const almost =
    "Snow on the pines\nand not one bird has sung yet\nthe sky turns pale gold"; // 4-7-5
  const prose = "Snow falls. No bird has sung yet, and the sky turns gold.";
  const samples = [
    asSample(train[0], haiku),
    asSample(train[1], haiku), // same completion, another prompt's topic
    asSample(train[0], almost),
    asSample(train[0], prose),
  ];
  const topics = samples.map((s) => topicOf(s.prompt));
  assert.notEqual(topics[0], topics[1]);
  const cos = await cosineSimilarities(
    emb,
    samples.map((s) => s.completion),
    topics,
  );
  emb.calls.length = 0;

  const regular = haikuRegularReward(emb);
  const sparse = haikuSparseReward(emb);
  assert.deepEqual(regular.range, [-2.5, 1.5]);
  assert.deepEqual(sparse.range, [-1, 1.5]);
  assert.equal(regular.embedder, "use-lite");
  const scored = await scoreRewards([regular, sparse], samples);
  const near = (a: (number | null)[], b: number[]) =>
    a.forEach((v, i) =>
      assert.ok(Math.abs(v! - b[i]) < 1e-6, `sample ${i}: ${v} vs ${b[i]}`)
    );
  near(scored.byName.haiku_regular, [
    1 + cos[0] - 0.5,
    1 + cos[1] - 0.5,
    0 + cos[2] - 0.5,
    -1 + cos[3] - 0.5,
  ]);
  near(scored.byName.haiku_sparse, [1 + cos[0] - 0.5, 1 + cos[1] - 0.5, 0, -1]);
  assert.notEqual(
    scored.byName.haiku_regular[0],
    scored.byName.haiku_regular[1],
  );
  // Regular embedded all four completions (plus the two topics); sparse only
  // the two valid haikus (plus the same topics, into its own cache).
  assert.equal(emb.calls.length, 2);
  const [regularCall, sparseCall] = emb.calls;
  assert.deepEqual(regularCall, [
    haiku,
    haiku,
    almost,
    prose,
    topics[0],
    topics[1],
  ]);
  assert.deepEqual(sparseCall, [haiku, haiku, topics[0], topics[1]]);
  emb.calls.length = 0;
  await haikuSparseReward(emb).score([samples[2], samples[3]]);
  assert.equal(emb.calls.length, 0, "no valid haiku, nothing to embed");
});

Deno.test("the legacy topic option reproduces gemma_haiku's truncated topic", async () => {
  const emb = recordingEmbedder();
  const prompt =
    "Generate a haiku about the following topic: Time: the river that carries us.\n";
  const completion = train[0].conversations[1].content;
  const sample = { prompt, completion, columns: {} };
  const [fixedCos, legacyCos] = await cosineSimilarities(
    emb,
    [completion, completion],
    ["Time: the river that carries us.", "Time"],
  );
  const fixed = await haikuRegularReward(emb).score([sample]);
  const legacy = await haikuRegularReward(emb, { topic: "legacy" }).score([
    sample,
  ]);
  assert.ok(Math.abs(fixed[0]! - (1 + fixedCos - 0.5)) < 1e-6);
  assert.ok(Math.abs(legacy[0]! - (1 + legacyCos - 0.5)) < 1e-6);
  await useLiteEmbedder().close?.();
});
