/**
 * Forward values of every non-matmul op the model code uses, on wasm (both
 * matmul modes) against the cpu backend, with odd shapes and broadcasting.
 * Gradients are in gradients_test.ts.
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/engine/mod.ts";
import {
  compareBackends,
  f32Tolerance,
  randn,
  randu,
  type Tolerance,
} from "./compare.ts";

/** Data movement must be bit-exact. */
const EXACT: Tolerance = { atol: 0, rtol: 0 };

/** [3, 7, 13] standard normal, the default odd-shaped input. */
const x3 = (seed = 1) => randn([3, 7, 13], seed);

Deno.test("unary element-wise ops on odd shapes", async () => {
  const positive = () => randu([3, 7, 13], 2, 0.05, 9);
  const ops: [string, () => tf.Tensor][] = [
    ["square", () => tf.square(x3())],
    ["sqrt", () => tf.sqrt(positive())],
    ["rsqrt", () => tf.rsqrt(positive())],
    ["exp", () => tf.exp(randn([3, 7, 13], 3, 4))],
    ["log", () => tf.log(positive())],
    ["tanh", () => tf.tanh(randn([3, 7, 13], 4, 3))],
    ["sigmoid", () => tf.sigmoid(randn([3, 7, 13], 5, 6))],
    ["neg", () => tf.neg(x3())],
    ["abs", () => tf.abs(x3())],
    ["sin", () => tf.sin(randn([3, 7, 13], 6, 4))],
    ["cos", () => tf.cos(randn([3, 7, 13], 7, 4))],
    ["pow(x, 2)", () => tf.pow(x3(), 2)],
    ["pow(x, 3)", () => tf.pow(x3(), 3)],
    ["pow(x, 0.5)", () => tf.pow(positive(), 0.5)],
    ["pow(x, -1.5)", () => tf.pow(positive(), -1.5)],
    ["clipByValue", () => tf.clipByValue(x3(), -0.5, 0.7)],
  ];
  for (const [label, fn] of ops) await compareBackends(label, fn);
  // Stock wasm clips int32 as float bits (see kernels/kernel_fixes.ts).
  const [clipped] = await compareBackends(
    "clipByValue int32",
    () =>
      tf.clipByValue(tf.tensor1d([-7, -1, 0, 3, 10, 11, 99], "int32"), 0, 10),
    { tolerance: EXACT },
  );
  assert.deepEqual(Array.from(clipped.values), [0, 0, 0, 3, 10, 10, 10]);
});

Deno.test("unary ops at special values (0, ±Infinity, NaN, large)", async () => {
  const special = () =>
    tf.tensor1d([0, -0, 1e-30, 88, 89, -104, 1e4, -1e4, Infinity, -Infinity]);
  const ops: [string, () => tf.Tensor][] = [
    ["exp", () => tf.exp(special())],
    ["log", () => tf.log(tf.abs(special()))],
    ["sqrt", () => tf.sqrt(special())], // NaN for negatives on both
    ["rsqrt", () => tf.rsqrt(tf.abs(special()))],
    ["tanh", () => tf.tanh(special())],
    ["sigmoid", () => tf.sigmoid(special())],
    ["sin (RoPE angles)", () => tf.sin(tf.linspace(0, 8191, 129))],
    ["cos (RoPE angles)", () => tf.cos(tf.linspace(0, 8191, 129))],
  ];
  // Large angles: both backends reduce the same float32, but the cpu backend
  // evaluates in double and rounds, so allow a few ulps of the result.
  for (const [label, fn] of ops) {
    await compareBackends(label, fn, { tolerance: f32Tolerance(4) });
  }
});

Deno.test("cast between float32, int32 and bool", async () => {
  const mixed = () => tf.tensor1d([-2.7, -1.5, -0.5, -0, 0, 0.4, 1.5, 2.9, 7]);
  const [toInt] = await compareBackends(
    "cast float→int32",
    () => tf.cast(mixed(), "int32"),
    { tolerance: EXACT },
  );
  assert.deepEqual(Array.from(toInt.values), [-2, -1, 0, 0, 0, 0, 1, 2, 7]);
  const [toBool] = await compareBackends(
    "cast float→bool",
    () => tf.cast(tf.concat([mixed(), tf.tensor1d([NaN, 256])]), "bool"),
    { tolerance: EXACT },
  );
  assert.deepEqual(Array.from(toBool.values), [
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
  ]);
  await compareBackends(
    "cast int32→bool",
    () => tf.cast(tf.tensor1d([-1, 0, 1, 256, 2 ** 31 - 1], "int32"), "bool"),
    { tolerance: EXACT },
  );
  await compareBackends(
    "cast int32→float32",
    () => tf.cast(tf.range(-6, 7, 1, "int32"), "float32"),
    { tolerance: EXACT },
  );
});

