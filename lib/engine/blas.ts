/**
 * OpenBLAS through Deno FFI: the fast matrix-multiply path for the wasm backend.
 *
 * The library is optional. {@link loadOpenBlas} returns a handle when
 * `libopenblas.so.0` can be opened (which needs `--allow-ffi`), and otherwise a
 * reason that the engine reports, so a missing BLAS is a slower run, never a
 * crash. We open `libopenblas.so.0` by name and never `libblas.so.3`: on Debian
 * the latter may resolve to the reference BLAS, which is about 10× slower.
 *
 * **Kernel family.** Debian's OpenBLAS picks its kernels by CPU model at load
 * time, and 0.3.21 does not know newer CPUs: a Xeon of model 207 (AVX-512)
 * gets the generic SSE3 "Prescott" kernels (60–66 GFLOP/s there, against
 * 255–315 with SkylakeX), an AMD EPYC the AVX2 "Zen" ones. Unless
 * `OPENBLAS_CORETYPE` is already set (respected, never overridden: some
 * machines set it on purpose), we therefore choose by instruction set
 * before the library loads ({@link coreTypeFor}): `SkylakeX` where the CPU
 * has the AVX-512 subsets those kernels use, else `Haswell` where it has
 * AVX2 + FMA (Intel since Haswell, AMD since Zen; measured on the EPYC:
 * Haswell and Zen give the same bits and speed, Prescott 3× slower). A
 * quick numeric self-test (blas_check.ts) then runs the chosen kernels
 * against a float64 reference; kernels that fail it are not used, and the
 * engine says why. Results differ in the last bits between kernel
 * families, so {@link OpenBlas.coreType} and settings.json record the one
 * used.
 *
 * @module
 */
import { type BlasProducts, checkBlas } from "./blas_check.ts";

/** CBLAS enum values (cblas.h). */
export const CBLAS_ROW_MAJOR = 101;
export const CBLAS_NO_TRANS = 111;
export const CBLAS_TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32", // order
      "i32", // transA
      "i32", // transB
      "i32", // M
      "i32", // N
      "i32", // K
      "f32", // alpha
      "buffer", // A
      "i32", // lda
      "buffer", // B
      "i32", // ldb
      "f32", // beta
      "buffer", // C
      "i32", // ldc
    ],
    result: "void",
  },
  cblas_sgemv: {
    parameters: [
      "i32", // order
      "i32", // trans
      "i32", // M (rows of A)
      "i32", // N (columns of A)
      "f32", // alpha
      "buffer", // A
      "i32", // lda
      "buffer", // x
      "i32", // incx
      "f32", // beta
      "buffer", // y
      "i32", // incy
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_num_threads: { parameters: [], result: "i32" },
  openblas_get_config: { parameters: [], result: "pointer" },
  // Optional: a build without it still gives the matmul path.
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
} as const;

/** The kernel family chosen on x86-64 CPUs with AVX2 and FMA (and no AVX-512). */
export const PORTABLE_CORE_TYPE = "Haswell";

/** The AVX-512 subsets OpenBLAS's SkylakeX kernels use (its own cpuid check, dynamic.c). */
const SKYLAKEX_FLAGS = [
  "avx512f",
  "avx512cd",
  "avx512bw",
  "avx512dq",
  "avx512vl",
];

/**
 * The fastest correct OpenBLAS kernel family for an x86-64 CPU with these
 * `/proc/cpuinfo` flags: "SkylakeX" with AVX-512 (F, CD, BW, DQ, VL),
 * "Haswell" with AVX2 + FMA, otherwise undefined (OpenBLAS's own choice).
 * Forcing kernels whose instructions the CPU lacks would crash, so both
 * need every flag.
 */
export function coreTypeFor(flags: readonly string[]): string | undefined {
  if (SKYLAKEX_FLAGS.every((flag) => flags.includes(flag))) return "SkylakeX";
  if (flags.includes("avx2") && flags.includes("fma")) {
    return PORTABLE_CORE_TYPE;
  }
  return undefined;
}

/** This CPU's flags from `/proc/cpuinfo`; empty off x86-64 Linux or without read permission. */
export function cpuFlags(): string[] {
  if (Deno.build.arch !== "x86_64") return [];
  try {
    return /^flags\s*:(.*)$/m.exec(Deno.readTextFileSync("/proc/cpuinfo"))
      ?.[1].trim().split(/\s+/) ?? [];
  } catch {
    return [];
  }
}

/** How the kernel family was chosen (see the module doc). */
export type CoreTypeSource =
  /** tunebook set `OPENBLAS_CORETYPE` by instruction set ({@link coreTypeFor}). */
  | "pinned"
  /** The user's `OPENBLAS_CORETYPE`. */
  | "OPENBLAS_CORETYPE"
  /** OpenBLAS's own choice by CPU model (not x86-64, no AVX2, or no permission to pin). */
  | "detected";

/** An opened OpenBLAS library. */
export interface OpenBlas extends BlasProducts {
  /** Path or soname the library was opened from. */
  readonly path: string;
  /** OpenBLAS's own build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64". */
  readonly config: string;
  /** The kernel family in use, as OpenBLAS names it ("Haswell", "Prescott", …). */
  readonly coreType: string;
  /** Why that family: pinned by tunebook, set by the user, or detected. */
  readonly coreTypeSource: CoreTypeSource;
  /** Current number of OpenBLAS worker threads. */
  threads(): number;
  /** Sets the number of OpenBLAS worker threads. */
  setThreads(n: number): void;
}

/** Result of trying to open OpenBLAS: the handle, or why it is not available. */
export type OpenBlasResult = { ok: true; blas: OpenBlas } | {
  ok: false;
  reason: string;
};

let cached: OpenBlasResult | undefined;

/** Candidate locations, most specific first; the soname alone lets the dynamic loader search. */
const CANDIDATES = [
  "libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "libopenblas.dylib",
];

/**
 * Opens OpenBLAS once per process. `path` overrides the search (also settable
 * with the `TUNEBOOK_OPENBLAS` environment variable).
 */
export function loadOpenBlas(path?: string): OpenBlasResult {
  if (cached && !path) return cached;
  const envPath = safeEnv("TUNEBOOK_OPENBLAS");
  const candidates = path ? [path] : envPath ? [envPath] : CANDIDATES;
  if (typeof Deno?.dlopen !== "function") {
    return remember(path, {
      ok: false,
      reason: "Deno.dlopen is not available in this runtime",
    });
  }
  const errors: string[] = [];
  const userCoreType = safeEnv("OPENBLAS_CORETYPE");
  for (const candidate of candidates) {
    // OpenBLAS reads OPENBLAS_CORETYPE once, while it loads; the variable is
    // removed again so that nothing else in the process sees our choice.
    const pinned = userCoreType ? undefined : pinCoreType();
    try {
      const lib = Deno.dlopen(candidate, SYMBOLS);
      const blas = wrap(
        candidate,
        lib,
        (coreType) =>
          userCoreType
            ? "OPENBLAS_CORETYPE"
            : coreType.toLowerCase() === pinned?.toLowerCase()
            ? "pinned"
            : "detected",
      );
      const failure = checkBlas(blas);
      if (failure) {
        return remember(path, {
          ok: false,
          reason:
            `OpenBLAS ${blas.coreType} kernels failed the self-test (${failure}); ${
              userCoreType
                ? "OPENBLAS_CORETYPE chose them: unset it or name another family"
                : "set OPENBLAS_CORETYPE to another family (e.g. Haswell or Prescott)"
            }`,
        });
      }
      return remember(path, { ok: true, blas });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/requires ffi access|NotCapable|PermissionDenied/i.test(message)) {
        return remember(path, {
          ok: false,
          reason: "FFI is not permitted: run Deno with --allow-ffi (or -A)",
        });
      }
      errors.push(`${candidate}: ${message.split("\n")[0]}`);
    } finally {
      if (pinned) Deno.env.delete("OPENBLAS_CORETYPE");
    }
  }
  return remember(path, {
    ok: false,
    reason:
      `libopenblas not found (install Debian's libopenblas0-pthread); tried ${
        errors.join("; ")
      }`,
  });
}

