/**
 * The slice of the wasm backend's surface that project kernels use. tfjs does
 * not export `BackendWasm` from its public entry point, so we name the few
 * methods we call here instead of casting to `any` at every use.
 *
 * @module
 */
import type { DataType, TensorInfo } from "@tensorflow/tfjs";

/** Typed arrays the wasm heap hands out. */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The methods of tfjs's wasm backend that our kernels rely on. */
export interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): HeapArray;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
}

/** Product of a shape's dimensions (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
