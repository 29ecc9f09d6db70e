/**
 * The numeric self-test OpenBLAS passes before tunebook multiplies with it.
 *
 * Kernel families are chosen by instruction set (blas.ts), and an OpenBLAS
 * build can still miscompute on a CPU it was not written for. So before
 * the engine routes a single matmul through the library, {@link checkBlas}
 * runs a few products whose shapes reach the kernels' edge cases (odd
 * sizes, both transposes, the GEMV path) and compares them with a float64
 * reference. It costs well under a millisecond.
 *
 * @module
 */

/** The two products the engine uses (blas.ts). */
export interface BlasProducts {
  /** Row-major single-precision GEMM: C = A·B (with optional transposes), alpha = 1, beta = 0. */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
  ): void;
  /**
   * Row-major single-precision matrix-vector product: y = A·x, or y = Aᵀ·x
   * when `transA`, with A of m rows × n columns (alpha = 1, beta = 0). For a
   * single row of activations this is about twice as fast as `sgemm` with
   * M = 1, which packs the whole matrix first (OpenBLAS 0.3.21).
   */
  sgemv(
    transA: boolean,
    m: number,
    n: number,
    a: Float32Array,
    x: Float32Array,
    y: Float32Array,
  ): void;
}

/** Shapes with remainders in every blocking dimension (kernels tile by 4–16 × 4–16). */
const GEMM_SHAPES: [number, number, number, boolean, boolean][] = [
  [37, 53, 71, false, false],
  [37, 53, 71, true, false],
  [19, 130, 67, false, true],
  [1, 96, 257, false, false],
];
const GEMV_SHAPES: [number, number, boolean][] = [[129, 67, false], [
  67,
  129,
  true,
]];

/** Relative error allowed against the float64 reference, per unit of Σ|a·b| (float32 rounding over k terms). */
const TOLERANCE = 1e-5;

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** Worst error of `got` against A·B in float64, as a fraction of Σ|a·b| per entry. */
function worstError(
  got: Float32Array,
  m: number,
  n: number,
  k: number,
  at: (i: number, p: number) => number,
  bt: (p: number, j: number) => number,
): number {
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let scale = 0;
      for (let p = 0; p < k; p++) {
        const term = at(i, p) * bt(p, j);
        sum += term;
        scale += Math.abs(term);
      }
      const error = Math.abs(got[i * n + j] - sum) / (scale || 1);
      if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
    }
  }
  return worst;
}

/**
 * Runs the self-test: undefined when every product agrees with float64,
 * else a one-line description of the first that does not.
 */
export function checkBlas(blas: BlasProducts): string | undefined {
  let seed = 1;
  for (const [m, n, k, transA, transB] of GEMM_SHAPES) {
    const a = values(m * k, seed++);
    const b = values(k * n, seed++);
    const c = new Float32Array(m * n).fill(NaN);
    blas.sgemm(transA, transB, m, n, k, a, b, c);
    const error = worstError(
      c,
      m,
      n,
      k,
      (i, p) => transA ? a[p * m + i] : a[i * k + p],
      (p, j) => transB ? b[j * k + p] : b[p * n + j],
    );
    if (error > TOLERANCE) {
      return `sgemm ${m}×${n}×${k}${transA ? " Aᵀ" : ""}${
        transB ? " Bᵀ" : ""
      } is off by ${error.toExponential(1)} of its scale`;
    }
  }
  for (const [m, n, transA] of GEMV_SHAPES) {
    const a = values(m * n, seed++);
    const x = values(transA ? m : n, seed++);
    const rows = transA ? n : m;
    const inner = transA ? m : n;
    const y = new Float32Array(rows).fill(NaN);
    blas.sgemv(transA, m, n, a, x, y);
    const error = worstError(
      y,
      rows,
      1,
      inner,
      (i, p) => transA ? a[p * n + i] : a[i * n + p],
      (p) => x[p],
    );
    if (error > TOLERANCE) {
      return `sgemv ${m}×${n}${transA ? " Aᵀ" : ""} is off by ${
        error.toExponential(1)
      } of its scale`;
    }
  }
  return undefined;
}
