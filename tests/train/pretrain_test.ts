import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { generate } from "../../lib/generate/generate.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { saveModel } from "../../lib/model/load.ts";
import { loadPretrained } from "../../lib/model/pretrained.ts";
import { saveTokenizer } from "../../lib/tokenizer/bpe_files.ts";
import { trainBpe } from "../../lib/tokenizer/bpe_train.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import type { MetricsRecord } from "../../lib/train/metrics_log.ts";
import {
  DEFAULT_PRETRAIN,
  evaluateStream,
  pretrain,
  type PretrainOptions,
  randomWindows,
  tinyBaseConfig,
  tokenStream,
  unigramBaseline,
} from "../../lib/train/pretrain.ts";
import { Rng } from "../../lib/util/random.ts";

await initEngine({ verbose: false });

/** A tiny, repetitive corpus a 2-layer model can start to learn in a few steps. */
const DOCS = [
  "The whale swam under the ship. The sailors watched the whale.",
  "The ship sailed on the sea. The sea was calm and the ship was fast.",
  "The sailors sang on the ship. The whale swam away from the ship.",
  "The captain watched the sea. The captain saw the whale and the ship.",
  "The sea was dark. The sailors slept on the ship under the stars.",
];
const bpe = trainBpe(DOCS, { vocabSize: 300 });
const encode = (text: string) => bpe.encode(text);
const data = {
  train: tokenStream(DOCS, encode, 0),
  validation: tokenStream(DOCS.slice(1, 3), encode, 0),
};
const config = tinyBaseConfig({
  vocab_size: bpe.size,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  max_position_embeddings: 32,
});
const OPTIONS: PretrainOptions = {
  ...DEFAULT_PRETRAIN,
  steps: 24,
  batchSize: 4,
  seqLen: 32,
  peakLr: 1e-2,
  warmupSteps: 3,
  evalEvery: 8,
  evalWindows: 4,
  logEvery: 4,
};

async function run(seed: number) {
  const model = CausalLM.random(config, { seed: 7, trainable: true });
  const before = tf.memory().numTensors;
  const tensorsAtLog: number[] = [];
  const result = await pretrain(model, data, { ...OPTIONS, seed }, {
    progress: false,
    onLog: (r) => {
      if ("loss" in r) tensorsAtLog.push(tf.memory().numTensors);
    },
  });
  return {
    model,
    result,
    tensorsAtLog,
    added: tf.memory().numTensors - before,
  };
}

const withoutTiming = (history: MetricsRecord[]) =>
  history.map(({ tokens_per_s: _, ...rest }) => rest);

Deno.test("pretrain: tokenStream puts <|endoftext|> before each document", () => {
  const stream = tokenStream(
    ["ab", "c"],
    (t) => [...t].map((ch) => ch.charCodeAt(0)),
    0,
  );
  assert.deepEqual([...stream], [0, 97, 98, 0, 99]);
});

Deno.test("pretrain: randomWindows are seeded slices of the stream", () => {
  const stream = Int32Array.from({ length: 100 }, (_, i) => i);
  const a = randomWindows(stream, 3, 10, new Rng(5));
  const b = randomWindows(stream, 3, 10, new Rng(5));
  assert.deepEqual(a, b);
  for (let r = 0; r < 3; r++) {
    const row = [...a.ids.subarray(r * 10, r * 10 + 10)];
    assert.deepEqual(row, row.map((_, i) => row[0] + i));
    assert.ok(row[0] >= 0 && row[9] < 100);
  }
  assert.throws(
    () => randomWindows(stream.subarray(0, 5), 1, 10, new Rng(0)),
    /has 5 tokens, fewer than one window of 10/,
  );
});

Deno.test("pretrain: evaluateStream predicts every token but the first exactly once", () => {
  const model = CausalLM.random(config, { seed: 1 });
  try {
    const stream = data.validation;
    const all = evaluateStream(model, stream, { length: 32, batchSize: 3 });
    assert.equal(all.tokens, stream.length - 1);
    assert.ok(Math.abs(all.perplexity - Math.exp(all.loss)) < 1e-9);
    const some = evaluateStream(model, stream, {
      length: 32,
      batchSize: 3,
      maxWindows: 1,
    });
    assert.equal(some.tokens, 31);
    // One window is exactly causalLmLoss on the first 32 tokens.
    const { loss } = causalLmLoss(model, {
      ids: stream.slice(0, 32),
      batch: 1,
      length: 32,
    });
    assert.ok(Math.abs(some.loss - loss.dataSync()[0]) < 1e-5);
    loss.dispose();
  } finally {
    model.dispose();
  }
});

