/** The PyTorch peer is optional: without its script the comparison says why instead of measuring. */
import assert from "node:assert/strict";
import { peerSetup } from "../../lib/bench/peer.ts";
import { peerBenchmarks } from "../../lib/bench/versus.ts";

Deno.test("peer: a missing peer script is named, and the comparison measures nothing", async () => {
  const saved = Deno.env.get("TUNEBOOK_PEER_DIR");
  Deno.env.set("TUNEBOOK_PEER_DIR", "/nonexistent/perf-peer");
  try {
    const setup = await peerSetup();
    assert.equal(setup.ok, false);
    assert.match(
      (setup as { reason: string }).reason,
      /no \/nonexistent\/perf-peer\/llama_bench\.py .*TUNEBOOK_PEER_DIR/,
    );
    const out = await peerBenchmarks[0].run({ quick: false, log: () => {} });
    assert.deepEqual(out.rows, []);
    assert.match(out.notes![0], /^no PyTorch comparison: no \/nonexistent/);
  } finally {
    if (saved === undefined) Deno.env.delete("TUNEBOOK_PEER_DIR");
    else Deno.env.set("TUNEBOOK_PEER_DIR", saved);
  }
});
