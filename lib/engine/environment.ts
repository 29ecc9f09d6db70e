/**
 * What a run's numbers depend on besides its settings and seeds, recorded
 * next to every study's results (settings.json `environment`): the
 * tunebook commit, the runtime, the tensor engine and — because matrix
 * products round differently per kernel family and per thread count — the
 * OpenBLAS kernels and threads, and the CPU.
 *
 * ```ts
 * await initEngine();
 * const env = await runEnvironment();
 * env.engine?.blas?.coreType; // "Haswell"
 * ```
 *
 * Two runs with equal settings reproduce each other bit for bit when their
 * `tunebook`, `engine` and `runtime` entries are equal (the README's
 * "Reliability" section says what was checked).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type GitState, gitState } from "../util/git.ts";
import { repoPath } from "../util/paths.ts";
import { type EngineInfo, engineInfo } from "./mod.ts";

/** The recorded environment of a run. */
export interface RunEnvironment {
  /** The checkout's commit and whether it had changes; null outside git. */
  tunebook: GitState | null;
  runtime: {
    deno: string;
    v8: string;
    typescript: string;
    os: string;
    arch: string;
  };
  /** The `@tensorflow/tfjs` version. */
  tfjs: string;
  /** The engine {@link initEngine} started; null when none was started. */
  engine:
    | Pick<EngineInfo, "backend" | "matmul" | "threads" | "blas">
    | null;
  /** The CPU's model name (Linux; null elsewhere) and its logical cores. */
  cpu: { model: string | null; cores: number };
}

let checkout: Promise<GitState | null> | undefined;

/** The environment of this process now (the git state is read once). */
export async function runEnvironment(): Promise<RunEnvironment> {
  checkout ??= gitState(repoPath("."));
  const engine = engineInfo();
  return {
    tunebook: await checkout,
    runtime: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
      os: Deno.build.os,
      arch: Deno.build.arch,
    },
    tfjs: tf.version.tfjs,
    engine: engine
      ? {
        backend: engine.backend,
        matmul: engine.matmul,
        threads: engine.threads,
        blas: engine.blas,
      }
      : null,
    cpu: { model: cpuModel(), cores: navigator.hardwareConcurrency || 1 },
  };
}

function cpuModel(): string | null {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1].trim() ?? null;
  } catch {
    return null;
  }
}
