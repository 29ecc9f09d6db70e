/**
 * Token-weighted accumulation: two micro-batches with different target
 * token counts give the gradient of the full batch's mean token loss.
 */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { CausalLM } from "../../lib/model/decoder.ts";
import { GradientAccumulator } from "../../lib/train/accumulate.ts";
import type { TokenBatch } from "../../lib/model/batch.ts";
import { causalLmLoss } from "../../lib/train/lm_loss.ts";
import { tinyGemmaConfig } from "../helpers/tiny_models.ts";
import { gradsByName, tinyBatch } from "./helpers.ts";

await initEngine({ verbose: false });

function gradients(
  model: CausalLM,
  batch: TokenBatch,
): { grads: Map<string, tf.Tensor>; tokens: number } {
  const named = model.namedWeights();
  let tokens = 0;
  const { value, grads } = tf.variableGrads(() => {
    const out = causalLmLoss(model, batch);
    tokens = out.tokens;
    return out.loss;
  }, named.map(([, v]) => v));
  value.dispose();
  return { grads: gradsByName(named, grads), tokens };
}

/** Largest |a − b| / (1e-3 + max |b|) per tensor, over all tensors. */
function worst(a: Map<string, tf.Tensor>, b: Map<string, tf.Tensor>): number {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  let out = 0;
  for (const [name, x] of a) {
    const xs = x.dataSync(), ys = b.get(name)!.dataSync();
    let scale = 1e-3, diff = 0;
    for (let i = 0; i < ys.length; i++) {
      scale = Math.max(scale, Math.abs(ys[i]));
      diff = Math.max(diff, Math.abs(xs[i] - ys[i]));
    }
    out = Math.max(out, diff / scale);
  }
  return out;
}

Deno.test("GradientAccumulator: token-weighted micro-batches equal the full batch", () => {
  const model = CausalLM.random(tinyGemmaConfig(), {
    seed: 11,
    std: 0.3,
    trainable: true,
  });
  const length = 9;
  const full = tinyBatch(4, 2, length, 50);
  // Row 0 has 2 target tokens, row 1 has 7: a plain mean would differ.
  const labelMask = new Uint8Array(2 * length);
  labelMask.fill(1, length - 2, length);
  labelMask.fill(1, length + 2, 2 * length);
  full.labelMask = labelMask;
  const row = (r: number): TokenBatch => ({
    ids: full.ids.slice(r * length, (r + 1) * length),
    batch: 1,
    length,
    labelMask: labelMask.slice(r * length, (r + 1) * length),
  });

  const reference = gradients(model, full);
  assert.equal(reference.tokens, 9);
  const acc = new GradientAccumulator();
  const parts = [row(0), row(1)].map((b) => gradients(model, b));
  assert.deepEqual(parts.map((p) => p.tokens), [2, 7]);
  const before = tf.memory().numTensors;
  for (const p of parts) acc.add(p.grads, p.tokens);
  assert.equal(acc.totalWeight, 9);
  const weighted = acc.result();
  const error = worst(weighted, reference.grads);
  assert.ok(error < 1e-5, `token-weighted vs full batch: ${error}`);

  // The same parts averaged without weights must not match: the test can fail.
  const plain = new GradientAccumulator();
  for (const p of parts) plain.add(p.grads);
  const unweighted = plain.result();
  const gap = worst(unweighted, reference.grads);
  assert.ok(gap > 0.05, `unweighted mean is suspiciously close: ${gap}`);

  tf.dispose([...weighted.values(), ...unweighted.values()]);
  acc.dispose();
  plain.dispose();
  assert.equal(tf.memory().numTensors, before);
  for (const p of [reference, ...parts]) tf.dispose([...p.grads.values()]);
  model.dispose();
});

Deno.test("GradientAccumulator: one buffer per parameter however many adds", () => {
  const acc = new GradientAccumulator();
  const g = new Map([["w", tf.tensor([1, 2, 3])], ["b", tf.tensor([4])]]);
  acc.add(g, 1);
  const afterFirst = tf.memory().numTensors;
  for (let i = 0; i < 30; i++) acc.add(g, 2);
  assert.equal(tf.memory().numTensors, afterFirst);
  assert.equal(acc.count, 31);
  const mean = acc.result();
  assert.deepEqual([...mean.get("w")!.dataSync()], [1, 2, 3]);
  tf.dispose([...mean.values()]);
  acc.reset();
  assert.equal(acc.count, 0);
  assert.throws(() => acc.result(), /nothing was added/);
  // A parameter missing from one micro-batch counts as zero there.
  acc.add(new Map([["w", g.get("w")!]]), 3);
  acc.add(new Map([["b", g.get("b")!]]), 1);
  const partial = acc.result();
  assert.deepEqual([...partial.get("w")!.dataSync()], [0.75, 1.5, 2.25]);
  assert.deepEqual([...partial.get("b")!.dataSync()], [1]);
  assert.throws(() => acc.add(g, 0), /weight must be a positive number/);
  const wrong = tf.tensor([1, 2]);
  assert.throws(
    () => acc.add(new Map([["w", wrong]])),
    /gradient "w" has shape \[2\], earlier ones \[3\]/,
  );
  tf.dispose([...g.values(), ...partial.values(), wrong]);
  acc.dispose();
});

Deno.test("GradientAccumulator: one micro-batch's mean is its gradient bit for bit, in the same buffer", () => {
  const acc = new GradientAccumulator();
  const g = tf.tensor([0.1, 1 / 3, 7e-8]);
  const expected = [...g.dataSync()];
  acc.add(new Map([["w", g]]), 37);
  const mean = acc.result().get("w")!;
  assert.equal(mean.dataId, g.dataId, "no scaled copy");
  g.dispose();
  assert.deepEqual([...mean.dataSync()], expected);
  // A second micro-batch then weights both: (37·g + 1·0) / 38.
  acc.add(new Map([["w", tf.zeros([3])]]), 1);
  const two = acc.result().get("w")!.dataSync();
  expected.forEach((x, i) =>
    assert.ok(Math.abs(two[i] - (x * 37) / 38) <= 1e-6 * Math.abs(x))
  );
  tf.dispose(mean);
  acc.dispose();
});