Deno.test("binary ops broadcast like NumPy", async () => {
  const pairs: [number[], number[]][] = [
    [[3, 7, 13], [3, 7, 13]],
    [[3, 1, 13], [7, 1]],
    [[3, 7, 13], [13]],
    [[3, 7, 13], [3, 7, 1]],
    [[1], [3, 7, 13]],
    [[], [7, 1]],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["add", tf.add],
    ["sub", tf.sub],
    ["mul", tf.mul],
    // Divisors kept away from zero so a 1-ulp difference stays small.
    ["div", (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5))],
    ["maximum", tf.maximum],
    ["minimum", tf.minimum],
  ];
  for (const [sa, sb] of pairs) {
    for (const [label, op] of ops) {
      await compareBackends(
        `${label} [${sa}] with [${sb}]`,
        () => op(randn(sa, 11), randn(sb, 12)),
      );
    }
  }
});

Deno.test("reductions: mean, sum, max, min, argMax over odd axes", async () => {
  const x = () => randn([3, 7, 129], 21);
  const axes: (number | number[] | undefined)[] = [
    undefined,
    0,
    1,
    -1,
    [0, 2],
  ];
  for (const axis of axes) {
    for (const keepDims of [false, true]) {
      const label = `axis=${JSON.stringify(axis)} keepDims=${keepDims}`;
      await compareBackends(
        `mean/sum ${label}`,
        () => [tf.mean(x(), axis, keepDims), tf.sum(x(), axis, keepDims)],
        { tolerance: f32Tolerance(3 * 7 * 129, 4) },
      );
      await compareBackends(
        `max/min ${label}`,
        () => [tf.max(x(), axis, keepDims), tf.min(x(), axis, keepDims)],
        { tolerance: EXACT },
      );
    }
  }
  for (const axis of [0, 1, -1]) {
    await compareBackends(
      `argMax axis=${axis}`,
      () => tf.argMax(x(), axis),
      { tolerance: EXACT },
    );
  }
});

Deno.test("softmax, logSoftmax and logSumExp, including large logits", async () => {
  for (const scale of [1, 30]) {
    const logits = () => randn([3, 7, 129], 31, scale);
    await compareBackends(
      `softmax family, logit scale ${scale}`,
      () => [
        tf.softmax(logits()),
        tf.logSoftmax(logits()),
        tf.logSumExp(logits(), -1),
        tf.logSumExp(logits(), [0, 2], true),
      ],
      { tolerance: f32Tolerance(129, scale) },
    );
  }
});

Deno.test("data movement: reshape, transpose, concat, split, slice, stack, tile, expandDims, squeeze", async () => {
  const x4 = () => randn([2, 3, 7, 5], 41);
  const ops: [string, () => tf.Tensor | tf.Tensor[]][] = [
    ["reshape", () => tf.reshape(x4(), [6, 35])],
    ["transpose 2-D", () => tf.transpose(randn([7, 13], 42))],
    ["transpose [0,2,1,3]", () => tf.transpose(x4(), [0, 2, 1, 3])],
    ["transpose [3,1,0,2]", () => tf.transpose(x4(), [3, 1, 0, 2])],
    ["transpose rank 3", () => tf.transpose(x3(), [2, 0, 1])],
    [
      "concat axis 0, 1, -1",
      () => [0, 1, -1].map((axis) => tf.concat([x4(), x4(), x4()], axis)),
    ],
    [
      "concat uneven sizes",
      () =>
        tf.concat([randn([3, 1], 43), randn([3, 7], 44), randn([3, 0], 45)], 1),
    ],
    ["split sizes on last axis", () => tf.split(x4(), [1, 3, 1], -1)],
    ["split in 3 on axis 1", () => tf.split(x4(), 3, 1)],
    ["slice", () => tf.slice(x4(), [1, 0, 2, 1], [1, -1, 4, 3])],
    ["slice 2-D", () => tf.slice(randn([13, 129], 46), [5, 1], [7, 127])],
    ["stack axis 0", () => tf.stack([x3(1), x3(2), x3(3)])],
    ["stack axis -1", () => tf.stack([x3(1), x3(2)], -1)],
    ["tile", () => tf.tile(randn([1, 3, 1, 5], 47), [2, 1, 7, 1])],
    ["expandDims", () => [tf.expandDims(x3(), 0), tf.expandDims(x3(), -1)]],
    ["squeeze", () => tf.squeeze(randn([1, 7, 1, 13], 48), [0, 2])],
  ];
  for (const [label, fn] of ops) {
    await compareBackends(label, fn, { tolerance: EXACT });
  }
});

