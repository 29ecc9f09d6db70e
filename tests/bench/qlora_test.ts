/** The QLoRA benchmark (quick): both ways load in fresh processes, and NF4 holds the frozen weights in less memory. */
import assert from "node:assert/strict";
import { qloraBenchmarks } from "../../lib/bench/qlora.ts";
import { initEngine } from "../../lib/engine/mod.ts";

await initEngine({ verbose: false });

Deno.test("bench qlora --quick: float32 and NF4 rows; NF4's frozen weights take fewer bytes", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "bench-qlora-" });
  const saved = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmp);
  try {
    const { rows } = await qloraBenchmarks[0].run({
      quick: true,
      log: () => {},
    });
    assert.deepEqual(rows.map((r) => r.weights), [
      "float32",
      "NF4 linears (QLoRA)",
    ]);
    const [fp32, nf4] = rows.map((r) => Number(r.host_weights_gib));
    assert.ok(nf4 > 0 && nf4 < fp32, `${nf4} vs ${fp32}`);
    for (const r of rows) {
      assert.ok(Number(r.decode_tok_s) > 0 && Number(r.peak_rss_gib) > 0);
    }
  } finally {
    if (saved === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", saved);
    await Deno.remove(tmp, { recursive: true });
  }
});
