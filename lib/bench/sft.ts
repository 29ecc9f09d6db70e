/**
 * Training-step benchmarks of the SFT trainer's real step (lib/train/sft/step.ts):
 * LoRA (r 16, all linear layers) on a SmolLM-135M-shaped random model,
 * forward + backward + clipping + AdamW: batch 4 × 128 tokens with gradient
 * checkpointing, and 2 × 128 without.
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { parseConfig } from "../model/config.ts";
import { CausalLM } from "../model/decoder.ts";
import { SMOLLM_135M } from "../model/known_configs.ts";
import { applyLora } from "../peft/mod.ts";
import type { TokenBatch } from "../train/lm_loss.ts";
import { AdamW } from "../train/optimizer.ts";
import { sftStep } from "../train/sft/step.ts";
import { Rng } from "../util/random.ts";
import { measure } from "./measure.ts";
import type { Benchmark, Row } from "./types.ts";
import { useVariant, wasmVariants } from "./variants.ts";

function randomTokens(
  batch: number,
  length: number,
  vocab: number,
): TokenBatch {
  const rng = new Rng(batch * 1000 + length);
  const ids = new Int32Array(batch * length);
  for (let i = 0; i < ids.length; i++) ids[i] = rng.int(vocab);
  return { ids, batch, length };
}

const loraStep: Benchmark = {
  name: "lora-sft-step",
  group: "train",
  description:
    "one LoRA SFT optimizer step (r 16, all-linear, AdamW) of a SmolLM-135M-shaped model, batch 4 × 128",
  async run({ quick, log }) {
    const { variants } = wasmVariants();
    const variant = variants.at(-1)!;
    await useVariant(variant);
    const config = parseConfig(
      quick
        ? { ...SMOLLM_135M, num_hidden_layers: 2, vocab_size: 4096 }
        : SMOLLM_135M,
      "SmolLM-135M shape",
    );
    // Stored activations of 4 × 128 tokens through 30 layers do not fit the
    // 4 GiB wasm heap, so the run without checkpointing uses batch 2.
    const shapes: [boolean, number, number][] = quick
      ? [[true, 2, 32], [false, 2, 32]]
      : [[true, 4, 128], [false, 2, 128]];
    const model = CausalLM.random(config, { seed: 0 });
    const lora = applyLora(model, {
      r: 16,
      alpha: 32,
      dropout: 0.05,
      targetModules: "all-linear",
      useRslora: false,
      init: "default",
    }, { seed: 0 });
    const params = lora.parameters();
    const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0 });
    const rows: Row[] = [];
    try {
      for (const [recompute, batch, length] of shapes) {
        const data = randomTokens(batch, length, config.vocabSize);
        model.gradientCheckpointing = recompute;
        log(`LoRA step, gradient checkpointing ${recompute ? "on" : "off"}`);
        let step = 0;
        const timing = await measure(() => {
          sftStep(
            { model, lora, params, optimizer, maxGradNorm: 1 },
            [data],
            1e-4,
            step++,
          );
          return [];
        }, { warmup: 1, repeats: quick ? 1 : 3, minRepeats: 1 });
        rows.push({
          model: quick ? "SmolLM-135M shape (2 layers)" : "SmolLM-135M shape",
          kernel: variant.label,
          lora: `r16 all-linear (${
            lora.trainableCount().toLocaleString("en-US")
          } params)`,
          batch: `${batch}×${length}`,
          checkpointing: recompute ? "on" : "off",
          step_ms: Math.round(timing.medianMs),
          tokens_per_s: Math.round((batch * length * 1000) / timing.medianMs),
          wasm_heap_gib: Number(heapGiB().toFixed(2)),
        });
      }
      return { rows };
    } finally {
      optimizer.dispose();
      lora.remove();
      model.dispose();
    }
  },
};

/** The wasm heap's current size: its high-water mark, since it never shrinks. */
function heapGiB(): number {
  const backend = tf.backend() as unknown as {
    wasm?: { HEAPU8: Uint8Array };
  };
  return (backend.wasm?.HEAPU8.buffer.byteLength ?? 0) / 2 ** 30;
}

/** The training-step benchmarks. */
export const trainBenchmarks: Benchmark[] = [loraStep];
