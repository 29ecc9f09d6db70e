/**
 * `UnsortedSegmentSum` for the wasm backend. tfjs computes the gradient of
 * `tf.gather` (every embedding lookup) with this kernel, and the wasm backend
 * ships none, so without it training an embedding fails with "Kernel
 * 'UnsortedSegmentSum' not registered for backend 'wasm'".
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { sizeOf, type WasmBackendLike } from "./wasm_types.ts";

/** Registers the kernel on the wasm backend (idempotent). */
export function registerUnsortedSegmentSum(): void {
  if (tf.getKernel("UnsortedSegmentSum", "wasm")) return;
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, segmentIds } = inputs as Record<string, tf.TensorInfo>;
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const wasm = backend as unknown as WasmBackendLike;
      const inner = sizeOf(x.shape.slice(1));
      const rows = x.shape[0] ?? 1;
      // Read the inputs before allocating: makeOutput may grow the heap and
      // detach views taken earlier; readSync copies, so these stay valid.
      const values = wasm.readSync(x.dataId);
      const ids = wasm.readSync(segmentIds.dataId);
      const out = wasm.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
      const result = wasm.typedArrayFromHeap(out);
      result.fill(0);
      for (let row = 0; row < rows; row++) {
        const segment = ids[row];
        // TensorFlow semantics: ids outside [0, numSegments) are dropped.
        if (segment < 0 || segment >= numSegments) continue;
        const src = row * inner, dst = segment * inner;
        for (let j = 0; j < inner; j++) result[dst + j] += values[src + j];
      }
      return out;
    },
  });
}
