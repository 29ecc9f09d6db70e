/**
 * Matmul throughput (GFLOPS) of every matmul kernel, on square matrices and
 * on the shapes a small transformer's training step multiplies.
 *
 * GFLOPS = 2·M·N·K·batch / time. Inputs are uniform in [-1, 1); each call's
 * output is read back before the clock stops (see {@link measure}).
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { measure, type MeasureOptions } from "./measure.ts";
import {
  atLeast,
  type Benchmark,
  type BenchOutput,
  type Check,
  type Column,
  type Row,
} from "./types.ts";
import {
  CPU_VARIANT,
  type KernelVariant,
  useVariant,
  wasmVariants,
} from "./variants.ts";

/** One product `a·b`, optionally with either operand transposed. */
export interface MatMulCase {
  name: string;
  a: number[];
  b: number[];
  transposeA?: boolean;
  transposeB?: boolean;
}

/** Floating-point operations of one product: 2·M·N·K per matrix in the batch. */
export function matMulFlops(c: MatMulCase): number {
  const ra = c.a.length, rb = c.b.length;
  const m = c.transposeA ? c.a[ra - 1] : c.a[ra - 2];
  const k = c.transposeA ? c.a[ra - 2] : c.a[ra - 1];
  const n = c.transposeB ? c.b[rb - 2] : c.b[rb - 1];
  const batch = Math.max(
    c.a.slice(0, -2).reduce((x, y) => x * y, 1),
    c.b.slice(0, -2).reduce((x, y) => x * y, 1),
  );
  return 2 * m * n * k * batch;
}

const square = (n: number): MatMulCase => ({
  name: `square ${n}`,
  a: [n, n],
  b: [n, n],
});

/**
 * SmolLM-135M (d 576, MLP 1536, 9 heads of 64) at 512 tokens, and a
 * Gemma-3-270M-sized projection (d 640, MLP 2048) at 128 tokens.
 */
const TRANSFORMER_CASES: MatMulCase[] = [
  { name: "SmolLM MLP up", a: [512, 576], b: [576, 1536] },
  {
    name: "SmolLM weight grad (Aᵀ)",
    a: [512, 576],
    b: [512, 1536],
    transposeA: true,
  },
  {
    name: "SmolLM input grad (Bᵀ)",
    a: [512, 1536],
    b: [576, 1536],
    transposeB: true,
  },
  {
    name: "SmolLM attn scores (4-D)",
    a: [4, 9, 128, 64],
    b: [4, 9, 64, 128],
  },
  { name: "Gemma-ish MLP up", a: [128, 640], b: [640, 2048] },
];

const QUICK_TRANSFORMER_CASES: MatMulCase[] = [
  { name: "tiny MLP up", a: [32, 48], b: [48, 96] },
  { name: "tiny weight grad (Aᵀ)", a: [32, 48], b: [32, 96], transposeA: true },
  { name: "tiny input grad (Bᵀ)", a: [32, 96], b: [48, 96], transposeB: true },
  { name: "tiny attn scores (4-D)", a: [2, 3, 16, 8], b: [2, 3, 8, 16] },
];

/** The cpu backend runs only products this small: it manages about 1 GFLOPS. */
const CPU_MAX_FLOPS = 0.3e9;
/** The target: the FFI matmul ≥ 3× the stock wasm kernel at 1024². */
const SPEEDUP_SIZE = 1024;
const SPEEDUP_TARGET = 3;

const COLUMNS: Column[] = [
  { key: "case", header: "case" },
  { key: "shape", header: "shape" },
  { key: "kernel", header: "kernel" },
  { key: "bestMs", header: "ms best" },
  { key: "medianMs", header: "ms median" },
  { key: "bestGflops", header: "GFLOPS best" },
  { key: "medianGflops", header: "GFLOPS median" },
  { key: "samples", header: "n" },
];

/** The matmul group: square sizes (with the OpenBLAS-over-stock check) and transformer shapes. */
export const matmulBenchmarks: Benchmark[] = [
  {
    name: "square",
    group: "matmul",
    description: "N×N·N×N float32 matmul GFLOPS per kernel",
    async run({ quick, log }) {
      const cases = (quick ? [64, 128] : [256, 512, 1024, 2048]).map(square);
      const output = await runCases(cases, quick, log);
      return { ...output, ...speedUp(output.rows) };
    },
  },
  {
    name: "transformer",
    group: "matmul",
    description:
      "matmul GFLOPS per kernel on transformer training shapes (forward, both gradients, batched attention)",
    run: ({ quick, log }) =>
      runCases(quick ? QUICK_TRANSFORMER_CASES : TRANSFORMER_CASES, quick, log),
  },
];

