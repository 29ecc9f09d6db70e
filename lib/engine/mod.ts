/**
 * Tensor engine setup: one call prepares tfjs and says which backend runs and why.
 *
 * ```ts
 * import { initEngine, tf } from "../lib/engine/mod.ts";
 * const engine = await initEngine();          // or { backend: "cpu" }
 * console.log(engine.summary);                // "wasm (SIMD) + OpenBLAS matmul, 2 threads: …"
 * ```
 *
 * `auto` tries, in order: native TensorFlow (`@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node`) when installed, then wasm, then cpu. An explicit
 * choice (option or `TUNEBOOK_BACKEND`) that cannot start is an error; tfjs's
 * own habit of silently staying on cpu is never allowed through.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { type CoreTypeSource, loadOpenBlas } from "./blas.ts";
import { installBatchMatMul, type MatMulMode } from "./kernels/batch_matmul.ts";
import { registerGradientFixes } from "./kernels/gradient_fixes.ts";
import { registerKernelFixes } from "./kernels/kernel_fixes.ts";
import { registerUnsortedSegmentSum } from "./kernels/segment_sum.ts";
import { loadNativeTensorflow, NATIVE_PACKAGES } from "./native.ts";
import { checkWebGpuAdapter } from "./webgpu.ts";

export { tf };

/** Backends tunebook knows how to start. */
export type BackendName = "tensorflow" | "wasm" | "cpu" | "webgpu";

/** What to start. Every field also has an environment variable. */
export interface EngineOptions {
  /** `auto` (default), or one backend. Env: `TUNEBOOK_BACKEND`. */
  backend?: BackendName | "auto";
  /**
   * Matmul threads for OpenBLAS (default: all cores). Env: `TUNEBOOK_THREADS`.
   * Results differ in the last bits between thread counts (OpenBLAS splits a
   * product per thread): to reproduce a run bit for bit, use the count its
   * results record (settings.json `environment`).
   */
  threads?: number;
  /**
   * wasm matmul path: `auto` uses OpenBLAS when it loads, else the transpose
   * shim over XNNPACK; `blas` requires OpenBLAS; `xnnpack` never uses it;
   * `stock` keeps tfjs's own kernel (for benchmarks). Env: `TUNEBOOK_MATMUL`.
   */
  matmul?: "auto" | MatMulMode | "xnnpack";
  /** Print the engine summary to stderr (default true). */
  verbose?: boolean;
}

/** The engine that was started, and why. */
export interface EngineInfo {
  backend: BackendName;
  /** wasm only: which BatchMatMul kernel is installed. */
  matmul?: MatMulMode;
  /** OpenBLAS threads in use, when the BLAS path is active. */
  threads?: number;
  /**
   * The OpenBLAS library, when the BLAS path is active: its build line, its
   * kernel family and why (lib/engine/blas.ts). With `threads`, what a run's
   * bits depend on beyond the code and the seeds.
   */
  blas?: { config: string; coreType: string; coreTypeSource: CoreTypeSource };
  /** Each backend considered, in order, with the reason it was or was not used. */
  decisions: { backend: BackendName; used: boolean; reason: string }[];
  /** One line for logs and notebooks. */
  summary: string;
}

const AUTO_ORDER: BackendName[] = ["tensorflow", "wasm", "cpu"];
const KNOWN: (BackendName | "auto")[] = ["auto", ...AUTO_ORDER, "webgpu"];

/** Every value `backend` (and `TUNEBOOK_BACKEND`, and the tasks' `--backend`) takes. */
export const BACKEND_CHOICES: readonly (BackendName | "auto")[] = KNOWN;

let current: EngineInfo | undefined;
let wasmPrepared = false;

/** The engine started by the last {@link initEngine}, if any. */
export function engineInfo(): EngineInfo | undefined {
  return current;
}

/**
 * Starts the tensor engine. Safe to call again: a later call with other
 * options switches backend or matmul kernel.
 */
export async function initEngine(
  options: EngineOptions = {},
): Promise<EngineInfo> {
  const requested = options.backend ?? readEnv("TUNEBOOK_BACKEND") ?? "auto";
  if (!KNOWN.includes(requested as BackendName)) {
    throw new Error(
      `unknown backend "${requested}" (from ${
        options.backend ? "options.backend" : "TUNEBOOK_BACKEND"
      }); expected one of ${KNOWN.join(", ")}`,
    );
  }
  tf.enableProdMode();
  registerGradientFixes();
  registerKernelFixes();
  const decisions: EngineInfo["decisions"] = [];
  const order = requested === "auto" ? AUTO_ORDER : [requested as BackendName];
  for (const backend of order) {
    const attempt = await tryBackend(backend, options);
    decisions.push({ backend, used: attempt.ok, reason: attempt.reason });
    if (attempt.ok) {
      current = {
        backend,
        matmul: attempt.matmul,
        threads: attempt.threads,
        blas: attempt.blas,
        decisions,
        summary: `${backend}: ${attempt.reason}` +
          (requested === "auto" && decisions.length > 1
            ? ` (skipped ${
              decisions.filter((d) => !d.used).map((d) =>
                `${d.backend}: ${d.reason}`
              ).join("; ")
            })`
            : ""),
      };
      if (options.verbose ?? true) console.error(`[engine] ${current.summary}`);
      return current;
    }
    if (requested !== "auto") {
      throw new Error(
        `backend "${backend}" was requested but cannot start: ${attempt.reason}`,
      );
    }
  }
  throw new Error(
    `no tensor backend could start: ${
      decisions.map((d) => `${d.backend}: ${d.reason}`).join("; ")
    }`,
  );
}

