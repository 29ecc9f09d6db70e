/**
 * BatchMatMul on wasm (OpenBLAS, XNNPACK transpose shim, stock tfjs) against
 * the cpu backend: odd shapes, every transpose combination, batched and
 * broadcast batches, empty dimensions, gradients, and errors.
 */
import assert from "node:assert/strict";
import { tf } from "../../lib/engine/mod.ts";
import { broadcastBatches } from "../../lib/engine/kernels/batch_matmul.ts";
import { sizeOf } from "../../lib/engine/kernels/wasm_types.ts";
import {
  ALL_WASM_TARGETS,
  compareBackends,
  compareGradients,
  f32Tolerance,
  randn,
  runOn,
  valueAndGrads,
  WASM_STOCK,
  WASM_TARGETS,
} from "./compare.ts";

/** Shape of an operand holding an [rows, cols] matrix, stored transposed if asked. */
function operand(batch: number[], rows: number, cols: number, t: boolean) {
  return [...batch, ...(t ? [cols, rows] : [rows, cols])];
}

const COMBOS = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

Deno.test("matMul 2-D: every transpose combination on odd shapes", async () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 3],
    [3, 1, 13],
    [7, 13, 1],
    [13, 129, 7],
    [129, 3, 129],
  ];
  for (const [m, k, n] of shapes) {
    for (const [ta, tb] of COMBOS) {
      await compareBackends(
        `matMul m=${m} k=${k} n=${n} ta=${ta} tb=${tb}`,
        () =>
          tf.matMul(
            randn(operand([], m, k, ta), m * 31 + k),
            randn(operand([], k, n, tb), n * 17 + k),
            ta,
            tb,
          ),
        { tolerance: f32Tolerance(k), targets: ALL_WASM_TARGETS },
      );
    }
  }
});

Deno.test("matMul batched 3-D and 4-D with transposes", async () => {
  const cases: { a: number[]; b: number[]; m: number; k: number; n: number }[] =
    [
      { a: [5], b: [5], m: 3, k: 7, n: 13 },
      { a: [2, 3], b: [2, 3], m: 13, k: 7, n: 13 }, // attention [B,H,T,D]x[B,H,D,T]
      { a: [1, 1], b: [1, 1], m: 1, k: 129, n: 1 },
    ];
  for (const { a, b, m, k, n } of cases) {
    for (const [ta, tb] of COMBOS) {
      await compareBackends(
        `matMul [${a}] x [${b}] m=${m} k=${k} n=${n} ta=${ta} tb=${tb}`,
        () =>
          tf.matMul(
            randn(operand(a, m, k, ta), 11),
            randn(operand(b, k, n, tb), 12),
            ta,
            tb,
          ),
        { tolerance: f32Tolerance(k), targets: ALL_WASM_TARGETS },
      );
    }
  }
});

/** Batch shapes to broadcast; `stockOk` marks those tfjs's own kernels get right. */
const BROADCASTS: { a: number[]; b: number[]; stockOk: boolean }[] = [
  { a: [1, 3], b: [2, 3], stockOk: true }, // shared K/V: [1,H,T,D] vs [B,H,D,T]
  { a: [2, 3], b: [1, 3], stockOk: true },
  { a: [4], b: [], stockOk: true }, // [B,T,K] x [K,N]: a linear layer
  { a: [], b: [4], stockOk: true },
  { a: [2, 1], b: [2, 3], stockOk: false }, // grouped-query heads
  { a: [2, 1], b: [1, 3], stockOk: false }, // both sides broadcast
  { a: [2, 1, 3], b: [5, 1], stockOk: false }, // different batch ranks
];

/** Output batch of two broadcast batch shapes (NumPy rules). */
function outBatchOf(a: number[], b: number[]): number[] {
  return tf.backend_util.assertAndGetBroadcastShape(a, b);
}

Deno.test("matMul broadcasts batch dimensions like NumPy", async () => {
  for (const { a, b, stockOk } of BROADCASTS) {
    const batch = outBatchOf(a, b);
    for (const [ta, tb] of COMBOS) {
      const x = () => randn(operand(a, 7, 5, ta), 21);
      const y = () => randn(operand(b, 5, 3, tb), 22);
      await compareBackends(
        `matMul broadcast [${a}] x [${b}] ta=${ta} tb=${tb}`,
        () => tf.matMul(x(), y(), ta, tb),
        {
          tolerance: f32Tolerance(5),
          targets: stockOk ? ALL_WASM_TARGETS : WASM_TARGETS,
          // cpu's own kernel, like stock wasm, mis-sizes the general cases.
          reference: () =>
            tf.matMul(
              tf.broadcastTo(x(), operand(batch, 7, 5, ta)),
              tf.broadcastTo(y(), operand(batch, 5, 3, tb)),
              ta,
              tb,
            ),
        },
      );
    }
  }
});

Deno.test("matMul with an empty dimension (K = 0, M = 0, N = 0, batch 0)", async () => {
  const cases: { a: number[]; b: number[]; out: number[] }[] = [
    { a: [3, 0], b: [0, 5], out: [3, 5] }, // K = 0: zeros
    { a: [0, 4], b: [4, 5], out: [0, 5] }, // M = 0
    { a: [3, 4], b: [4, 0], out: [3, 0] }, // N = 0
    { a: [2, 3, 0], b: [2, 0, 5], out: [2, 3, 5] },
    { a: [0, 3, 4], b: [1, 4, 5], out: [0, 3, 5] }, // empty batch
  ];
  for (const { a, b, out } of cases) {
    const [zeros] = await compareBackends(
      `matMul [${a}] x [${b}]`,
      () => tf.matMul(tf.ones(a), tf.ones(b)),
      {
        targets: WASM_TARGETS,
        // cpu sizes an empty batch as one matrix; zeros are the answer.
        reference: () => tf.zeros(out),
      },
    );
    assert.deepEqual(zeros.shape, out);
  }
});

