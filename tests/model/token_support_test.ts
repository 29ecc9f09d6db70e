/**
 * Log-probs under a sampler's support: a constrained draw is scored under
 * the distribution renormalised over the tokens it could draw, with the
 * same hand-written backward as the unconstrained path.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { tokenLogProbs } from "../../lib/model/logprobs.ts";
import { completionSupport } from "../../lib/model/token_support.ts";
import { tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

function maxRelative(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  const x = a.dataSync(), y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  }
  return worst;
}

Deno.test("completionSupport places each completion token's mask where it is predicted", () => {
  const even = new Uint8Array(8).map((_, v) => v % 2 === 0 ? 1 : 0);
  const low = new Uint8Array(8).map((_, v) => v < 4 ? 1 : 0);
  const support = completionSupport([
    { promptLength: 2, masks: [even, null, low] },
    { promptLength: 3, masks: [low, even] },
  ], 6)!;
  assert.deepEqual(support.masks, [even, low]);
  // Row 0: tokens at positions 2, 3, 4 are predicted from 1, 2, 3.
  // Row 1: tokens at positions 3, 4 from 2, 3.
  assert.deepEqual([...support.index], [-1, 0, -1, 1, -1, -1, -1, 1, 0, -1]);
  assert.equal(
    completionSupport([{ promptLength: 2, masks: [null, null] }], 5),
    undefined,
    "nothing drawn under a mask: no support",
  );
  assert.throws(
    () => completionSupport([{ promptLength: 5, masks: [even] }], 5),
    /outside the batch/,
  );
});

Deno.test("tokenLogProbs with a support: log-softmax over the allowed tokens, value and gradients", () => {
  const model = CausalLM.random(tinyLlamaConfig(), {
    seed: 3,
    std: 0.3,
    trainable: true,
  });
  const head = model.headWeight() as tf.Variable;
  const vocab = head.shape[0];
  const hidden = tf.randomNormal([2, 5, 32], 0, 1, "float32", 7);
  const targets = [[1, 4, 9, 38, 0], [2, 2, 16, 30, 8]];
  // Two masks (even ids; ids below 20) and unconstrained positions; every
  // target is allowed where it is drawn.
  const even = new Uint8Array(vocab).map((_, v) => v % 2 === 0 ? 1 : 0);
  const low = new Uint8Array(vocab).map((_, v) => v < 20 ? 1 : 0);
  const index = new Int32Array([1, 0, 1, 0, 0, -1, -1, 1, 0, 1]);
  const support = { masks: [even, low], index };
  const bias = tf.tensor2d(
    [...index].flatMap((k) =>
      Array.from(
        { length: vocab },
        (_, v) => k < 0 || [even, low][k][v] ? 0 : -1e9,
      )
    ),
    [10, vocab],
  );
  const weights = tf.randomUniform([2, 5], 0, 1, "float32", 9);
  const ids = tf.tensor2d(targets, [2, 5], "int32");
  const loss = (fn: (h: tf.Tensor) => tf.Tensor) => (h: tf.Tensor) =>
    tf.sum(tf.mul(fn(h), weights)) as tf.Scalar;
  const custom = (h: tf.Tensor) => tokenLogProbs(model, h, ids, 4, support);
  const naive = (h: tf.Tensor) => {
    const logits = tf.add(
      tf.matMul(tf.reshape(h, [10, 32]), head, false, true),
      bias,
    );
    const picked = tf.sum(
      tf.mul(tf.logSoftmax(logits), tf.oneHot(tf.reshape(ids, [10]), vocab)),
      -1,
    );
    return tf.reshape(picked, [2, 5]);
  };
  const a = tf.valueAndGrads((h: tf.Tensor) => loss(custom)(h))([hidden]);
  const b = tf.valueAndGrads((h: tf.Tensor) => loss(naive)(h))([hidden]);
  assert.ok(maxRelative(a.value, b.value) < 1e-5, "value");
  assert.ok(maxRelative(a.grads[0], b.grads[0]) < 1e-5, "d hidden");
  const ga = tf.variableGrads(() => loss(custom)(hidden), [head]);
  const gb = tf.variableGrads(() => loss(naive)(hidden), [head]);
  assert.ok(
    maxRelative(ga.grads[head.name], gb.grads[head.name]) < 1e-5,
    "d head",
  );
  // Renormalising over fewer tokens raises every constrained log-prob;
  // unconstrained positions are unchanged.
  const plain = tokenLogProbs(model, hidden, ids, 4).dataSync();
  const under = custom(hidden).dataSync();
  index.forEach((k, i) => {
    if (k < 0) assert.ok(Math.abs(under[i] - plain[i]) < 1e-6, `position ${i}`);
    else assert.ok(under[i] > plain[i] + 1e-4, `position ${i}`);
  });
  model.dispose();
});
