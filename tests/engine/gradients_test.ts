/**
 * Gradients of the element-wise, reduction and data-movement ops the model
 * code uses, on wasm (both matmul modes) against the cpu backend, under a
 * seeded random upstream gradient. Matmul and gather gradients are in
 * matmul_test.ts and segment_sum_test.ts; model-level composites in
 * composites_test.ts.
 */
import { tf } from "../../lib/engine/mod.ts";
import { compareGradients, f32Tolerance, randn, randu } from "./compare.ts";

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

/** [3, 7, 13] standard normal. */
const x3 = (seed = 1) => randn([3, 7, 13], seed);
/** [3, 7, 13] in [0.05, 9): inputs of sqrt, rsqrt, log and fractional pow. */
const positive = (seed = 2) => randu([3, 7, 13], seed, 0.05, 9);

Deno.test("gradients of unary element-wise ops", async () => {
  const cases: [string, () => tf.Tensor, Fn][] = [
    ["square", x3, tf.square],
    ["sqrt", positive, tf.sqrt],
    // rsqrt's gradient grows like x^-1.5: keep x ≥ 0.05 and allow its scale.
    ["rsqrt", positive, tf.rsqrt],
    ["exp", x3, tf.exp],
    ["log", positive, tf.log],
    ["tanh", () => randn([3, 7, 13], 3, 3), tf.tanh],
    ["sigmoid", () => randn([3, 7, 13], 4, 6), tf.sigmoid],
    ["neg", x3, tf.neg],
    ["abs", x3, tf.abs],
    ["sin", () => randn([3, 7, 13], 5, 4), tf.sin],
    ["cos", () => randn([3, 7, 13], 6, 4), tf.cos],
    ["pow(x, 2)", x3, (x) => tf.pow(x, 2)],
    ["pow(x, 3)", x3, (x) => tf.pow(x, 3)],
    ["pow(x, 0.5)", positive, (x) => tf.pow(x, 0.5)],
    ["pow(x, -1.5)", positive, (x) => tf.pow(x, -1.5)],
    ["clipByValue", x3, (x) => tf.clipByValue(x, -0.5, 0.7)],
    ["cast float32→float32", x3, (x) => tf.cast(x, "float32")],
  ];
  for (const [label, input, f] of cases) {
    await compareGradients(`grad ${label}`, () => [input()], f, {
      tolerance: f32Tolerance(4, 100),
    });
  }
});

Deno.test("gradients of binary ops reduce over broadcast axes", async () => {
  const pairs: [number[], number[]][] = [
    [[3, 7, 13], [3, 7, 13]],
    [[3, 1, 13], [7, 1]],
    [[3, 7, 13], [13]],
    [[], [3, 7, 1]],
  ];
  const ops: [string, Fn][] = [
    ["add", tf.add],
    ["sub", tf.sub],
    ["mul", tf.mul],
    ["div", (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5))],
    ["maximum", tf.maximum],
    ["minimum", tf.minimum],
  ];
  for (const [sa, sb] of pairs) {
    for (const [label, op] of ops) {
      await compareGradients(
        `grad ${label} [${sa}] with [${sb}]`,
        () => [randn(sa, 11), randn(sb, 12)],
        op,
        { tolerance: f32Tolerance(3 * 7 * 13, 4) },
      );
    }
  }
});

Deno.test("gradients of reductions and the softmax family", async () => {
  const x = () => randn([3, 7, 129], 21);
  const cases: [string, Fn][] = [
    ["mean all", (v) => tf.mean(v)],
    ["mean -1 keepDims", (v) => tf.mean(v, -1, true)],
    ["sum [0, 2]", (v) => tf.sum(v, [0, 2])],
    ["max -1", (v) => tf.max(v, -1)],
    ["min 1", (v) => tf.min(v, 1)],
    ["softmax", (v) => tf.softmax(v)],
    ["logSoftmax", (v) => tf.logSoftmax(v)],
    ["logSumExp -1", (v) => tf.logSumExp(v, -1)],
    ["logSumExp [0, 2] keepDims", (v) => tf.logSumExp(v, [0, 2], true)],
    ["softmax of large logits", (v) => tf.softmax(tf.mul(v, 30))],
  ];
  for (const [label, f] of cases) {
    await compareGradients(`grad ${label}`, () => [x()], f, {
      tolerance: f32Tolerance(129, 4),
    });
  }
});