Deno.test("pretrain: unigramBaseline is add-one smoothed over the training tokens", () => {
  const u = unigramBaseline(
    Int32Array.from([0, 1, 1]),
    Int32Array.from([2, 1, 0]),
    3,
  );
  // counts + 1 = [2, 3, 1] of 6; the targets are 1 and 0.
  const expected = -(Math.log(3 / 6) + Math.log(2 / 6)) / 2;
  assert.ok(Math.abs(u.loss - expected) < 1e-12);
  assert.equal(u.tokens, 2);
  assert.throws(
    () => unigramBaseline(Int32Array.from([5]), Int32Array.from([0, 1]), 3),
    /token id 5 is outside the vocabulary \(size 3\)/,
  );
});

Deno.test("pretrain: a few steps lower the validation loss and keep the tensor count flat", async () => {
  const { model, result, tensorsAtLog, added } = await run(0);
  try {
    assert.ok(
      result.final.loss < result.initial.loss - 0.5,
      `validation loss ${result.initial.loss} → ${result.final.loss}`,
    );
    const trainLosses = result.history.filter((r) => "loss" in r).map((r) =>
      r.loss as number
    );
    assert.ok(
      trainLosses.at(-1)! < trainLosses[0],
      `train loss ${trainLosses}`,
    );
    assert.equal(
      result.history.filter((r) => "eval_loss" in r).length,
      1 + 24 / 8,
    );
    assert.equal(
      new Set(tensorsAtLog).size,
      1,
      `tensors at each log: ${tensorsAtLog}`,
    );
    // Nothing outlives the run (the optimizer's moments are freed).
    assert.equal(added, 0);
  } finally {
    model.dispose();
  }
});

Deno.test("pretrain: the same seed gives the same run, another seed another one", async () => {
  const a = await run(3), b = await run(3), c = await run(4);
  try {
    assert.deepEqual(
      withoutTiming(b.result.history),
      withoutTiming(a.result.history),
    );
    assert.notDeepEqual(
      withoutTiming(c.result.history),
      withoutTiming(a.result.history),
    );
  } finally {
    for (const r of [a, b, c]) r.model.dispose();
  }
});

Deno.test("pretrain: options outside the model are clear errors", async () => {
  const model = CausalLM.random(config, { seed: 0 });
  try {
    await assert.rejects(
      () =>
        pretrain(model, data, { ...OPTIONS, seqLen: 64 }, { progress: false }),
      /seqLen exceeds the model's max_position_embeddings 32, got 64/,
    );
    await assert.rejects(
      () =>
        pretrain(model, data, { ...OPTIONS, steps: 0 }, { progress: false }),
      /pretrain: steps must be a positive integer, got 0/,
    );
  } finally {
    model.dispose();
  }
});

Deno.test("pretrain: the trained model and tokenizer save as a folder loadPretrained loads and generates from", async () => {
  const { model } = await run(0);
  const dir = await Deno.makeTempDir({ prefix: "tunebook-pretrain-" });
  try {
    await saveModel(model, dir, { generationConfig: { eos_token_id: [0, 2] } });
    await saveTokenizer(bpe, dir, { modelMaxLength: 32 });
    const loaded = await loadPretrained(dir);
    try {
      assert.ok(loaded.tokenizer, "the folder has a tokenizer");
      const tok = loaded.tokenizer!;
      assert.deepEqual(tok.eosIds, [0, 2]);
      const prompt = [0, ...tok.encode("The whale")];
      assert.deepEqual(prompt.slice(1), bpe.encode("The whale"));
      const options = { maxNewTokens: 12, sampling: "greedy" as const };
      const [fromMemory] = generate(model, [prompt], options);
      const [fromDisk] = generate(loaded.model, [prompt], options);
      assert.deepEqual(fromDisk.tokens, fromMemory.tokens);
      assert.ok(fromDisk.tokens.length > 0);
      assert.equal(typeof tok.decode(fromDisk.tokens), "string");
    } finally {
      loaded.model.dispose();
    }
  } finally {
    model.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
