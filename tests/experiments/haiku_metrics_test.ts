import assert from "node:assert/strict";
import { contentWords, promptEcho } from "../../lib/eval/echo.ts";
import { sampleCount } from "../../lib/eval/evaluate.ts";
import {
  duplicates,
  evaluateHaikuOutputs,
  haikuExtras,
  syllableError,
} from "../../lib/experiments/haiku/metrics.ts";
import { useLiteEmbedder } from "../../lib/rewards/use_lite.ts";
import {
  echo,
  fixedOutputs,
  letterBagEmbedder,
  letterCosine,
  realHaiku,
  train,
  trainCopy,
  trainHaikus,
} from "./haiku_fixtures.ts";

const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

Deno.test("each output gets gemma_haiku's scores and the diagnostics", async () => {
  const embedder = letterBagEmbedder();
  const report = await evaluateHaikuOutputs(fixedOutputs(), {
    model: "fixed",
    trainHaikus,
    embedder,
  });
  const [p0, p1, p2] = report.prompts;
  assert.equal(p0.id, "A heron fishing in a marsh at sunrise.");
  assert.equal(p2.id, "Quiet snowy forest at dawn");
  assert.equal(p0.reference, realHaiku);

  const real = p0.samples[0].values;
  assert.deepEqual(haikuExtras(p0.samples[0]).lineSyllables, [5, 7, 5]);
  assert.equal(real.haiku, 1);
  assert.equal(real.threeLines, 1);
  assert.equal(real.syllableError, 0);
  assert.equal(real.trainOverlap, 0);
  assert.equal(real.promptEcho, 1 / 4, "heron, of heron/fishing/marsh/sunrise");

  const four = p0.samples[1].values;
  assert.equal(four.haiku, 0);
  assert.equal(four.threeLines, 0);
  assert.equal(four.syllableError, null, "only three-line outputs count");

  const copy = p1.samples[0];
  assert.equal(copy.text, trainCopy, "the text as given");
  assert.equal(copy.values.trainOverlap, 1);
  assert.equal(copy.values.haiku, 1);

  const wrong = p1.samples[1].values;
  assert.deepEqual(haikuExtras(p1.samples[1]).lineSyllables, [4, 7, 5]);
  assert.equal(wrong.haiku, 0);
  assert.equal(wrong.threeLines, 1);
  near(wrong.syllableError!, 1 / 3, "|4 − 5| over three lines");
  assert.equal(wrong.words, 16);
  assert.equal(wrong.chars, 71);
  assert.equal(wrong.promptEcho, 0);

  assert.equal(p2.samples[0].values.promptEcho, 1);
  assert.equal(p2.samples[0].values.threeLines, 0);
  const empty = p2.samples[1].values;
  assert.deepEqual([empty.words, empty.chars, empty.haiku], [0, 0, 0]);
  assert.equal(
    haikuExtras(p2.samples[1]).cosine,
    0,
    "a zero vector has cosine 0",
  );

  // Similarity = cos(stripped output, topic) − 0.5; total = haiku + similarity.
  report.prompts.forEach((p) =>
    p.samples.forEach((s, j) => {
      const cos = letterCosine(s.text.trim(), p.id);
      near(haikuExtras(s).cosine, cos, `prompt ${p.index} sample ${j} cosine`);
      near(s.values.similarity!, cos - 0.5, "similarity");
      near(s.values.total!, s.values.haiku! + cos - 0.5, "total");
    })
  );
  assert.ok(embedder.seen.includes(trainCopy.trim()), "outputs are stripped");
  assert.ok(!embedder.seen.includes(trainCopy));
});

Deno.test("aggregates are means over outputs with intervals over prompts", async () => {
  const report = await evaluateHaikuOutputs(fixedOutputs(), {
    model: "fixed",
    trainHaikus,
    embedder: letterBagEmbedder(),
    generation: { seed: 7, maxNewTokens: 50 },
  });
  const a = report.aggregate;
  near(a.haiku!.mean, 2 / 6, "Haiku Score");
  near(a.threeLines!.mean, 3 / 6, "three-line rate");
  near(a.trainOverlap!.mean, 1 / 6, "Train Overlap");
  near(a.promptEcho!.mean, (0.25 + 0.25 + 0 + 0 + 1 + 0) / 6, "echo");
  near(
    a.syllableError!.mean,
    (0 + 0 + 1 / 3) / 3,
    "pooled over 3-line outputs",
  );
  assert.equal(a.syllableError!.groups, 2, "prompt 2 has no three-line output");
  assert.equal(a.syllableError!.values, 3);
  near(
    a.total!.mean,
    a.haiku!.mean + a.similarity!.mean,
    "Total = Haiku + Sim",
  );
  const cosines = report.prompts.flatMap((p) =>
    p.samples.map((s) => letterCosine(s.text.trim(), p.id) - 0.5)
  );
  near(a.similarity!.mean, cosines.reduce((x, y) => x + y) / 6, "Similarity");
  for (const [key, est] of Object.entries(a)) {
    assert.ok(est && est.low <= est.mean && est.mean <= est.high, key);
  }
  assert.equal(duplicates(report), 1);
  assert.equal(sampleCount(report), 6);
  assert.deepEqual(report.prompts[1].means.syllableError, 1 / 6);
  assert.equal(report.prompts[2].means.syllableError, null);
  assert.deepEqual(
    { ...report.settings, bootstrap: undefined },
    {
      k: 2,
      prompts: 3,
      seed: 7,
      sampling: null,
      maxNewTokens: 50,
      bootstrap: undefined,
      study: {
        embedder: "letter-bag (test)",
        counter: "cmu",
        topicRule: "fixed",
        similarityOffset: 0.5,
      },
    },
  );
  assert.deepEqual(report.settings.bootstrap, {
    resamples: 2000,
    seed: 0,
    level: 0.95,
  });
});

