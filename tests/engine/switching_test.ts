/**
 * initEngine can be called again and again to move between cpu and the wasm
 * matmul kernels: each call takes effect, repeats are harmless, tensors stay
 * readable across a switch, and nothing accumulates.
 */
import assert from "node:assert/strict";
import { engineInfo, initEngine, tf } from "../../lib/engine/mod.ts";
import {
  ALL_WASM_TARGETS,
  assertClose,
  CPU,
  f32Tolerance,
  randn,
  runOn,
  WASM_BLAS,
  WASM_STOCK,
  WASM_XNNPACK,
} from "./compare.ts";

Deno.test("switching backend and matmul kernel many times gives the same products and leaks nothing", async () => {
  const product = () =>
    tf.matMul(randn([2, 7, 13], 1), randn([2, 5, 13], 2), false, true);
  const [reference] = await runOn(CPU, product);
  await initEngine(WASM_BLAS.options);
  const tensorsBefore = tf.memory().numTensors;
  const order = [WASM_BLAS, CPU, WASM_XNNPACK, WASM_XNNPACK, WASM_STOCK, CPU];
  for (let round = 0; round < 5; round++) {
    for (const target of order) {
      const [out] = await runOn(target, product);
      assertClose(
        out.values,
        reference.values,
        f32Tolerance(13),
        `round ${round} on ${target.label}`,
      );
    }
  }
  await initEngine(WASM_BLAS.options);
  assert.equal(tf.memory().numTensors, tensorsBefore);
});

Deno.test("initEngine with the same options twice is a no-op switch", async () => {
  for (const target of [CPU, ...ALL_WASM_TARGETS]) {
    const first = await initEngine(target.options);
    const second = await initEngine(target.options);
    assert.equal(second.backend, first.backend, target.label);
    assert.equal(second.matmul, first.matmul, target.label);
    assert.equal(tf.getBackend(), target.options.backend, target.label);
    assert.equal(engineInfo(), second);
  }
});

Deno.test("a tensor made on one backend is read correctly on the other", async () => {
  await initEngine(WASM_BLAS.options);
  const onWasm = randn([3, 7], 3);
  const expected = onWasm.dataSync().slice();
  await initEngine(CPU.options);
  const doubled = tf.mul(onWasm, 2); // tfjs moves the data to cpu
  assert.deepEqual(
    Array.from(doubled.dataSync()),
    Array.from(expected, (v) => v * 2),
  );
  await initEngine(WASM_XNNPACK.options);
  const back = tf.matMul(doubled, onWasm, false, true);
  assert.deepEqual(back.shape, [3, 3]);
  tf.dispose([onWasm, doubled, back]);
});
