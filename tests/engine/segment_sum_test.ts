/**
 * The project's wasm `UnsortedSegmentSum` kernel and the `tf.gather`
 * gradient that runs through it, against the cpu backend.
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/engine/mod.ts";
import {
  assertClose,
  compareBackends,
  compareGradients,
  f32Tolerance,
  randn,
  runOn,
  WASM_BLAS,
} from "./compare.ts";

Deno.test("unsortedSegmentSum sums repeated ids and drops ids outside [0, numSegments)", async () => {
  // Row i of x is i + 1 (times the column index + 1), so every sum is exact.
  const ids = [2, 0, 2, 2, -1, 4, 5, 0, 9];
  const x = () =>
    tf.mul(
      tf.reshape(tf.range(1, 10), [9, 1, 1]),
      tf.reshape(tf.range(1, 16), [1, 3, 5]),
    );
  const [out] = await compareBackends(
    "unsortedSegmentSum [9,3,5] into 5 segments",
    () => tf.unsortedSegmentSum(x(), tf.tensor1d(ids, "int32"), 5),
    { tolerance: { atol: 0, rtol: 0 } },
  );
  assert.deepEqual(out.shape, [5, 3, 5]);
  // Segment totals of the row numbers: 0 ← rows 2, 8; 2 ← rows 1, 3, 4;
  // 4 ← row 6; 1 and 3 get nothing; ids -1, 5 and 9 are dropped.
  const rowSums = [2 + 8, 0, 1 + 3 + 4, 0, 6];
  const expected = rowSums.flatMap((s) =>
    Array.from({ length: 15 }, (_, j) => s * (j + 1))
  );
  assert.deepEqual(Array.from(out.values), expected);
});

Deno.test("unsortedSegmentSum on rank 1, int32, and empty inputs", async () => {
  await compareBackends(
    "rank 1 float32",
    () =>
      tf.unsortedSegmentSum(
        randn([13], 1),
        tf.tensor1d([0, 1, 2, 0, 1, 2, 6, 6, 6, 3, 3, -2, 7], "int32"),
        7,
      ),
    { tolerance: f32Tolerance(3) },
  );
  const intSum = () =>
    tf.unsortedSegmentSum(
      tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32"),
      tf.tensor1d([1, 1, 0], "int32"),
      3,
    );
  const [ints] = await compareBackends("int32 values", intSum, {
    tolerance: { atol: 0, rtol: 0 },
    // TensorFlow keeps the data's dtype, as the wasm kernel does; tfjs's cpu
    // kernel multiplies by a float mask and returns float32.
    reference: () => tf.cast(intSum(), "int32"),
  });
  assert.equal(ints.dtype, "int32");
  assert.deepEqual(Array.from(ints.values), [5, 6, 4, 6, 0, 0]);
  const [empty] = await compareBackends(
    "no rows",
    () => tf.unsortedSegmentSum(tf.zeros([0, 4]), tf.tensor1d([], "int32"), 3),
    { tolerance: { atol: 0, rtol: 0 } },
  );
  assert.deepEqual(empty.shape, [3, 4]);
  assert.ok(Array.from(empty.values).every((v) => v === 0));
});

Deno.test("gather gradient (embedding lookup) with repeated ids", async () => {
  const ids = () =>
    tf.tensor2d(
      [[3, 1, 4, 1, 5], [9, 2, 6, 5, 3], [5, 8, 9, 7, 9]],
      [3, 5],
      "int32",
    );
  const [, dTable] = await compareGradients(
    "grad gather [13,7] by [3,5] ids",
    () => [randn([13, 7], 11)],
    (table) => tf.gather(table, ids()),
    { tolerance: f32Tolerance(3) },
  );
  // Ids 0, 10, 11 and 12 are never looked up: their rows get no gradient.
  for (const row of [0, 10, 11, 12]) {
    const values = Array.from(dTable.values).slice(row * 7, row * 7 + 7);
    assert.deepEqual(values, Array(7).fill(0), `row ${row}`);
  }
});

Deno.test("gather gradient along axis 1 and through a scaled lookup", async () => {
  await compareGradients(
    "grad gather axis 1",
    () => [randn([3, 13, 5], 12)],
    (x) => tf.gather(x, [12, 0, 0, 7, 12, 12], 1),
    { tolerance: f32Tolerance(3) },
  );
  await compareGradients(
    "grad of an embedding scaled by sqrt(d) then squared",
    () => [randn([11, 7], 13)],
    (table) =>
      tf.square(tf.mul(tf.gather(table, [0, 0, 0, 10, 4, 4]), Math.sqrt(7))),
    { tolerance: f32Tolerance(3, 8) },
  );
});

Deno.test("the gather gradient equals the oneHot-matmul embedding's gradient", async () => {
  const ids = [4, 0, 4, 4, 2, 6];
  const table = () => randn([7, 5], 14);
  const dy = () => randn([6, 5], 15);
  const [viaGather] = await runOn(
    WASM_BLAS,
    () => tf.grad((t: tf.Tensor) => tf.gather(t, ids))(table(), dy()),
  );
  const [viaOneHot] = await runOn(
    WASM_BLAS,
    () =>
      tf.grad((t: tf.Tensor) =>
        tf.matMul(tf.oneHot(tf.tensor1d(ids, "int32"), 7), t)
      )(table(), dy()),
  );
  assertClose(
    viaGather.values,
    viaOneHot.values,
    f32Tolerance(3),
    "gather vs oneHot·E",
  );
});