Deno.test("the pyphen counter and the legacy topic rule are selectable", async () => {
  // train row 1 is 5-7-5 under CMU but 6-7-5 under gemma_haiku's pyphen count.
  const outputs = [{
    prompt: "Generate a haiku about the following topic: Time: the river.\n",
    samples: [train[1].conversations[1].content],
  }];
  const options = { trainHaikus, embedder: letterBagEmbedder() };
  const cmu = await evaluateHaikuOutputs(outputs, options);
  const pyphen = await evaluateHaikuOutputs(outputs, {
    ...options,
    counter: "pyphen",
    topicRule: "legacy",
  });
  assert.equal(cmu.aggregate.haiku!.mean, 1);
  assert.equal(pyphen.aggregate.haiku!.mean, 0);
  assert.deepEqual(
    haikuExtras(pyphen.prompts[0].samples[0]).lineSyllables,
    [6, 7, 5],
  );
  assert.equal(pyphen.settings.study.counter, "pyphen");
  assert.equal(cmu.prompts[0].id, "Time: the river.");
  assert.equal(pyphen.prompts[0].id, "Time");
});

Deno.test("bad outputs are errors naming the prompt", async () => {
  const options = { trainHaikus, embedder: letterBagEmbedder() };
  const ok = { prompt: "topic: rain", samples: ["a", "b"] };
  await assert.rejects(
    evaluateHaikuOutputs(
      [ok, { prompt: "topic: snow", samples: ["a"] }],
      options,
    ),
    /output 1 has 1 samples but output 0 has 2/,
  );
  await assert.rejects(
    evaluateHaikuOutputs([{ prompt: "topic: x", samples: [] }], options),
    /output 0: samples must be a non-empty list/,
  );
  await assert.rejects(
    evaluateHaikuOutputs(
      [ok, { prompt: "t: y", samples: ["a", 3 as unknown as string] }],
      options,
    ),
    /output 1 sample 1: expected the completion text, got number/,
  );
  await assert.rejects(evaluateHaikuOutputs([], options), /no outputs/);
  await assert.rejects(
    evaluateHaikuOutputs([{ prompt: "no colon", samples: ["a"] }], {
      ...options,
      topicRule: "legacy",
    }),
    /output 0: the prompt has no ":"/,
  );
});

Deno.test("prompt echo counts the topic's content words, not its function words", () => {
  assert.deepEqual(contentWords("The quiet of a snowy forest at dawn."), [
    "quiet",
    "snowy",
    "forest",
    "dawn",
  ]);
  assert.equal(promptEcho("The quiet of a snowy forest at dawn.", echo), 1);
  assert.equal(
    promptEcho(
      "The quiet of a snowy forest at dawn.",
      "a snowy forest\nat dawn",
    ),
    0.75,
  );
  assert.equal(promptEcho("The forest.", "Forests! FOREST."), 1, "case-blind");
  assert.equal(promptEcho("The forest.", "forests"), 0, "no stemming");
  assert.equal(promptEcho("Of the.", "anything"), null);
  assert.equal(syllableError([5, 7, 5]), 0);
  assert.equal(syllableError([6, 6, 2]), 5 / 3);
  assert.throws(() => syllableError([5, 7]), /expected 3 line counts/);
});

Deno.test("with the real USE-lite embedder, a haiku is closer to its own topic", async () => {
  const use = useLiteEmbedder();
  try {
    const report = await evaluateHaikuOutputs([
      {
        prompt: "x: y",
        topic: "A heron fishing in a marsh at sunrise.",
        samples: [realHaiku],
      },
      {
        prompt: "x: y",
        topic: "A spreadsheet of quarterly tax figures.",
        samples: [realHaiku],
      },
    ], { trainHaikus, embedder: use });
    const [own, other] = report.prompts.map((p) =>
      haikuExtras(p.samples[0]).cosine
    );
    assert.ok(own > other + 0.1, `own topic ${own}, unrelated ${other}`);
    assert.equal(report.settings.study.embedder, "use-lite");
  } finally {
    await use.close?.();
  }
});

Deno.test("broken text: U+FFFD or a control character marks an output, tab and newlines do not", async () => {
  const texts = [
    "Snow on the tall pines\nand not one bird has sung yet\nthe sky turns pale gold",
    "Snow on the tall pines\tstill\r\nand not one bird\nthe sky",
    "Snow on the tall pines\nand not one bird\nthe sky turns pale gol\uFFFD",
    "Snow on the tall pines\nand not one bird\nthe sky\u0001",
    "\u0013Snow on the tall pines",
    "Snow on the tall pines\u0085",
  ];
  const report = await evaluateHaikuOutputs(
    [{
      prompt: "Generate a haiku about the following topic: snow",
      samples: texts,
    }],
    { trainHaikus, embedder: letterBagEmbedder() },
  );
  assert.deepEqual(
    report.prompts[0].samples.map((s) => s.values.brokenText),
    [0, 0, 1, 1, 1, 1],
    "a leading control byte counts though strip() would drop it",
  );
  near(report.aggregate.brokenText!.mean, 4 / 6, "share of outputs");
});
