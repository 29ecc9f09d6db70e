/** The bounds the PyTorch comparison sets tunebook's numbers against. */
import assert from "node:assert/strict";
import {
  decodeBound,
  flopsPerToken,
  measureCeilings,
} from "../../lib/bench/ceilings.ts";
import { parameterCount, parseConfig } from "../../lib/model/config.ts";
import { SMOLLM_135M } from "../../lib/model/known_configs.ts";

const smol = parseConfig(SMOLLM_135M, "SmolLM-135M");

Deno.test("FLOPs per token follow nanoGPT's estimate_mfu: 6N + 12·L·H·Q·T a step, 4N + 8·L·H·Q·T with LoRA, 2N + 4·L·H·Q·T forward", () => {
  const n = parameterCount(smol);
  assert.equal(n, 134_515_008); // SmolLM-135M, embeddings tied
  const lhqt = 30 * 9 * 64 * 128;
  assert.equal(flopsPerToken(smol, "train", 128), 6 * n + 12 * lhqt);
  assert.equal(flopsPerToken(smol, "lora", 128), 4 * n + 8 * lhqt);
  assert.equal(flopsPerToken(smol, "forward", 128), 2 * n + 4 * lhqt);
  // 20 GB/s reads 4N bytes of float32 weights ≈ 37 times a second.
  assert.ok(Math.abs(decodeBound(smol, 20) - 20e9 / (4 * n)) < 1e-9);
});

Deno.test("the ceilings are measured, not assumed: a positive GEMM rate (with OpenBLAS) and bandwidth", () => {
  const { gemmGflops, bandwidthGBs } = measureCeilings();
  assert.ok(bandwidthGBs > 0.1 && bandwidthGBs < 2000, `${bandwidthGBs}`);
  if (gemmGflops !== null) {
    assert.ok(gemmGflops > 0.1 && gemmGflops < 100_000, `${gemmGflops}`);
  }
});
