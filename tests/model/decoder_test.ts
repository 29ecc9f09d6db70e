import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { KVCache } from "../../lib/model/kv_cache.ts";
import { sequenceLogProbs } from "../../lib/model/logprobs.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

const SEQ = [3, 7, 11, 2, 9, 14, 5, 8, 21, 4, 17, 6, 30, 12, 19, 25];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function logitsOf(
  model: CausalLM,
  ids: number[][],
  mask?: number[],
): Float32Array {
  return tf.tidy(() => {
    const input = tf.tensor2d(ids, [ids.length, ids[0].length], "int32");
    return model.logits(model.forward(input, { attentionMask: mask }));
  }).dataSync() as Float32Array;
}

for (
  const [name, config] of [["gemma3", tinyGemmaConfig()], [
    "llama",
    tinyLlamaConfig(),
  ]] as const
) {
  Deno.test(`${name}: KV-cache decoding equals the full forward (past the sliding window)`, () => {
    const model = CausalLM.random(config, { seed: 1, std: 0.2 });
    const v = config.vocabSize;
    const full = logitsOf(model, [SEQ]);
    const cache = new KVCache(1, config.numLayers);
    const before = tf.memory().numTensors;
    // Prefill 6 tokens, then one at a time, then a 3-token chunk.
    const chunks = [
      SEQ.slice(0, 6),
      ...SEQ.slice(6, 13).map((t) => [t]),
      SEQ.slice(13),
    ];
    let offset = 0;
    for (const chunk of chunks) {
      const step = tf.tidy(() =>
        model.logits(
          model.forward(tf.tensor2d([chunk], [1, chunk.length], "int32"), {
            cache,
          }),
        )
      );
      const got = step.dataSync();
      step.dispose();
      assert.ok(
        maxDiff(got, full.subarray(offset * v, (offset + chunk.length) * v)) <
          1e-4,
        `chunk at ${offset}`,
      );
      offset += chunk.length;
    }
    cache.dispose();
    assert.equal(
      tf.memory().numTensors,
      before,
      "cache and steps leak no tensors",
    );
    model.dispose();
  });

  Deno.test(`${name}: left padding changes nothing for the real tokens`, () => {
    const model = CausalLM.random(config, { seed: 2, std: 0.2 });
    const v = config.vocabSize;
    const short = SEQ.slice(0, 9);
    const alone = logitsOf(model, [short]);
    const padded = logitsOf(model, [[0, 0, 0, ...short], SEQ.slice(0, 12)], [
      ...[0, 0, 0, ...short.map(() => 1)],
      ...SEQ.slice(0, 12).map(() => 1),
    ]);
    assert.ok(maxDiff(padded.subarray(3 * v, 12 * v), alone) < 1e-4);
    assert.ok(
      maxDiff(padded.subarray(12 * v), logitsOf(model, [SEQ.slice(0, 12)])) <
        1e-4,
    );
    model.dispose();
  });
}

Deno.test("the sliding window is real: a Gemma model with a huge window gives other log-probs", () => {
  const windowed = CausalLM.random(tinyGemmaConfig(), { seed: 3, std: 0.3 });
  const wide = new CausalLM(
    tinyGemmaConfig({ sliding_window: 4096 }),
    windowed.weights,
  );
  const ids = tf.tensor2d([SEQ], [1, SEQ.length], "int32");
  const a = sequenceLogProbs(windowed, ids).dataSync();
  const b = sequenceLogProbs(wide, ids).dataSync();
  // Identical inside the window, different beyond it.
  assert.ok(maxDiff(a.subarray(0, 4), b.subarray(0, 4)) < 1e-6);
  assert.ok(maxDiff(a.subarray(8), b.subarray(8)) > 1e-3);
  windowed.dispose();
});

Deno.test("sequence log-probs equal log-softmax of the full logits at the next token", () => {
  const model = CausalLM.random(tinyLlamaConfig(), { seed: 4, std: 0.2 });
  const ids = tf.tensor2d([SEQ], [1, SEQ.length], "int32");
  const chunked = sequenceLogProbs(model, ids, undefined, { chunk: 5 })
    .dataSync();
  const logits = tf.logSoftmax(model.logits(model.forward(ids)))
    .arraySync() as number[][][];
  const expected = SEQ.slice(1).map((t, i) => logits[0][i][t]);
  assert.ok(maxDiff(chunked, expected) < 1e-5);
  model.dispose();
});
