/**
 * Replacement `BatchMatMul` kernels for the wasm backend.
 *
 * The stock wasm kernel takes XNNPACK only when neither operand is transposed
 * and the batch is 1; everything else (the weight and input gradients of every
 * linear layer, and batched attention) runs a naive loop ~10× slower. Two
 * replacements, chosen by the engine:
 *
 * - `blas`: every case through OpenBLAS `cblas_sgemm`, reading and writing the
 *   wasm heap directly (zero copy); transposes are BLAS flags.
 * - `transpose`: materialise transposed operands with the wasm Transpose kernel
 *   and hand the stock kernel the untransposed form, which reaches XNNPACK for
 *   2-D products. Batched products still take the stock loop. Batches the
 *   stock kernel would broadcast wrongly (`[B,1]` vs `[B,H]`, or both sides
 *   broadcasting) are first expanded to the output batch with GatherV2.
 *
 * Both keep the original kernel's `setupFunc`/`disposeFunc`: the setup binds
 * the wasm export that the stock kernel needs when we delegate to it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { OpenBlas } from "../blas.ts";
import { sizeOf, type WasmBackendLike } from "./wasm_types.ts";

type MatMulAttrs = { transposeA: boolean; transposeB: boolean };
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The stock wasm kernel, captured once before any replacement. */
let stockKernel: tf.KernelConfig | undefined;

function captureStock(): tf.KernelConfig {
  if (!stockKernel) {
    const k = tf.getKernel("BatchMatMul", "wasm");
    if (!k) {
      throw new Error(
        "wasm BatchMatMul kernel not registered: import @tensorflow/tfjs-backend-wasm first",
      );
    }
    stockKernel = k;
  }
  return stockKernel;
}

/** Which BatchMatMul implementation is active on the wasm backend. */
export type MatMulMode = "blas" | "transpose" | "stock";

/**
 * Installs the chosen BatchMatMul kernel on the wasm backend, replacing any
 * previous choice. Must run before `tf.setBackend("wasm")` the first time.
 */
export function installBatchMatMul(mode: MatMulMode, blas?: OpenBlas): void {
  const stock = captureStock();
  if (mode === "blas" && !blas) {
    throw new Error("installBatchMatMul: mode 'blas' needs an OpenBLAS handle");
  }
  const kernelFunc = mode === "blas"
    ? blasKernel(blas!, stock)
    : mode === "transpose"
    ? transposeKernel(stock)
    : stock.kernelFunc;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    kernelName: "BatchMatMul",
    backendName: "wasm",
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc,
  });
}

/** Matrix dims of one operand, honouring its transpose flag. */
function matrixDims(shape: number[], transposed: boolean): [number, number] {
  const r = shape.length;
  if (r < 2) {
    throw new Error(
      `BatchMatMul needs rank >= 2 operands, got shape [${shape}]`,
    );
  }
  return transposed
    ? [shape[r - 1], shape[r - 2]]
    : [shape[r - 2], shape[r - 1]];
}

/**
 * Broadcasts two batch shapes (NumPy rules) and returns, for each output batch
 * index, the flat batch index into a and into b.
 */
export function broadcastBatches(
  aBatch: number[],
  bBatch: number[],
): { outBatch: number[]; aIndex: Int32Array; bIndex: Int32Array } {
  const rank = Math.max(aBatch.length, bBatch.length);
  const pad = (s: number[]) => [...Array(rank - s.length).fill(1), ...s];
  const a = pad(aBatch), b = pad(bBatch);
  const outBatch = a.map((d, i) => {
    if (d === b[i] || b[i] === 1) return d;
    if (d === 1) return b[i];
    throw new Error(
      `BatchMatMul batch dimensions do not broadcast: [${aBatch}] vs [${bBatch}]`,
    );
  });
  const total = sizeOf(outBatch);
  const aIndex = new Int32Array(total), bIndex = new Int32Array(total);
  const idx = new Array(rank).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < rank; d++) {
      ia = ia * a[d] + (a[d] === 1 ? 0 : idx[d]);
      ib = ib * b[d] + (b[d] === 1 ? 0 : idx[d]);
    }
    aIndex[flat] = ia;
    bIndex[flat] = ib;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < outBatch[d]) break;
      idx[d] = 0;
    }
  }
  return { outBatch, aIndex, bIndex };
}

