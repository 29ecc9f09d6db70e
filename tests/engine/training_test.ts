/**
 * End to end: a few Adam steps of a tiny language model (embedding gather,
 * matmuls, tied output head, cross-entropy) give the same losses and weights
 * on wasm as on cpu, and memory stays flat from step to step.
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/engine/mod.ts";
import { ALL_WASM_TARGETS, compareBackends, randn } from "./compare.ts";

const [VOCAB, D_MODEL, D_HIDDEN, BATCH, SEQ, STEPS] = [11, 8, 13, 3, 7, 6];

/**
 * Trains from a seeded start and returns [losses, embedding, w1, w2]. All
 * variables and optimizer state are disposed before returning; throws if the
 * tensor count grows after the first step (Adam creates its state there).
 */
function trainTinyModel(): tf.Tensor[] {
  const embedding = tf.variable(randn([VOCAB, D_MODEL], 1, 0.5));
  const w1 = tf.variable(randn([D_MODEL, D_HIDDEN], 2, 0.4));
  const w2 = tf.variable(randn([D_HIDDEN, D_MODEL], 3, 0.4));
  const ids = tf.randomUniform([BATCH, SEQ], 0, VOCAB, "int32", 4);
  const one = tf.scalar(1, "int32"), vocab = tf.scalar(VOCAB, "int32");
  const targets = tf.mod(tf.add(ids, one), vocab); // learn "next id"
  const optimizer = tf.train.adam(0.05);
  const lossFn = (): tf.Scalar => {
    const x = tf.gather(embedding, ids); // [B, T, D]
    const h = tf.add(x, tf.matMul(tf.tanh(tf.matMul(x, w1)), w2));
    const logits = tf.matMul(h, embedding, false, true); // tied head
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(targets, VOCAB), logp), -1)));
  };
  const losses: number[] = [];
  let tensorsAfterFirstStep = 0;
  for (let step = 0; step < STEPS; step++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(lossFn);
      optimizer.applyGradients(
        Object.entries(grads).map(([name, tensor]) => ({ name, tensor })),
      );
      losses.push(value.dataSync()[0]);
    });
    const count = tf.memory().numTensors;
    if (step === 0) tensorsAfterFirstStep = count;
    else if (count !== tensorsAfterFirstStep) {
      throw new Error(
        `step ${step}: ${count} tensors, ${tensorsAfterFirstStep} after step 0`,
      );
    }
  }
  const out = [
    tf.tensor1d(losses),
    tf.clone(embedding),
    tf.clone(w1),
    tf.clone(w2),
  ];
  optimizer.dispose();
  tf.dispose([embedding, w1, w2, ids, one, vocab, targets]);
  return out;
}

Deno.test("Adam steps of a tiny embedding + matmul model match cpu", async () => {
  // Adam divides by √v, so per-step float noise is amplified slightly; the
  // bound still catches any wrong gradient, which shifts a loss by ≫ 1e-3.
  const [losses] = await compareBackends(
    "tiny model training",
    trainTinyModel,
    {
      tolerance: { atol: 5e-6, rtol: 5e-5 },
      targets: ALL_WASM_TARGETS,
    },
  );
  const values = Array.from(losses.values);
  assert.equal(values.length, STEPS);
  // The model learns: every step lowers the loss, by half overall.
  const trace = values.map((v) => v.toFixed(4)).join(", ");
  assert.ok(
    values.every((v, i) => i === 0 || v < values[i - 1]),
    `loss should fall at every step: ${trace}`,
  );
  assert.ok(values[STEPS - 1] < values[0] / 2, `loss should halve: ${trace}`);
});
