import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import {
  sampleCompletions,
  sampleSeed,
} from "../../lib/eval/generate_samples.ts";
import { GEMMA_HAIKU_EVAL_SAMPLING } from "../../lib/experiments/haiku/evaluate.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import type { ChatMessage } from "../../lib/tokenizer/mod.ts";
import { writeTinyChatModel } from "../helpers/chat_model.ts";

await initEngine({ verbose: false });
const dir = await Deno.makeTempDir({ prefix: "eval_samples_" });
const { model, tokenizer } = await loadPretrained(
  await writeTinyChatModel(dir, { seed: 3, std: 0.5 }),
);
const tok = tokenizer!;
const user = (content: string): ChatMessage[] => [{ role: "user", content }];
const prompts = [
  user("Generate a haiku about the following topic: rain"),
  user("Generate a haiku about the following topic: snow on the hills"),
  "a plain text prompt",
];
const options = {
  seed: 5,
  maxNewTokens: 8,
  batchSize: 2,
  sampling: GEMMA_HAIKU_EVAL_SAMPLING,
};

Deno.test("the same seed gives the same completions; each sample index its own", () => {
  const before = tf.memory().numTensors;
  const a = sampleCompletions(model, tok, prompts, { ...options, k: 3 });
  const b = sampleCompletions(model, tok, prompts, { ...options, k: 3 });
  assert.equal(tf.memory().numTensors, before, "no tensor leaks");
  assert.deepEqual(a, b);
  assert.equal(a.outputs.length, 3);
  a.outputs.forEach((o, i) => {
    assert.equal(o.prompt, prompts[i]);
    assert.equal(o.samples.length, 3);
    assert.equal(o.truncated.length, 3);
    assert.equal(
      new Set(o.samples).size,
      3,
      `prompt ${i}: ${JSON.stringify(o.samples)}`,
    );
    for (const s of o.samples) assert.ok(!/<\|im_(start|end)\|>/.test(s), s);
  });
  assert.deepEqual(a.settings, {
    seed: 5,
    sampling: GEMMA_HAIKU_EVAL_SAMPLING,
    maxNewTokens: 8,
  });
  // Raising k keeps the first samples; another seed changes them.
  const one = sampleCompletions(model, tok, prompts, { ...options, k: 1 });
  assert.deepEqual(
    one.outputs.map((o) => o.samples),
    a.outputs.map((o) => o.samples.slice(0, 1)),
  );
  const other = sampleCompletions(model, tok, prompts, {
    ...options,
    seed: 6,
    k: 1,
  });
  assert.notDeepEqual(
    other.outputs.map((o) => o.samples),
    one.outputs.map((o) => o.samples),
  );
});

Deno.test("a prompt's samples depend on (seed, sample, prompt) only: not on batchSize, not on the other prompts", () => {
  const run = (batchSize: number, list = prompts) =>
    sampleCompletions(model, tok, list, { ...options, batchSize, k: 2 })
      .outputs.map((o) => o.samples);
  const two = run(2);
  assert.deepEqual(run(1), two);
  assert.deepEqual(run(3), two);
  // Evaluating a subset draws what the full list drew for those prompts
  // (the stream is keyed by the prompt's index, so keep the prefix).
  assert.deepEqual(run(2, prompts.slice(0, 2)), two.slice(0, 2));
});

Deno.test("greedy sampling ignores the seed, and bad options are errors", () => {
  const greedy = (seed: number) =>
    sampleCompletions(model, tok, prompts, {
      ...options,
      seed,
      k: 2,
      sampling: "greedy",
    });
  const g = greedy(1);
  assert.deepEqual(g.outputs, greedy(2).outputs);
  g.outputs.forEach((o) => assert.equal(o.samples[0], o.samples[1]));
  assert.throws(
    () => sampleCompletions(model, tok, prompts, { ...options, k: 0 }),
    /k must be a positive integer, got 0/,
  );
  assert.throws(
    () =>
      sampleCompletions(model, tok, prompts, {
        ...options,
        k: 1,
        batchSize: 1.5,
      }),
    /batchSize must be a positive integer/,
  );
  assert.throws(
    () =>
      sampleCompletions(model, tok, [
        [{ role: "robot", content: "x" }] as unknown as ChatMessage[],
      ], { ...options, k: 1 }),
    /prompt 0: .*role/,
  );
});

Deno.test("sample seeds differ across sample and prompt indices", () => {
  const seeds = new Set<number>();
  for (let j = 0; j < 8; j++) {
    for (let b = 0; b < 8; b++) seeds.add(sampleSeed(0, j, b));
  }
  assert.equal(seeds.size, 64);
  assert.equal(sampleSeed(0, 1, 2), sampleSeed(0, 1, 2));
  assert.notEqual(sampleSeed(0, 1, 2), sampleSeed(1, 1, 2));
});

Deno.test({
  name: "cleanup",
  fn: async () => {
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  },
});