Deno.test("where with a precomputed mask, broadcast to the attention shape", async () => {
  const scores = () => randn([2, 3, 7, 7], 51);
  const causal = () =>
    tf.cast(tf.linalg.bandPart(tf.ones([7, 7]), -1, 0), "bool");
  await compareBackends(
    "where(mask, x, -1e9)",
    () => tf.where(causal(), scores(), tf.scalar(-1e9)),
    { tolerance: EXACT },
  );
  await compareBackends(
    "where(x > 0, x, y)",
    () => tf.where(tf.greater(x3(1), 0), x3(1), x3(2)),
    { tolerance: EXACT },
  );
});

Deno.test("index and table ops: oneHot, bandPart, linSpace, range, cumsum, topk, gather", async () => {
  const ids = () =>
    tf.tensor2d([[0, 3, 3, 10], [-1, 11, 5, 0]], [2, 4], "int32");
  const [hot] = await compareBackends(
    "oneHot with out-of-range ids",
    () => tf.oneHot(ids(), 11, 2, -1),
    { tolerance: EXACT },
  );
  // -1 and 11 are outside [0, 11): all off values, as in TensorFlow.
  assert.deepEqual(Array.from(hot.values).slice(44, 55), Array(11).fill(-1));
  // Stock wasm wrote the integers' bits into a float32 oneHot (1 → 1.4e-45).
  const [floatHot] = await compareBackends(
    "oneHot in float32",
    () => tf.oneHot(ids(), 11, 1, 0, "float32"),
    { tolerance: EXACT },
  );
  assert.deepEqual(Array.from(floatHot.values).slice(0, 4), [1, 0, 0, 0]);
  await compareBackends(
    "bandPart",
    () => [
      tf.linalg.bandPart(randn([3, 7, 7], 61), -1, 0),
      tf.linalg.bandPart(randn([7, 13], 62), 2, 1),
      tf.linalg.bandPart(randn([13, 7], 63), 0, -1),
    ],
    { tolerance: EXACT },
  );
  await compareBackends(
    "linSpace and range",
    () => [
      tf.linspace(0, 1, 13),
      tf.linspace(-3, 5, 1),
      tf.range(0, 13),
      tf.range(0, 1, 0.1),
      tf.range(10, -3, -3, "int32"),
    ],
    { tolerance: f32Tolerance(2) },
  );
  for (
    const [exclusive, reverse] of [[false, false], [true, false], [
      false,
      true,
    ]]
  ) {
    await compareBackends(
      `cumsum last axis exclusive=${exclusive} reverse=${reverse}`,
      () => tf.cumsum(randn([3, 7, 129], 64), -1, exclusive, reverse),
      { tolerance: f32Tolerance(129, 4) },
    );
  }
  // Stock wasm mis-handles a negative axis here (see kernels/kernel_fixes.ts).
  await compareBackends(
    "cumsum and cumprod with axis -1 on rank 2",
    () => [
      tf.cumsum(randn([7, 13], 68), -1),
      tf.cumprod(randn([7, 13], 69), -1),
    ],
    { tolerance: f32Tolerance(13) },
  );
  const [values, indices] = await compareBackends(
    "topk",
    () => {
      const { values, indices } = tf.topk(randn([3, 7, 129], 65), 5);
      return [values, indices];
    },
    { tolerance: EXACT },
  );
  assert.deepEqual(values.shape, [3, 7, 5]);
  assert.equal(indices.dtype, "int32");
  await compareBackends(
    "gather rows with repeats, and along axis 1",
    () => [
      tf.gather(randn([11, 7], 66), ids().clipByValue(0, 10)),
      tf.gather(randn([3, 13, 5], 67), [12, 0, 0, 7], 1),
    ],
    { tolerance: EXACT },
  );
});

Deno.test("ops that change nothing (clone, cast to the same dtype, identity transpose) share the buffer on wasm instead of copying it", async () => {
  await tf.setBackend("wasm");
  const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  const same = [
    tf.clone(x),
    tf.cast(x, "float32"),
    tf.transpose(x, [0, 1]),
  ];
  for (const y of same) assert.equal(y.dataId, x.dataId);
  const moved = tf.transpose(x, [1, 0]);
  assert.notEqual(moved.dataId, x.dataId, "a real transpose copies");
  x.dispose();
  // The shared buffer outlives the tensor it came from.
  for (const y of same) assert.deepEqual(y.arraySync(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(moved.arraySync(), [[1, 4], [2, 5], [3, 6]]);
  tf.dispose([...same, moved]);
});
