/**
 * tunebook beside PyTorch (`deno task bench peer`): the cells of the
 * performance issue on the SmolLM-135M and Gemma 3 270M shapes, each measured on tunebook
 * and then on the PyTorch peer (peer.ts) in turn, so both see the same
 * machine load, with the ratio tunebook ÷ PyTorch tokens/s and a ≥ 1.0×
 * target per cell:
 *
 * | cell        | tunebook                                          | PyTorch (`--mode`) |
 * | ----------- | ------------------------------------------------- | ------------------ |
 * | full step   | SFT step, every weight, AdamW, layers recomputed   | `full`             |
 * | LoRA step   | SFT step, LoRA r 16 all-linear, layers recomputed  | `lora`             |
 * | forward     | forward + cross-entropy, no gradient               | `fwd`              |
 * | decode b1/8 | greedy, prompt 32, 128 new tokens, KV cache        | `gen`              |
 *
 * Training and forward cells are 4 × 128 tokens, except Gemma 3 270M's
 * full step at 2 × 128 (its weights, gradients and 640 MiB embedding
 * gradient fill the 4 GiB heap beyond that; the peer runs the same shape). tunebook recomputes layers in
 * backward (its heap requires it at this size); PyTorch keeps them. The
 * same run measures the GEMM ceiling and the bandwidth bound (ceilings.ts),
 * and each training cell is checked against ≥ 60 % of the former, batch-1
 * decode against ≥ 60 % of the latter.
 * Without python3-torch or the peer script the benchmark says why and
 * measures nothing. `--quick` skips the peer (its shapes are full size).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { coreTypeFor, cpuFlags } from "../engine/blas.ts";
import { decodeBound, measureCeilings } from "./ceilings.ts";
import { runResultChild } from "./child.ts";
import { loadAverage } from "./machine.ts";
import { peerSetup, runPeer } from "./peer.ts";
import { fastestVariant } from "./shapes.ts";
import { atLeast, type Benchmark, type Check, type Row } from "./types.ts";
import { cells, SHAPES } from "./versus_cells.ts";

const CHILD = fileURLToPath(new URL("./versus_child.ts", import.meta.url));

/** A share of a bound, in percent with one decimal. */
const percent = (value: number, bound: number) =>
  Number((100 * value / bound).toFixed(1));

const versusPyTorch: Benchmark = {
  name: "versus-pytorch",
  group: "peer",
  description:
    "tunebook ÷ PyTorch tokens/s on the SmolLM-135M and Gemma 3 270M shapes, cell by cell (full and LoRA r16 steps, forward at 4 × 128, greedy decode at batch 1 and 8), measured in turn, with the GEMM ceiling and bandwidth bound of the same run",
  async run({ quick, log }) {
    const setup = await peerSetup();
    if (quick || !setup.ok) {
      const why = quick
        ? "--quick: the peer runs full-size shapes"
        : setup.ok
        ? ""
        : setup.reason;
      return { rows: [], notes: [`no PyTorch comparison: ${why}`] };
    }
    const variant = await fastestVariant();
    // PyTorch's best configuration on this CPU: the kernels tunebook chose.
    const coreType = coreTypeFor(cpuFlags());
    const loadBefore = loadAverage();
    log("ceilings: 2048³ sgemm and a 256 MiB copy");
    const ceilings = measureCeilings();
    const rows: Row[] = [];
    const checks: Check[] = [];
    for (const [shapeIndex, shape] of SHAPES.entries()) {
      for (const [cellIndex, cell] of cells(shape).entries()) {
        const what = `${shape.label} ${cell.name}`;
        let ours: Record<string, unknown>, peer: Record<string, unknown>;
        try {
          log(`${what}: tunebook (a fresh process)`);
          ours = await runResultChild(
            Deno.execPath(),
            ["run", "-A", CHILD, String(shapeIndex), String(cellIndex)],
            `tunebook's ${what}`,
          );
          log(`${what}: PyTorch ${setup.torch}`);
          peer = await runPeer(setup, cell.peer, {
            threads: variant.options.threads ?? navigator.hardwareConcurrency,
            coreType,
          });
        } catch (error) {
          // One cell that cannot run is a row saying why, not a lost table.
          const reason = error instanceof Error ? error.message : String(error);
          rows.push({ model: shape.label, cell: cell.name, failed: reason });
          checks.push(atLeast(`${what}: runs`, 0, 1, ""));
          continue;
        }
        const tokS = Number(ours.tok_s);
        const theirs = Number(peer.tok_s_median);
        const ratio = tokS / theirs;
        const gflops = cell.flops ? tokS * cell.flops / 1e9 : undefined;
        const bound = cell.bandwidthBound
          ? decodeBound(shape.config, ceilings.bandwidthGBs)
          : undefined;
        rows.push({
          model: shape.label,
          cell: cell.name,
          tunebook_tok_s: Number(tokS.toFixed(1)),
          pytorch_tok_s: Number(theirs.toFixed(1)),
          ratio: Number(ratio.toFixed(2)),
          tunebook_gflops: gflops ? Number(gflops.toFixed(1)) : "",
          of_gemm_ceiling_pct: gflops && ceilings.gemmGflops
            ? percent(gflops, ceilings.gemmGflops)
            : "",
          of_bandwidth_bound_pct: bound ? percent(tokS, bound) : "",
          tunebook_peak_rss_gib: Number(Number(ours.peak_rss_gib).toFixed(2)),
          pytorch_peak_rss_gib: Number(
            (Number(peer.peak_rss_mb) / 1024).toFixed(2),
          ),
        });
        checks.push(atLeast(`${what}: tunebook ÷ PyTorch`, ratio, 1, "×"));
        if (gflops && ceilings.gemmGflops && cell.name.includes("step")) {
          checks.push(
            atLeast(
              `${what}: share of the GEMM ceiling`,
              percent(gflops, ceilings.gemmGflops),
              60,
              "%",
            ),
          );
        }
        if (bound) {
          checks.push(
            atLeast(
              `${what}: share of the bandwidth bound`,
              percent(tokS, bound),
              60,
              "%",
            ),
          );
        }
      }
    }
    return {
      rows,
      checks,
      notes: [
        `tunebook: ${variant.label}; PyTorch ${setup.torch}${
          coreType ? `, OPENBLAS_CORETYPE ${coreType}` : ""
        }; each cell in a fresh process on each side; peak RSS is that process's`,
        `ceilings measured in this run: ${
          ceilings.gemmGflops?.toFixed(0) ?? "no OpenBLAS:"
        } GFLOP/s float32 GEMM (2048³, every thread), ${
          ceilings.bandwidthGBs.toFixed(1)
        } GB/s copy bandwidth; batch-1 decode bounds ${
          SHAPES.map((s) =>
            `${s.label} ${
              decodeBound(s.config, ceilings.bandwidthGBs).toFixed(1)
            } tok/s`
          ).join(", ")
        }`,
        "GFLOP/s are nanoGPT's estimate_mfu FLOPs per token (6N + 12·L·H·Q·T a step, 4N + 8·L·H·Q·T with LoRA, 2N + 4·L·H·Q·T forward) × tokens/s; recomputed layers are not counted",
        `load average (1/5/15 min) before ${loadBefore.join("/")}, after ${
          loadAverage().join("/")
        }`,
      ],
    };
  },
};

/** The PyTorch comparison. */
export const peerBenchmarks: Benchmark[] = [versusPyTorch];
