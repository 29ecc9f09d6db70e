/**
 * The matmul kernels benchmarks compare, as engine settings: tfjs's stock
 * wasm kernel, XNNPACK with the transpose shim, OpenBLAS through FFI at
 * several thread counts, and the pure-JS cpu backend as a baseline.
 *
 * @module
 */
import {
  type EngineInfo,
  type EngineOptions,
  initEngine,
} from "../engine/mod.ts";
import { loadOpenBlas } from "../engine/blas.ts";

/** One way of running matmuls. */
export interface KernelVariant {
  /** Stable key stored in results, e.g. "blas-2t". */
  id: string;
  /** Printed in tables, e.g. "OpenBLAS 2 threads". */
  label: string;
  options: EngineOptions;
}

/** The cpu backend: pure JavaScript, about 1 GFLOPS. */
export const CPU_VARIANT: KernelVariant = {
  id: "cpu",
  label: "cpu (pure JS)",
  options: { backend: "cpu" },
};

/**
 * The wasm-backend matmul kernels available here. OpenBLAS runs with one
 * thread, two, and every core; when it cannot load, `notes` says why and its
 * variants are left out.
 */
export function wasmVariants(): { variants: KernelVariant[]; notes: string[] } {
  const variants: KernelVariant[] = [
    {
      id: "stock",
      label: "wasm stock",
      options: { backend: "wasm", matmul: "stock" },
    },
    {
      id: "xnnpack",
      label: "wasm XNNPACK+shim",
      options: { backend: "wasm", matmul: "xnnpack" },
    },
  ];
  const blas = loadOpenBlas();
  if (!blas.ok) {
    return { variants, notes: [`OpenBLAS variants skipped: ${blas.reason}`] };
  }
  const cores = navigator.hardwareConcurrency || 1;
  for (const threads of [...new Set([1, 2, cores])].sort((a, b) => a - b)) {
    variants.push({
      id: `blas-${threads}t`,
      label: `OpenBLAS ${threads} thread${threads === 1 ? "" : "s"}`,
      options: { backend: "wasm", matmul: "blas", threads },
    });
  }
  return { variants, notes: [] };
}

/** Switches the engine to `variant`. */
export function useVariant(variant: KernelVariant): Promise<EngineInfo> {
  return initEngine({ ...variant.options, verbose: false });
}
