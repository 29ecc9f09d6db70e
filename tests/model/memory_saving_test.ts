/**
 * The memory-saving gradients (recomputed decoder layers, hand-written
 * log-prob backward) must give the same values and gradients as plain
 * autodiff through the stored activations.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM, type LinearAdapter } from "../../lib/model/decoder.ts";
import { tokenLogProbs } from "../../lib/model/logprobs.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import { tinyGemmaConfig, tinyLlamaConfig } from "../helpers/tiny_models.ts";

await initEngine({ verbose: false });

function assertClose(a: tf.Tensor, b: tf.Tensor, tol: number, what: string) {
  assert.deepEqual(a.shape, b.shape, `${what}: shapes differ`);
  const x = a.dataSync(), y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) {
    worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  }
  assert.ok(worst < tol, `${what}: max relative difference ${worst}`);
}

/** A low-rank additive adapter with its own trainable variables. */
function lowRankAdapter(input: number, output: number, seed: number) {
  const a = tf.variable(tf.randomNormal([input, 2], 0, 0.3, "float32", seed));
  const b = tf.variable(
    tf.randomNormal([2, output], 0, 0.3, "float32", seed + 1),
  );
  const adapter: LinearAdapter = {
    forward: (x) => tf.matMul(tf.matMul(x, a), b),
    parameters: [a, b],
  };
  return { adapter, variables: [a, b] };
}

Deno.test("tokenLogProbs: hand-written backward equals autodiff of log-softmax", () => {
  const model = CausalLM.random(tinyLlamaConfig(), {
    seed: 3,
    std: 0.3,
    trainable: true,
  });
  const head = model.headWeight() as tf.Variable;
  const hidden = tf.randomNormal([2, 5, 32], 0, 1, "float32", 7);
  const targets = tf.tensor2d(
    [[1, 5, 9, 39, 0], [2, 2, 17, 30, 8]],
    [2, 5],
    "int32",
  );
  const weights = tf.randomUniform([2, 5], 0, 1, "float32", 9);
  const loss = (fn: (h: tf.Tensor) => tf.Tensor) => (h: tf.Tensor) =>
    tf.sum(tf.mul(fn(h), weights)) as tf.Scalar;
  const custom = (h: tf.Tensor) => tokenLogProbs(model, h, targets, 4);
  const naive = (h: tf.Tensor) => {
    const logp = tf.logSoftmax(
      tf.matMul(tf.reshape(h, [10, 32]), head, false, true),
    );
    const picked = tf.sum(
      tf.mul(logp, tf.oneHot(tf.reshape(targets, [10]), 40)),
      -1,
    );
    return tf.reshape(picked, [2, 5]);
  };
  const a = tf.valueAndGrads((h: tf.Tensor) => loss(custom)(h))([hidden]);
  const b = tf.valueAndGrads((h: tf.Tensor) => loss(naive)(h))([hidden]);
  assertClose(a.value, b.value, 1e-5, "value");
  assertClose(a.grads[0], b.grads[0], 1e-5, "d hidden");
  const ga = tf.variableGrads(() => loss(custom)(hidden), [head]);
  const gb = tf.variableGrads(() => loss(naive)(hidden), [head]);
  assertClose(ga.grads[head.name], gb.grads[head.name], 1e-5, "d head");
  model.dispose();
});

for (
  const [family, config] of [
    ["gemma3 (tied head, sliding window)", tinyGemmaConfig()],
    ["llama (untied head, GQA)", tinyLlamaConfig()],
  ] as const
) {
  Deno.test(`${family}: recomputed layers give the same loss and gradients`, () => {
    const model = CausalLM.random(config, {
      seed: 5,
      std: 0.2,
      trainable: true,
    });
    const adapted = "model.layers.1.self_attn.o_proj";
    const [outFeatures, inFeatures] = model.weights.get(`${adapted}.weight`)!
      .shape as [number, number];
    const { adapter: fitted, variables: adapterVars } = lowRankAdapter(
      inFeatures,
      outFeatures,
      13,
    );
    model.adapters.set(adapted, fitted);
    const batch = {
      ids: Int32Array.from([
        3,
        7,
        11,
        2,
        9,
        14,
        5,
        8,
        0,
        0,
        4,
        17,
        6,
        30,
        12,
        19,
        25,
        1,
      ]),
      batch: 2,
      length: 9,
      attentionMask: Uint8Array.from([
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
        0,
        0,
        1,
        1,
        1,
        1,
        1,
        1,
        1,
      ]),
    };
    const params = [...model.weights.values(), ...adapterVars];
    const run = (recompute: boolean) => {
      model.recomputeLayers = recompute;
      return tf.variableGrads(() => causalLmLoss(model, batch).loss, params);
    };
    const before = tf.memory().numTensors;
    const plain = run(false);
    const saved = run(true);
    assertClose(saved.value, plain.value, 1e-6, "loss");
    for (const p of params) {
      assertClose(saved.grads[p.name], plain.grads[p.name], 1e-4, p.name);
    }
    tf.dispose([
      plain.value,
      saved.value,
      ...Object.values(plain.grads),
      ...Object.values(saved.grads),
    ]);
    assert.equal(tf.memory().numTensors, before, "no tensors leak");
    tf.dispose(adapterVars);
    model.dispose();
  });
}