/** The matrix sizes of one product, after checking that the inner dimensions agree. */
function productDims(
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  { transposeA, transposeB }: MatMulAttrs,
): { m: number; k: number; n: number } {
  const [m, k] = matrixDims(a.shape, transposeA);
  const [kb, n] = matrixDims(b.shape, transposeB);
  if (k !== kb) {
    throw new Error(
      `BatchMatMul inner dimensions differ: a [${a.shape}]${
        transposeA ? "ᵀ" : ""
      } vs b [${b.shape}]${transposeB ? "ᵀ" : ""}`,
    );
  }
  return { m, k, n };
}

/**
 * An output that needs no arithmetic: empty, or all zeros because K = 0.
 * XNNPACK rejects such products and the stock kernel sizes an empty batch
 * wrongly, so we answer them here.
 */
function trivialProduct(
  backend: WasmBackendLike,
  outShape: number[],
  k: number,
): tf.TensorInfo | undefined {
  if (sizeOf(outShape) !== 0 && k !== 0) return undefined;
  const out = backend.makeOutput(outShape, "float32");
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** What both kernels need to know about one product, once the trivial cases are answered. */
interface ProductPlan extends MatMulAttrs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  backend: WasmBackendLike;
  m: number;
  k: number;
  n: number;
  outBatch: number[];
  aIndex: Int32Array;
  bIndex: Int32Array;
}

/**
 * Checks and sizes a product: `undefined` for non-float32 inputs (left to
 * the stock kernel), `{ done }` for an empty or K = 0 product, else the plan.
 */
function planProduct(
  args: KernelArgs,
): ProductPlan | { done: tf.TensorInfo } | undefined {
  const { a, b } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs as unknown as MatMulAttrs;
  if (a.dtype !== "float32" || b.dtype !== "float32") return undefined;
  const backend = args.backend as unknown as WasmBackendLike;
  const { m, k, n } = productDims(a, b, attrs);
  const { outBatch, aIndex, bIndex } = broadcastBatches(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const trivial = trivialProduct(backend, [...outBatch, m, n], k);
  if (trivial) return { done: trivial };
  return {
    a,
    b,
    transposeA: attrs.transposeA,
    transposeB: attrs.transposeB,
    backend,
    m,
    k,
    n,
    outBatch,
    aIndex,
    bIndex,
  };
}

function blasKernel(blas: OpenBlas, stock: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const plan = planProduct(args);
    if (!plan) return stock.kernelFunc(args);
    if ("done" in plan) return plan.done;
    const {
      a,
      b,
      transposeA,
      transposeB,
      backend,
      m,
      k,
      n,
      outBatch,
      aIndex,
      bIndex,
    } = plan;
    const out = backend.makeOutput([...outBatch, m, n], "float32");
    // Views are taken only after makeOutput: allocating may grow the wasm
    // memory, which detaches views created before it.
    const cView = backend.typedArrayFromHeap(out) as Float32Array;
    const aView = backend.typedArrayFromHeap(a) as Float32Array;
    const bView = backend.typedArrayFromHeap(b) as Float32Array;
    const aSize = m * k, bSize = k * n, cSize = m * n;
    for (let i = 0; i < aIndex.length; i++) {
      blas.sgemm(
        transposeA,
        transposeB,
        m,
        n,
        k,
        aView.subarray(aIndex[i] * aSize, (aIndex[i] + 1) * aSize),
        bView.subarray(bIndex[i] * bSize, (bIndex[i] + 1) * bSize),
        cView.subarray(i * cSize, (i + 1) * cSize),
      );
    }
    return out;
  };
}

