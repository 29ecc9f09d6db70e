/**
 * What this machine could do at best, measured in the same run as the
 * numbers set against it: the float32 GEMM ceiling (OpenBLAS on a large
 * square product, every thread) and the memory bandwidth (a large copy),
 * and the nominal FLOPs and bytes a model cell needs per token.
 *
 * FLOPs per token follow nanoGPT's `estimate_mfu`: a training step costs
 * 6N + 12·L·H·Q·T (N parameters, L layers, H heads of width Q, T tokens of
 * context); a LoRA step has no weight gradients for the frozen base, 4N +
 * 8·L·H·Q·T; a forward pass 2N + 4·L·H·Q·T. Recomputed layers are not
 * counted (they are overhead, as in MFU). A batch-1 decode step reads every
 * float32 weight once: its bound is bandwidth ÷ 4N tokens/s.
 *
 * @module
 */
import { loadOpenBlas } from "../engine/blas.ts";
import { type ModelConfig, parameterCount } from "../model/config.ts";

/** The machine's best float32 GEMM rate and memory bandwidth, or why unknown. */
export interface Ceilings {
  /** GFLOP/s of a 2048³ sgemm on every thread; null without OpenBLAS. */
  gemmGflops: number | null;
  /** GB/s of a 256 MiB copy (bytes read + bytes written). */
  bandwidthGBs: number;
}

/** Best of `repeats` timings of `work`, in seconds. */
function bestSeconds(work: () => void, repeats: number): number {
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

/** Measures both ceilings (a few seconds). */
export function measureCeilings(): Ceilings {
  const blas = loadOpenBlas();
  let gemmGflops: number | null = null;
  if (blas.ok) {
    const n = 2048;
    const a = new Float32Array(n * n).fill(0.5);
    const b = new Float32Array(n * n).fill(0.25);
    const c = new Float32Array(n * n);
    const seconds = bestSeconds(
      () => blas.blas.sgemm(false, false, n, n, n, a, b, c),
      4,
    );
    gemmGflops = (2 * n ** 3) / seconds / 1e9;
  }
  const values = 64 * 2 ** 20; // 256 MiB of float32
  const source = new Float32Array(values).fill(1);
  const target = new Float32Array(values);
  const seconds = bestSeconds(() => target.set(source), 4);
  return { gemmGflops, bandwidthGBs: (2 * values * 4) / seconds / 1e9 };
}

/** What a cell does per token, for its FLOPs. */
export type CellWork = "train" | "lora" | "forward";

/** Nominal FLOPs per token of `work` on `config` with `context` tokens of context. */
export function flopsPerToken(
  config: ModelConfig,
  work: CellWork,
  context: number,
): number {
  const n = parameterCount(config);
  const attention = config.numLayers * config.numHeads * config.headDim *
    context;
  const [weights, attn] = work === "train"
    ? [6, 12]
    : work === "lora"
    ? [4, 8]
    : [2, 4];
  return weights * n + attn * attention;
}

/** Batch-1 decode's bound: every float32 weight read once per token. */
export function decodeBound(config: ModelConfig, bandwidthGBs: number): number {
  return (bandwidthGBs * 1e9) / (4 * parameterCount(config));
}
