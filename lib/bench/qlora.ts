/**
 * QLoRA's memory and speed on the Gemma-3-1B shape (`deno task bench
 * qlora`): a random checkpoint of that shape is written once to a temporary
 * folder, then loaded in a fresh process each way — float32 with its frozen
 * weights in host memory, and with its linear layers quantized to NF4 as
 * they load (double quantization, as QLoRA recipes set it) — to measure
 * load time, host bytes of the frozen weights, greedy decode at batch 1,
 * a LoRA (r 8, all linear layers) forward + backward at 1 × 128, and the
 * process's peak RSS (qlora_child.ts).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { parseConfig } from "../model/config.ts";
import { CausalLM } from "../model/decoder.ts";
import { GEMMA3_1B } from "../model/known_configs.ts";
import { saveModel } from "../model/load.ts";
import { runResultChild } from "./child.ts";
import type { Benchmark, Row } from "./types.ts";

const CHILD = fileURLToPath(new URL("./qlora_child.ts", import.meta.url));

/** Writes the random checkpoint unless an earlier run left it. */
async function checkpoint(quick: boolean): Promise<string> {
  const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/tunebook-bench-gemma1b${
    quick ? "-quick" : ""
  }`;
  if (
    await Deno.stat(`${dir}/model.safetensors`).then(() => true, () => false)
  ) {
    return dir;
  }
  const config = parseConfig(
    quick
      ? { ...GEMMA3_1B, num_hidden_layers: 2, vocab_size: 4096 }
      : GEMMA3_1B,
    "Gemma-3-1B shape",
  );
  const model = CausalLM.random(config, { seed: 0, offload: "frozen-linears" });
  try {
    await saveModel(model, dir);
  } finally {
    model.dispose();
  }
  return dir;
}

const qlora: Benchmark = {
  name: "gemma3-1b-qlora",
  group: "qlora",
  description:
    "a Gemma-3-1B-shaped checkpoint loaded in float32 (frozen weights in host memory) and with NF4 linear layers (QLoRA): load, host bytes, decode at batch 1, a LoRA r 8 fwd + bwd at 1 × 128, peak RSS of each process",
  async run({ quick, log }) {
    log("writing the random checkpoint (once)");
    const dir = await checkpoint(quick);
    const [newTokens, length] = quick ? [4, 32] : [16, 128];
    const rows: Row[] = [];
    for (const mode of ["fp32", "nf4"]) {
      log(`loading ${mode} in a fresh process`);
      const r = await runResultChild(
        Deno.execPath(),
        ["run", "-A", CHILD, dir, mode, String(newTokens), String(length)],
        `the ${mode} side`,
      ) as Record<string, number>;
      rows.push({
        weights: mode === "nf4" ? "NF4 linears (QLoRA)" : "float32",
        load_s: Number((r.loadMs / 1000).toFixed(1)),
        host_weights_gib: Number(r.hostGiB.toFixed(2)),
        decode_tok_s: Number(r.decodeTokPerS.toFixed(2)),
        lora_step_s: Number((r.loraStepMs / 1000).toFixed(1)),
        peak_rss_gib: Number(r.peakRssGiB.toFixed(2)),
      });
    }
    return { rows };
  },
};

/** The QLoRA benchmark. */
export const qloraBenchmarks: Benchmark[] = [qlora];
