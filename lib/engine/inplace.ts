/**
 * Writing into a tensor's buffer, for the rare case where making a new
 * tensor would not fit: tfjs tensors are immutable, so this is only safe on
 * a buffer no other tensor shares.
 *
 * @module
 */
import { tf } from "./mod.ts";

/** What tfjs's wasm backend keeps per buffer. */
interface WasmBuffers {
  dataIdMap: { get(dataId: object): { refCount: number } | undefined };
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

/**
 * A view of `t`'s float32 values on the wasm heap when `t` is the only
 * tensor holding that buffer (clones share buffers, see kernel_fixes.ts);
 * null otherwise (another backend, another dtype, or shared). Take the view
 * right before writing: any allocation may grow the heap and detach it.
 */
export function exclusiveHeapView(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== "float32" || tf.getBackend() !== "wasm") return null;
  const backend = tf.backend() as unknown as WasmBuffers;
  if (backend.dataIdMap?.get(t.dataId)?.refCount !== 1) return null;
  return backend.typedArrayFromHeap(t as unknown as tf.TensorInfo);
}