/**
 * Whether the stock kernel's batch rule (output batch i reads a[i mod
 * batchA] and b[i mod batchB], with max(batchA, batchB) outputs) gives the
 * NumPy broadcast. It does for equal batches and for a side whose batch is a
 * trailing part of the other's (`[1,H]` vs `[B,H]`, `[]` vs `[B]`), but not
 * for `[B,1]` vs `[B,H]` or when both sides broadcast.
 */
function stockBroadcastIsRight(aIndex: Int32Array, bIndex: Int32Array) {
  let batchA = 1, batchB = 1;
  for (let i = 0; i < aIndex.length; i++) {
    batchA = Math.max(batchA, aIndex[i] + 1);
    batchB = Math.max(batchB, bIndex[i] + 1);
  }
  if (aIndex.length !== Math.max(batchA, batchB)) return false;
  for (let i = 0; i < aIndex.length; i++) {
    if (aIndex[i] !== i % batchA || bIndex[i] !== i % batchB) return false;
  }
  return true;
}

function transposeKernel(stock: tf.KernelConfig): tf.KernelFunc {
  const transpose = tf.getKernel("Transpose", "wasm")?.kernelFunc;
  const gather = tf.getKernel("GatherV2", "wasm")?.kernelFunc;
  if (!transpose || !gather) {
    throw new Error("wasm Transpose or GatherV2 kernel not registered");
  }
  return (args: KernelArgs) => {
    const plan = planProduct(args);
    if (!plan) return stock.kernelFunc(args);
    if ("done" in plan) return plan.done;
    const {
      a,
      b,
      transposeA,
      transposeB,
      backend,
      outBatch,
      aIndex,
      bIndex,
    } = plan;
    const broadcastOk = stockBroadcastIsRight(aIndex, bIndex);
    if (!transposeA && !transposeB && broadcastOk) {
      return stock.kernelFunc(args);
    }
    const temporaries: tf.TensorInfo[] = [];
    const keep = (t: tf.TensorInfo) => (temporaries.push(t), t);
    const swapLastTwo = (x: tf.TensorInfo) => {
      const r = x.shape.length;
      const perm = [...Array(r - 2).keys(), r - 1, r - 2];
      return keep(
        transpose({
          inputs: { x },
          backend: args.backend,
          attrs: { perm },
        }) as tf.TensorInfo,
      );
    };
    // Copies the matrices the output batch reads, in output order, so the
    // stock kernel sees equal batches of shape [...outBatch, rows, cols].
    const expandBatch = (x: tf.TensorInfo, index: Int32Array) => {
      const [rows, cols] = x.shape.slice(-2);
      if (sizeOf(x.shape.slice(0, -2)) === index.length) {
        // As many matrices as the output batch: no axis of x is broadcast.
        return { ...x, shape: [...outBatch, rows, cols] };
      }
      const indices = keep(backend.makeOutput([index.length], "int32"));
      backend.typedArrayFromHeap(indices).set(index);
      const flat = { ...x, shape: [sizeOf(x.shape.slice(0, -2)), rows, cols] };
      const picked = keep(
        gather({
          inputs: { x: flat, indices },
          backend: args.backend,
          attrs: { axis: 0, batchDims: 0 },
        }) as tf.TensorInfo,
      );
      return { ...picked, shape: [...outBatch, rows, cols] };
    };
    try {
      let a2 = transposeA ? swapLastTwo(a) : a;
      let b2 = transposeB ? swapLastTwo(b) : b;
      if (!broadcastOk) {
        a2 = expandBatch(a2, aIndex);
        b2 = expandBatch(b2, bIndex);
      }
      return stock.kernelFunc({
        ...args,
        inputs: { a: a2, b: b2 },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
}
