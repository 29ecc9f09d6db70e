/** Global-norm gradient clipping against hand-computed norms. */
import assert from "node:assert/strict";
import { initEngine, tf } from "../../lib/engine/mod.ts";
import { clipGradNorm, sumOfSquares } from "../../lib/train/clip.ts";

await initEngine({ verbose: false });

/** Gradients with global norm sqrt(3² + 4² + 12²) = 13. */
function thirteen(): Map<string, tf.Tensor> {
  return new Map<string, tf.Tensor>([
    ["a", tf.tensor([3, 0, 4])],
    ["b", tf.tensor([[12]])],
  ]);
}

Deno.test("clipGradNorm scales by maxNorm / (norm + 1e-6) and returns the norm before", () => {
  const grads = thirteen();
  const { grads: clipped, norm, skipped } = clipGradNorm(grads, 6.5);
  assert.equal(norm, 13);
  assert.equal(skipped, false);
  const coef = 6.5 / (13 + 1e-6);
  const a = clipped.get("a")!.dataSync(), b = clipped.get("b")!.dataSync();
  [3, 0, 4].forEach((x, i) => assert.ok(Math.abs(a[i] - x * coef) < 1e-6));
  assert.ok(Math.abs(b[0] - 12 * coef) < 1e-6);
  assert.deepEqual(clipped.get("b")!.shape, [1, 1]);
  // The inputs stay the caller's and unchanged.
  assert.deepEqual([...grads.get("a")!.dataSync()], [3, 0, 4]);
  tf.dispose([...grads.values(), ...clipped.values()]);
});

Deno.test("clipGradNorm leaves gradients under the limit unchanged", () => {
  const grads = thirteen();
  const { grads: out, norm } = clipGradNorm(grads, 100);
  assert.equal(norm, 13);
  assert.deepEqual([...out.get("a")!.dataSync()], [3, 0, 4]);
  assert.deepEqual([...out.get("b")!.dataSync()], [12]);
  tf.dispose([...grads.values(), ...out.values()]);
});

Deno.test("clipGradNorm: maxNorm Infinity (max_grad_norm 0) measures the norm and clips nothing", () => {
  const grads = thirteen();
  const { grads: out, norm } = clipGradNorm(grads, Infinity);
  assert.equal(norm, 13);
  assert.deepEqual([...out.get("a")!.dataSync()], [3, 0, 4]);
  assert.deepEqual([...out.get("b")!.dataSync()], [12]);
  tf.dispose([...grads.values(), ...out.values()]);
  assert.throws(
    () => clipGradNorm(new Map(), NaN),
    /maxNorm must be a positive/,
  );
});

Deno.test("clipGradNorm: disposeInputs frees the inputs and leaks nothing", () => {
  const before = tf.memory().numTensors;
  const grads = thirteen();
  const { grads: out } = clipGradNorm(grads, 1, { disposeInputs: true });
  assert.ok([...grads.values()].every((g) => g.isDisposed));
  assert.equal(tf.memory().numTensors, before + 2);
  tf.dispose([...out.values()]);
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("clipGradNorm: a non-finite norm is an error naming the gradient, or a skip", () => {
  const grads = new Map<string, tf.Tensor>([
    ["ok", tf.tensor([1, 2])],
    ["model.layers.0.mlp.up_proj.weight", tf.tensor([1, NaN])],
  ]);
  assert.throws(
    () => clipGradNorm(grads, 1),
    /gradient norm is NaN; non-finite gradients in "model.layers.0.mlp.up_proj.weight"/,
  );
  const before = tf.memory().numTensors;
  const skipped = clipGradNorm(grads, 1, { nonFinite: "skip" });
  assert.equal(skipped.skipped, true);
  assert.ok(Number.isNaN(skipped.norm));
  assert.equal(skipped.grads.size, 0);
  assert.equal(tf.memory().numTensors, before);
  const inf = new Map([["x", tf.tensor([Infinity])]]);
  assert.throws(() => clipGradNorm(inf, 1), /norm is Infinity/);
  tf.dispose([...grads.values(), ...inf.values()]);
  assert.throws(() => clipGradNorm(new Map(), 0), /maxNorm must be a positive/);
});

Deno.test("clipGradNorm under the limit hands back the same buffers (g·1 is g), and large tensors' squares are summed in pieces", () => {
  const grads = thirteen();
  const { grads: out } = clipGradNorm(grads, 100);
  assert.equal(out.get("a")!.dataId, grads.get("a")!.dataId);
  tf.dispose([...grads.values(), ...out.values()]);
  const g = tf.tensor([1, 2, 3, 4, 5, 6, 7]);
  const whole = sumOfSquares(g), pieces = sumOfSquares(g, 4, 3);
  assert.equal(whole.dataSync()[0], 140);
  assert.equal(pieces.dataSync()[0], 140); // (1+4+9) + (16+25+36) + 49
  tf.dispose([g, whole, pieces]);
});
