import assert from "node:assert/strict";
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
