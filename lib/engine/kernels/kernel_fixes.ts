/**
 * Corrections to stock tfjs 4.22 kernels that give wrong results (found by
 * tests/engine/ops_test.ts):
 *
 * - wasm `Cast` to bool copies the number into a byte (`Uint8Array.set`), so
 *   0.4 becomes false, 2.9 becomes 2 and -1 becomes 255; TensorFlow's rule is
 *   `x != 0`. We compute that and leave every other cast to the stock kernel.
 * - wasm `ClipByValue` on int32 reads the integers as float bits, so
 *   `clipByValue(int32 [11], 0, 10)` stays 11. We clip non-float32 tensors
 *   here and leave float32 to the stock (XNNPACK) kernel.
 * - `Cumsum` and `Cumprod` on wasm and on cpu pass a negative axis straight
 *   into a permutation, so `tf.cumsum(x, -1)` on a rank-3 tensor returns shape
 *   `[undefined, …]`, and on wasm may read out of bounds of its memory (the
 *   Cumsum gradient reuses the axis). We normalise the axis and call the
 *   stock kernel.
 * - wasm `OneHot` with a float32 `dtype` writes the integers' bits, so
 *   `oneHot(t, n, 1, 0, "float32")` holds 1.4e-45 where it should hold 1. We
 *   run the stock kernel in int32 and convert.
 * - wasm `Identity` copies its input. tfjs clones every tensor it saves for
 *   the backward pass, so each weight a matmul reads was copied once per use
 *   during training (a 135M-parameter model needed 2.8 GiB for one 128-token
 *   sequence). Tensors are immutable, so we share the buffer and count a
 *   reference, as the cpu backend and wasm's own `Reshape` do. wasm `Cast`
 *   to the tensor's own dtype and `Transpose` by the identity permutation
 *   (the embedding gradient goes through one) copy the same way and share
 *   the same way here: for a 262 144-row embedding each copy was 640 MiB of
 *   a 4 GiB heap.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { WasmBackendLike } from "./wasm_types.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Replaces a kernel with `wrap(stock)`, keeping the stock setup and dispose
 * functions (on wasm they bind the exports the stock kernel calls).
 */
function wrapKernel(
  kernelName: string,
  backendName: "wasm" | "cpu",
  wrap: (stock: tf.KernelFunc) => tf.KernelFunc,
): void {
  const stock = tf.getKernel(kernelName, backendName);
  if (!stock) {
    throw new Error(
      `${backendName} ${kernelName} kernel not registered: import @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm first`,
    );
  }
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...stock, kernelFunc: wrap(stock.kernelFunc) });
}

function castToBool(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as { dtype: tf.DataType };
    if (dtype === x.dtype && dtype !== "string") return share(args);
    if (dtype !== "bool") return stock(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(x.shape, "bool");
    // Views after makeOutput: allocating may grow and detach the heap.
    const from = backend.typedArrayFromHeap(x);
    const to = backend.typedArrayFromHeap(out);
    for (let i = 0; i < from.length; i++) to[i] = from[i] !== 0 ? 1 : 0;
    return out;
  };
}

function clipIntegers(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === "float32") return stock(args);
    const { clipValueMin, clipValueMax } = args.attrs as {
      clipValueMin: number;
      clipValueMax: number;
    };
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(x.shape, x.dtype);
    const from = backend.typedArrayFromHeap(x);
    const to = backend.typedArrayFromHeap(out);
    for (let i = 0; i < from.length; i++) {
      to[i] = Math.min(Math.max(from[i], clipValueMin), clipValueMax);
    }
    return out;
  };
}

function floatOneHot(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { dtype } = args.attrs as { dtype: tf.DataType };
    if (dtype === "int32") return stock(args);
    const ints = stock({
      ...args,
      attrs: { ...args.attrs, dtype: "int32" },
    }) as tf.TensorInfo;
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(ints.shape, dtype);
    // Views after makeOutput: allocating may grow and detach the heap.
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(ints));
    backend.disposeData(ints.dataId);
    return out;
  };
}

function positiveAxis(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis } = args.attrs as { axis: number };
    if (axis >= 0) return stock(args);
    return stock({
      ...args,
      attrs: { ...args.attrs, axis: axis + x.shape.length },
    });
  };
}

/** The input itself, one reference more: the zero-copy result of an op that changes nothing. */
function share(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

function shareBuffer(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    return x.dtype === "string" ? stock(args) : share(args);
  };
}

function shareIdentityTranspose(stock: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    const noOp = perm.every((axis, i) => axis === i);
    return noOp && x.dtype !== "string" ? share(args) : stock(args);
  };
}

let registered = false;

/**
 * Installs the corrected kernels on wasm and cpu (idempotent; call before
 * `tf.setBackend`, which runs the wasm kernels' setup).
 */
export function registerKernelFixes(): void {
  if (registered) return;
  wrapKernel("Cast", "wasm", castToBool);
  wrapKernel("ClipByValue", "wasm", clipIntegers);
  wrapKernel("OneHot", "wasm", floatOneHot);
  wrapKernel("Identity", "wasm", shareBuffer);
  wrapKernel("Transpose", "wasm", shareIdentityTranspose);
  for (const backend of ["wasm", "cpu"] as const) {
    wrapKernel("Cumsum", backend, positiveAxis);
    wrapKernel("Cumprod", backend, positiveAxis);
  }
  registered = true;
}