function remember(path: string | undefined, result: OpenBlasResult) {
  if (!path) cached = result;
  return result;
}

function safeEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

/**
 * Sets `OPENBLAS_CORETYPE` to {@link coreTypeFor} this CPU; returns what it
 * set, or undefined (not x86-64 Linux, no AVX2, or no env permission).
 */
function pinCoreType(): string | undefined {
  const coreType = coreTypeFor(cpuFlags());
  if (!coreType) return undefined;
  try {
    Deno.env.set("OPENBLAS_CORETYPE", coreType);
    return coreType;
  } catch {
    return undefined; // no env permission: OpenBLAS detects
  }
}

function cString(pointer: Deno.PointerValue, fallback: string): string {
  return pointer ? new Deno.UnsafePointerView(pointer).getCString() : fallback;
}

function wrap(
  path: string,
  lib: Deno.DynamicLibrary<typeof SYMBOLS>,
  sourceOf: (coreType: string) => CoreTypeSource,
): OpenBlas {
  const s = lib.symbols;
  const config = cString(s.openblas_get_config(), "OpenBLAS");
  const coreType = s.openblas_get_corename
    ? cString(s.openblas_get_corename(), "unknown").trim()
    : "unknown";
  return {
    path,
    config,
    coreType,
    coreTypeSource: sourceOf(coreType),
    sgemm(transA, transB, m, n, k, a, b, c) {
      s.cblas_sgemm(
        CBLAS_ROW_MAJOR,
        transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
        transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
        m,
        n,
        k,
        1,
        a,
        transA ? m : k,
        b,
        transB ? k : n,
        0,
        c,
        n,
      );
    },
    sgemv(transA, m, n, a, x, y) {
      s.cblas_sgemv(
        CBLAS_ROW_MAJOR,
        transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
        m,
        n,
        1,
        a,
        n,
        x,
        1,
        0,
        y,
        1,
      );
    },
    threads: () => s.openblas_get_num_threads(),
    setThreads: (count) => s.openblas_set_num_threads(count),
  };
}
