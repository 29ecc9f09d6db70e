import assert from "node:assert/strict";
import { coreTypeFor, cpuFlags } from "../../lib/engine/blas.ts";
import { initEngine, tf } from "../../lib/engine/mod.ts";

Deno.test("auto picks wasm here and explains skipping native TensorFlow", async () => {
  const info = await initEngine({ verbose: false });
  assert.equal(info.backend, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  const native = info.decisions.find((d) => d.backend === "tensorflow");
  assert.ok(native && !native.used && /not installed/.test(native.reason));
});

Deno.test("an explicit backend that cannot start is an error, not a silent cpu fallback", async () => {
  await assert.rejects(
    () => initEngine({ backend: "tensorflow", verbose: false }),
    /backend "tensorflow" was requested but cannot start: .*not installed/,
  );
  await assert.rejects(
    () => initEngine({ backend: "nonsense" as "cpu", verbose: false }),
    /unknown backend "nonsense" \(from options.backend\)/,
  );
});

/** The engine a fresh process starts with `env`: its BLAS facts, summary and leftover env. */
async function freshEngine(env: Record<string, string>) {
  const mod = new URL("../../lib/engine/mod.ts", import.meta.url).href;
  const code = `import { initEngine } from "${mod}";
    const info = await initEngine({ verbose: false });
    console.log(JSON.stringify({ blas: info.blas, summary: info.summary,
      left: Deno.env.get("OPENBLAS_CORETYPE") ?? null }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  assert.equal(out.code, 0, text.decode(out.stderr));
  return JSON.parse(text.decode(out.stdout));
}

Deno.test("OpenBLAS runs the kernels chosen for the instruction set (SkylakeX on AVX-512, Haswell on AVX2 + FMA) unless OPENBLAS_CORETYPE says otherwise, and says so", async () => {
  const info = await initEngine({ verbose: false });
  if (info.matmul !== "blas") return; // no OpenBLAS here: nothing to pin
  assert.equal(typeof info.threads, "number");
  if (Deno.env.get("OPENBLAS_CORETYPE") === undefined) {
    const pinned = await freshEngine({});
    const expected = coreTypeFor(cpuFlags());
    if (expected) {
      assert.equal(pinned.blas.coreType, expected);
      assert.equal(pinned.blas.coreTypeSource, "pinned");
      assert.match(
        pinned.summary,
        new RegExp(`${expected} kernels pinned, \\d+ threads?`),
      );
    } else assert.equal(pinned.blas.coreTypeSource, "detected");
    assert.equal(pinned.left, null, "the variable is not left set");
  }
  const chosen = await freshEngine({ OPENBLAS_CORETYPE: "Prescott" });
  assert.equal(chosen.blas.coreType, "Prescott");
  assert.equal(chosen.blas.coreTypeSource, "OPENBLAS_CORETYPE");
  assert.match(chosen.summary, /Prescott kernels from OPENBLAS_CORETYPE/);
  assert.match(chosen.blas.config, /^OpenBLAS \d/);
});
