/**
 * The PyTorch peer of the speed comparison: `llama_bench.py` of
 * `../shared/perf-peer/` (or `TUNEBOOK_PEER_DIR`), a minimal fp32 Llama /
 * Gemma 3 decoder in PyTorch, run one scenario per process with Debian's
 * `python3-torch`. It prints one `RESULT {json}` line, read here.
 *
 * The peer gets PyTorch's best configuration on a small x86-64 machine:
 * OpenBLAS-openmp when installed (Debian's default pthread OpenBLAS spins
 * against torch's own threads), the same thread count as tunebook, and,
 * unless the environment already sets one, the OpenBLAS core type tunebook
 * chose for itself (SkylakeX on AVX-512, Haswell on AVX2 + FMA), so both
 * sides run the same kernels.
 *
 * @module
 */
import { repoPath } from "../util/paths.ts";
import { runResultChild } from "./child.ts";

/** One peer scenario (`--mode` and its shape). */
export interface PeerCell {
  /** The peer's `--config`: "smollm135" or "gemma270". */
  model: string;
  mode: "full" | "lora" | "fwd" | "gen";
  batch: number;
  /** Training and forward cells: tokens per row. */
  seq?: number;
  /** Generation cells: prompt tokens and new tokens. */
  prompt?: number;
  newTokens?: number;
}

/** Where the peer is, and what to run it with; or why it cannot run. */
export type PeerSetup =
  | { ok: true; script: string; python: string; torch: string }
  | { ok: false; reason: string };

const OPENMP_BLAS = "/usr/lib/x86_64-linux-gnu/openblas-openmp";

/** Finds the peer script and a python3 that imports torch. */
export async function peerSetup(): Promise<PeerSetup> {
  const dir = Deno.env.get("TUNEBOOK_PEER_DIR") ??
    repoPath("../shared/perf-peer");
  const script = `${dir}/llama_bench.py`;
  try {
    await Deno.stat(script);
  } catch {
    return {
      ok: false,
      reason: `no ${script} (set TUNEBOOK_PEER_DIR to the perf-peer folder)`,
    };
  }
  // Debian's python3-torch lives in the system python, which another
  // python3 earlier on PATH would not see.
  for (const python of ["/usr/bin/python3", "python3"]) {
    try {
      const out = await new Deno.Command(python, {
        args: ["-c", "import torch, numpy; print(torch.__version__)"],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (!out.success) continue;
      const torch = new TextDecoder().decode(out.stdout).trim();
      return { ok: true, script, python, torch };
    } catch {
      // Not installed here: try the next.
    }
  }
  return {
    ok: false,
    reason:
      "no python3 that imports torch and numpy (apt install python3-torch python3-numpy)",
  };
}

/**
 * Runs one peer scenario with `threads` threads
 * and returns its RESULT record (tokens/s under `tok_s_median`, peak RSS
 * under `peak_rss_mb`).
 */
export async function runPeer(
  setup: Extract<PeerSetup, { ok: true }>,
  cell: PeerCell,
  options: { threads: number; coreType?: string },
): Promise<Record<string, unknown>> {
  const args = [
    setup.script,
    "--config",
    cell.model,
    "--mode",
    cell.mode,
    "--batch",
    String(cell.batch),
    "--threads",
    String(options.threads),
    "--warmup",
    "1",
    "--steps",
    "3",
    // The interleaved runs share the machine; the record keeps the load.
    "--no-quiet-wait",
    ...(cell.seq ? ["--seq", String(cell.seq)] : []),
    ...(cell.prompt ? ["--prompt", String(cell.prompt)] : []),
    ...(cell.newTokens ? ["--new-tokens", String(cell.newTokens)] : []),
  ];
  const env: Record<string, string> = {};
  if (await exists(OPENMP_BLAS)) env.LD_LIBRARY_PATH = OPENMP_BLAS;
  if (!Deno.env.get("OPENBLAS_CORETYPE") && options.coreType) {
    env.OPENBLAS_CORETYPE = options.coreType;
  }
  return await runResultChild(
    setup.python,
    args,
    `the PyTorch peer (${cell.model} ${cell.mode}, batch ${cell.batch})`,
    env,
  );
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
