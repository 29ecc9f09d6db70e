/**
 * Facts about the machine and software a benchmark ran on, stored with every
 * result file so numbers from different runs can be compared honestly.
 *
 * @module
 */
import { initEngine, tf } from "../engine/mod.ts";
import { loadOpenBlas } from "../engine/blas.ts";

/** The facts recorded in each results file. */
export interface MachineFacts {
  /** `model name` from /proc/cpuinfo, or the architecture when unavailable. */
  cpu: string;
  /** SIMD features that matter for the kernels (from /proc/cpuinfo flags). */
  cpuFeatures: string[];
  cores: number;
  memoryGiB: number | null;
  os: string;
  deno: string;
  v8: string;
  tfjs: string;
  /** OpenBLAS build string, or why it is unavailable. */
  openblas: string;
  /** Summary of the engine `initEngine()` picks by default. */
  engine: string;
  /** 1/5/15-minute load averages; other work on the machine slows benchmarks. */
  loadAverage: number[];
}

const FEATURES = ["sse4_2", "avx", "avx2", "fma", "avx512f"];

/** Collects the facts. Starts the default engine (benchmarks switch it as they need). */
export async function machineFacts(): Promise<MachineFacts> {
  const cpuinfo = readText("/proc/cpuinfo");
  const model = cpuinfo?.match(/^model name\s*:\s*(.+)$/m)?.[1].trim();
  const flags = new Set(
    cpuinfo?.match(/^flags\s*:\s*(.+)$/m)?.[1].split(/\s+/) ?? [],
  );
  const blas = loadOpenBlas();
  const engine = await initEngine({ verbose: false });
  return {
    cpu: model ?? Deno.build.arch,
    cpuFeatures: FEATURES.filter((f) => flags.has(f)),
    cores: navigator.hardwareConcurrency || 1,
    memoryGiB: memoryGiB(),
    os: `${Deno.build.os} ${Deno.build.arch}${osRelease()}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    tfjs: tf.version_core,
    openblas: blas.ok ? blas.blas.config : `unavailable: ${blas.reason}`,
    engine: engine.summary,
    loadAverage: loadAverage(),
  };
}

/** Current 1/5/15-minute load averages (empty when the OS does not say). */
export function loadAverage(): number[] {
  try {
    return Deno.loadavg().map((x) => Math.round(x * 100) / 100);
  } catch {
    return [];
  }
}

function memoryGiB(): number | null {
  try {
    return Math.round(Deno.systemMemoryInfo().total / 2 ** 30 * 10) / 10;
  } catch {
    return null;
  }
}

function osRelease(): string {
  const text = readText("/etc/os-release");
  const name = text?.match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1];
  return name ? ` (${name})` : "";
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}
