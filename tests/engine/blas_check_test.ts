import assert from "node:assert/strict";
import { type BlasProducts, checkBlas } from "../../lib/engine/blas_check.ts";
import { coreTypeFor, loadOpenBlas } from "../../lib/engine/blas.ts";

/** A straightforward row-major product, optionally broken by `skipLastTerm` (a kernel that drops its k remainder). */
function plainProducts(skipLastTerm = false): BlasProducts {
  const gemm: BlasProducts["sgemm"] = (transA, transB, m, n, k, a, b, c) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < (skipLastTerm ? k - 1 : k); p++) {
          sum += (transA ? a[p * m + i] : a[i * k + p]) *
            (transB ? b[j * k + p] : b[p * n + j]);
        }
        c[i * n + j] = sum;
      }
    }
  };
  return {
    sgemm: gemm,
    sgemv: (transA, m, n, a, x, y) =>
      transA
        ? gemm(false, false, 1, n, m, x, a, y)
        : gemm(false, true, 1, m, n, x, a, y),
  };
}

Deno.test("the kernel family follows the instruction set: SkylakeX needs all five AVX-512 subsets, Haswell AVX2 + FMA", () => {
  const avx2 = ["sse4_2", "avx", "avx2", "fma"];
  const avx512 = [...avx2, "avx512f", "avx512cd", "avx512bw", "avx512dq"];
  assert.equal(coreTypeFor([...avx512, "avx512vl"]), "SkylakeX");
  assert.equal(coreTypeFor(avx512), "Haswell", "no VL: not SkylakeX");
  assert.equal(coreTypeFor(avx2), "Haswell");
  assert.equal(coreTypeFor(["sse4_2", "avx", "avx2"]), undefined, "no FMA");
  assert.equal(coreTypeFor([]), undefined);
});

Deno.test("the self-test passes correct products and names the first wrong one", () => {
  assert.equal(checkBlas(plainProducts()), undefined);
  assert.match(
    checkBlas(plainProducts(true)) ?? "",
    /^sgemm 37×53×71 is off by \d\.\de-\d+ of its scale$/,
  );
  const nanGemv = { ...plainProducts(), sgemv: () => {} };
  assert.match(checkBlas(nanGemv) ?? "", /^sgemv 129×67 is off by Infinity/);
});

Deno.test("this machine's OpenBLAS passes the self-test with the kernels chosen for it", () => {
  const result = loadOpenBlas();
  if (!result.ok) {
    assert.doesNotMatch(result.reason, /self-test/);
    return; // no OpenBLAS here
  }
  assert.equal(checkBlas(result.blas), undefined);
});