Deno.test("matMul gradients: every transpose combination, 2-D and 4-D", async () => {
  for (const batch of [[], [2, 3]]) {
    for (const [ta, tb] of COMBOS) {
      await compareGradients(
        `grad matMul batch=[${batch}] ta=${ta} tb=${tb}`,
        () => [
          randn(operand(batch, 7, 13, ta), 31),
          randn(operand(batch, 13, 3, tb), 32),
        ],
        (a, b) => tf.matMul(a, b, ta, tb),
        { tolerance: f32Tolerance(13), targets: ALL_WASM_TARGETS },
      );
    }
  }
});

Deno.test("matMul gradients through broadcast batches sum over the broadcast axes", async () => {
  for (const { a, b, stockOk } of BROADCASTS) {
    const batch = outBatchOf(a, b);
    for (const [ta, tb] of COMBOS) {
      const inputs = () => [
        randn(operand(a, 7, 5, ta), 41),
        randn(operand(b, 5, 3, tb), 42),
      ];
      const [, da, db] = await compareBackends(
        `grad matMul broadcast [${a}] x [${b}] ta=${ta} tb=${tb}`,
        () => valueAndGrads(inputs(), (x, y) => tf.matMul(x, y, ta, tb)),
        {
          tolerance: f32Tolerance(5 * sizeOf(batch)),
          targets: stockOk ? ALL_WASM_TARGETS : WASM_TARGETS,
          // Independent route: broadcast by multiplying with ones, whose
          // gradient sums over the broadcast axes (Tile's has no rank 5).
          reference: () =>
            valueAndGrads(inputs(), (x, y) =>
              tf.matMul(
                tf.mul(x, tf.ones(operand(batch, 7, 5, ta))),
                tf.mul(y, tf.ones(operand(batch, 5, 3, tb))),
                ta,
                tb,
              )),
        },
      );
      assert.deepEqual(da.shape, operand(a, 7, 5, ta));
      assert.deepEqual(db.shape, operand(b, 5, 3, tb));
    }
  }
});

Deno.test("broadcastBatches maps every output batch to its operand batches", () => {
  const same = broadcastBatches([2, 3], [2, 3]);
  assert.deepEqual(same.outBatch, [2, 3]);
  assert.deepEqual(Array.from(same.aIndex), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(same.bIndex), [0, 1, 2, 3, 4, 5]);

  const heads = broadcastBatches([1, 3], [2, 3]);
  assert.deepEqual(heads.outBatch, [2, 3]);
  assert.deepEqual(Array.from(heads.aIndex), [0, 1, 2, 0, 1, 2]);
  assert.deepEqual(Array.from(heads.bIndex), [0, 1, 2, 3, 4, 5]);

  const outer = broadcastBatches([2, 1], [1, 3]);
  assert.deepEqual(outer.outBatch, [2, 3]);
  assert.deepEqual(Array.from(outer.aIndex), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(Array.from(outer.bIndex), [0, 1, 2, 0, 1, 2]);

  const ranks = broadcastBatches([4], []);
  assert.deepEqual(ranks.outBatch, [4]);
  assert.deepEqual(Array.from(ranks.aIndex), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(ranks.bIndex), [0, 0, 0, 0]);

  const padded = broadcastBatches([2, 1, 3], [5, 1]);
  assert.deepEqual(padded.outBatch, [2, 5, 3]);
  assert.equal(padded.aIndex.length, 30);
  // Output batch (1, 4, 2): a ignores its size-1 middle axis, b pads to [1,5,1].
  assert.equal(padded.aIndex[1 * 15 + 4 * 3 + 2], 1 * 3 + 2);
  assert.equal(padded.bIndex[1 * 15 + 4 * 3 + 2], 4);

  const empty = broadcastBatches([0], [1]);
  assert.deepEqual(empty.outBatch, [0]);
  assert.equal(empty.aIndex.length, 0);

  assert.deepEqual(broadcastBatches([], []).outBatch, []);
});

Deno.test("incompatible batches or inner dimensions fail with a clear error", async () => {
  assert.throws(
    () => broadcastBatches([2], [3]),
    /BatchMatMul batch dimensions do not broadcast: \[2\] vs \[3\]/,
  );
  assert.throws(
    () => broadcastBatches([2, 4], [4, 4]),
    /do not broadcast: \[2,4\] vs \[4,4\]/,
  );
  // Our kernels name both shapes; stock tfjs says "could not be broadcast".
  for (const target of WASM_TARGETS) {
    await assert.rejects(
      () =>
        runOn(target, () => tf.matMul(tf.ones([2, 3, 4]), tf.ones([3, 4, 5]))),
      /BatchMatMul batch dimensions do not broadcast: \[2\] vs \[3\]/,
      `${target.label}: batch 2 vs 3`,
    );
    await assert.rejects(
      () =>
        runOn(
          target,
          () => tf.matMul(tf.ones([3, 4]), tf.ones([6, 5]), false, true),
        ),
      /BatchMatMul inner dimensions differ: a \[3,4\] vs b \[6,5\]ᵀ/,
      `${target.label}: K 4 vs 5`,
    );
  }
  await assert.rejects(
    () =>
      runOn(
        WASM_STOCK,
        () => tf.matMul(tf.ones([2, 3, 4]), tf.ones([3, 4, 5])),
      ),
    /could not be broadcast/,
  );
});