Deno.test("gradients of data movement ops", async () => {
  const x4 = () => randn([2, 3, 7, 5], 31);
  const cases: [string, () => tf.Tensor[], Fn][] = [
    ["reshape", () => [x4()], (v) => tf.reshape(v, [6, 35])],
    ["transpose [0,2,1,3]", () => [x4()], (v) => tf.transpose(v, [0, 2, 1, 3])],
    ["transpose [3,1,0,2]", () => [x4()], (v) => tf.transpose(v, [3, 1, 0, 2])],
    [
      "concat axis 1",
      () => [randn([3, 1, 5], 32), randn([3, 7, 5], 33), randn([3, 2, 5], 34)],
      (a, b, c) => tf.concat([a, b, c], 1),
    ],
    [
      "split then recombine",
      () => [x4()],
      (v) => {
        const [a, b, c] = tf.split(v, [1, 3, 1], -1);
        return tf.concat([tf.mul(c, 2), tf.sin(a), b], -1);
      },
    ],
    ["split in 3", () => [x4()], (v) => tf.split(v, 3, 1)[1]],
    ["slice", () => [x4()], (v) => tf.slice(v, [1, 0, 2, 1], [1, -1, 4, 3])],
    [
      "stack",
      () => [x3(1), x3(2), x3(3)],
      (a, b, c) => tf.stack([a, b, c], 1),
    ],
    ["tile", () => [randn([1, 3, 1, 5], 35)], (v) => tf.tile(v, [2, 1, 7, 1])],
    ["expandDims", () => [x3()], (v) => tf.expandDims(v, 1)],
    ["squeeze", () => [randn([1, 7, 1, 13], 36)], (v) => tf.squeeze(v, [0, 2])],
    [
      "broadcastTo",
      () => [randn([1, 3, 1, 5], 37)],
      (v) => tf.broadcastTo(v, [2, 3, 7, 5]),
    ],
  ];
  for (const [label, inputs, f] of cases) {
    await compareGradients(`grad ${label}`, inputs, f, {
      tolerance: f32Tolerance(14, 2),
    });
  }
});

Deno.test("gradients of where (mask computed outside) and cumsum on every axis", async () => {
  const mask = () => tf.greater(randn([7, 13], 41), 0);
  await compareGradients(
    "grad where(mask, a, b) with a broadcast mask",
    () => [x3(1), x3(2)],
    (a, b) => tf.where(mask(), a, b),
  );
  await compareGradients(
    "grad where(mask, x, -1e9) then softmax",
    () => [x3(3)],
    (x) => tf.softmax(tf.where(mask(), x, tf.scalar(-1e9))),
    { tolerance: f32Tolerance(13, 2) },
  );
  // tfjs's own Cumsum gradient fails on axis -1 and on inner axes (see
  // lib/engine/kernels/gradient_fixes.ts), so cpu differentiates the same sum
  // written as a product with a triangular matrix.
  const flags = [[false, false], [true, false], [false, true], [true, true]];
  for (const axis of [-1, 2, 1, 0]) {
    for (const [exclusive, reverse] of flags) {
      await compareGradients(
        `grad cumsum axis=${axis} exclusive=${exclusive} reverse=${reverse}`,
        () => [randn([3, 7, 129], 42)],
        (x) => tf.cumsum(x, axis, exclusive, reverse),
        {
          tolerance: f32Tolerance(129, 4),
          reference: (x) => cumsumByMatMul(x, axis, exclusive, reverse),
        },
      );
    }
  }
});

/** cumsum written as x · U along `axis`, with U the triangular ones matrix. */
function cumsumByMatMul(
  x: tf.Tensor,
  axis: number,
  exclusive: boolean,
  reverse: boolean,
): tf.Tensor {
  const rank = x.rank, last = (axis + rank) % rank;
  const perm = [...Array(rank).keys()];
  [perm[last], perm[rank - 1]] = [perm[rank - 1], perm[last]];
  const n = x.shape[last];
  // out[j] = Σ x[i]·U[i, j]: U[i, j] = 1 where j ≥ i (j ≤ i when reversed).
  let u = reverse
    ? tf.linalg.bandPart(tf.ones([n, n]), -1, 0)
    : tf.linalg.bandPart(tf.ones([n, n]), 0, -1);
  if (exclusive) u = tf.sub(u, tf.eye(n));
  return tf.transpose(tf.matMul(tf.transpose(x, perm), u), perm);
}