type Attempt =
  | {
    ok: true;
    reason: string;
    matmul?: MatMulMode;
    threads?: number;
    blas?: EngineInfo["blas"];
  }
  | { ok: false; reason: string };

async function tryBackend(
  backend: BackendName,
  options: EngineOptions,
): Promise<Attempt> {
  switch (backend) {
    case "tensorflow": {
      const native = loadNativeTensorflow();
      if (!native.ok) return native;
      return await activate(
        "tensorflow",
        `native TensorFlow via ${native.pkg}`,
      );
    }
    case "wasm":
      return await startWasm(options);
    case "cpu":
      return await activate("cpu", "pure JavaScript kernels (slow; reference)");
    case "webgpu": {
      const adapter = await checkWebGpuAdapter();
      if (!adapter.ok) return adapter;
      await import("@tensorflow/tfjs-backend-webgpu");
      return await activate("webgpu", adapter.reason);
    }
  }
}

async function activate(
  backend: BackendName,
  reason: string,
): Promise<Attempt> {
  let ok = false;
  try {
    ok = await tf.setBackend(backend);
  } catch (error) {
    return { ok: false, reason: `tf.setBackend threw: ${errorText(error)}` };
  }
  if (!ok || tf.getBackend() !== backend) {
    return {
      ok: false,
      reason:
        `tf.setBackend("${backend}") failed (tfjs would have fallen back to ${tf.getBackend()})`,
    };
  }
  return { ok: true, reason };
}

async function startWasm(options: EngineOptions): Promise<Attempt> {
  const wanted = options.matmul ?? readEnv("TUNEBOOK_MATMUL") ?? "auto";
  if (!["auto", "blas", "transpose", "xnnpack", "stock"].includes(wanted)) {
    throw new Error(
      `unknown matmul "${wanted}" (from ${
        options.matmul ? "options.matmul" : "TUNEBOOK_MATMUL"
      }); expected auto, blas, xnnpack or stock`,
    );
  }
  let mode: MatMulMode = wanted === "stock" ? "stock" : "transpose";
  let blasNote = "";
  let threads: number | undefined;
  let facts: EngineInfo["blas"];
  if (wanted === "auto" || wanted === "blas") {
    const blas = loadOpenBlas();
    if (blas.ok) {
      threads = resolveThreads(options.threads);
      blas.blas.setThreads(threads);
      mode = "blas";
      installBatchMatMul("blas", blas.blas);
      const { config, coreType, coreTypeSource } = blas.blas;
      facts = { config, coreType, coreTypeSource };
      blasNote = `OpenBLAS matmul (${blas.blas.path}, ${coreType} kernels ${
        coreTypeSource === "OPENBLAS_CORETYPE"
          ? "from OPENBLAS_CORETYPE"
          : coreTypeSource
      }, ${threads} thread${threads === 1 ? "" : "s"})`;
    } else if (wanted === "blas") {
      return { ok: false, reason: `matmul "blas" requested: ${blas.reason}` };
    } else {
      blasNote =
        `XNNPACK matmul with transpose shim (no OpenBLAS: ${blas.reason})`;
    }
  }
  if (mode !== "blas") installBatchMatMul(mode);
  if (mode === "stock") blasNote = "stock tfjs wasm matmul";
  else if (!blasNote) blasNote = "XNNPACK matmul with transpose shim";
  if (!wasmPrepared) {
    registerUnsortedSegmentSum();
    wasmPrepared = true;
  }
  const result = await activate(
    "wasm",
    `WebAssembly SIMD kernels, ${blasNote}`,
  );
  return result.ok ? { ...result, matmul: mode, threads, blas: facts } : result;
}

function resolveThreads(option?: number): number {
  const raw = option ?? Number(readEnv("TUNEBOOK_THREADS") ?? NaN);
  const cores = navigator.hardwareConcurrency || 1;
  if (Number.isNaN(raw)) return cores;
  if (!Number.isInteger(raw) || raw < 1) {
    throw new Error(
      `threads must be a positive integer, got ${raw} (from ${
        option !== undefined ? "options.threads" : "TUNEBOOK_THREADS"
      })`,
    );
  }
  return raw;
}

function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export { NATIVE_PACKAGES };