async function runCases(
  cases: MatMulCase[],
  quick: boolean,
  log: (message: string) => void,
): Promise<BenchOutput> {
  const { variants, notes } = wasmVariants();
  const timing: MeasureOptions = quick
    ? { warmup: 1, repeats: 2 }
    : { warmup: 1, repeats: 7, minRepeats: 3, budgetMs: 3000, minSampleMs: 25 };
  const rows: Row[] = [];
  // Case-major order: the kernels of one shape run back to back, so a burst
  // of load from elsewhere skews one shape rather than one kernel.
  for (const c of cases) {
    const flops = matMulFlops(c);
    const kernels = quick || flops <= CPU_MAX_FLOPS
      ? [CPU_VARIANT, ...variants]
      : variants;
    for (const variant of kernels) {
      log(`${c.name} on ${variant.label}`);
      rows.push(await timeCase(c, flops, variant, timing));
    }
  }
  return { columns: COLUMNS, rows, notes };
}

async function timeCase(
  c: MatMulCase,
  flops: number,
  variant: KernelVariant,
  timing: MeasureOptions,
): Promise<Row> {
  await useVariant(variant);
  const a = tf.randomUniform(c.a, -1, 1, "float32", 1);
  const b = tf.randomUniform(c.b, -1, 1, "float32", 2);
  try {
    const t = await measure(
      () => tf.matMul(a, b, c.transposeA, c.transposeB),
      timing,
    );
    return {
      case: c.name,
      shape: shapeText(c),
      kernel: variant.label,
      kernelId: variant.id,
      gflop: flops / 1e9,
      bestMs: t.bestMs,
      medianMs: t.medianMs,
      bestGflops: flops / t.bestMs / 1e6,
      medianGflops: flops / t.medianMs / 1e6,
      samples: t.samples,
      callsPerSample: t.callsPerSample,
    };
  } finally {
    a.dispose();
    b.dispose();
  }
}

function shapeText(c: MatMulCase): string {
  return `[${c.a}]${c.transposeA ? "ᵀ" : ""}×[${c.b}]${
    c.transposeB ? "ᵀ" : ""
  }`;
}

/**
 * The speed-up of the fastest OpenBLAS variant over the stock wasm kernel at
 * 1024², as a note and a check (absent when 1024² was not run).
 */
function speedUp(rows: Row[]): { notes: string[]; checks: Check[] } {
  const at = rows.filter((r) => r.case === `square ${SPEEDUP_SIZE}`);
  const stock = at.find((r) => r.kernelId === "stock");
  const blas = at.filter((r) => String(r.kernelId).startsWith("blas-"))
    .sort((x, y) => Number(y.bestGflops) - Number(x.bestGflops))[0];
  if (!stock || !blas) return { notes: [], checks: [] };
  const best = Number(blas.bestGflops) / Number(stock.bestGflops);
  const median = Number(blas.medianGflops) / Number(stock.medianGflops);
  const perThread = at.filter((r) => String(r.kernelId).startsWith("blas-"))
    .map((r) =>
      `${r.kernel} ${
        (Number(r.bestGflops) / Number(stock.bestGflops)).toFixed(1)
      }×`
    ).join(", ");
  return {
    notes: [
      `OpenBLAS over stock wasm at ${SPEEDUP_SIZE}²: ${perThread} (best); ` +
      `${blas.kernel}: ${best.toFixed(2)}× best (${
        Number(blas.bestGflops).toFixed(1)
      } vs ${Number(stock.bestGflops).toFixed(1)} GFLOPS), ` +
      `${median.toFixed(2)}× median`,
    ],
    checks: [
      atLeast(
        `${blas.kernel} over wasm stock at ${SPEEDUP_SIZE}×${SPEEDUP_SIZE} (best GFLOPS)`,
        best,
        SPEEDUP_TARGET,
        "×",
      ),
    ],
  };
}
