/**
 * Training-step benchmarks:
 *
 * - the SFT trainer's real step (lib/train/sft/step.ts on the shared
 *   lib/train/step.ts): LoRA (r 16, all linear layers) on a
 *   SmolLM-135M-shaped random model, forward + backward + clipping + AdamW,
 *   batch 4 × 128 tokens with recomputed layers and
 *   2 × 128 without;
 * - the same step in full fine-tuning (every weight trained, AdamW's
 *   moments in host memory), batch 4 × 128 with recomputed layers;
 * - a GRPO step of the haiku study on the embedded default model, split into
 *   generation, reward scoring and update time (TRL's step_time, split).
 *
 * @module
 */
import { tf } from "../engine/mod.ts";
import { CausalLM } from "../model/decoder.ts";
import { applyLora } from "../peft/mod.ts";
import { AdamW } from "../train/optimizer.ts";
import { sftStep } from "../train/sft/step.ts";
import { DEFAULT_MODEL_DIR } from "../model/default_model.ts";
import { runGrpoFromConfig } from "../train/grpo/from_config.ts";
import { repoPath } from "../util/paths.ts";
import { measure } from "./measure.ts";
import type { Benchmark, Row } from "./types.ts";
import { fastestVariant, randomBatch, smolConfig } from "./shapes.ts";

const loraStep: Benchmark = {
  name: "lora-sft-step",
  group: "train",
  description:
    "one LoRA SFT optimizer step (r 16, all-linear, AdamW) of a SmolLM-135M-shaped model, batch 4 × 128",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const config = smolConfig(quick);
    // Stored activations of 4 × 128 tokens through 30 layers do not fit the
    // 4 GiB wasm heap, so the run without recomputation uses batch 2.
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
        const data = randomBatch(batch, length, config.vocabSize, batch);
        model.recomputeLayers = recompute;
        log(`LoRA step, layer recomputation ${recompute ? "on" : "off"}`);
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
          recompute_layers: recompute ? "on" : "off",
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

const fullStep: Benchmark = {
  name: "full-sft-step",
  group: "train",
  description:
    "one full fine-tuning SFT optimizer step (every weight, AdamW) of a SmolLM-135M-shaped model, batch 4 × 128, recomputed layers",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const config = smolConfig(quick);
    const [batch, length] = quick ? [2, 32] : [4, 128];
    const model = CausalLM.random(config, { seed: 0, trainable: true });
    model.recomputeLayers = true;
    const params = model.namedWeights();
    const optimizer = new AdamW(params, { lr: 1e-5, weightDecay: 0.01 });
    try {
      const data = randomBatch(batch, length, config.vocabSize, batch);
      log("full fine-tuning step, layer recomputation on");
      let step = 0;
      const timing = await measure(() => {
        sftStep(
          { model, lora: null, params, optimizer, maxGradNorm: 1 },
          [data],
          1e-5,
          step++,
        );
        return [];
      }, { warmup: 1, repeats: quick ? 1 : 3, minRepeats: 1 });
      const count = params.reduce((n, [, v]) => n + v.size, 0);
      return {
        rows: [{
          model: quick ? "SmolLM-135M shape (2 layers)" : "SmolLM-135M shape",
          kernel: variant.label,
          trained: `every weight (${count.toLocaleString("en-US")} params)`,
          batch: `${batch}×${length}`,
          recompute_layers: "on",
          step_ms: Math.round(timing.medianMs),
          tokens_per_s: Math.round((batch * length * 1000) / timing.medianMs),
          wasm_heap_gib: Number(heapGiB().toFixed(2)),
          rss_gib: Number((Deno.memoryUsage().rss / 2 ** 30).toFixed(2)),
        }],
      };
    } finally {
      optimizer.dispose();
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

const grpoStep: Benchmark = {
  name: "grpo-step",
  group: "train",
  description:
    "GRPO steps of the haiku study (LoRA r 32, 4 prompts × 8 completions of ≤ 40 tokens, haiku_regular reward with USE-lite) on the embedded default model: generation, rewards, update",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const root = await Deno.makeTempDir({ prefix: "bench-grpo-" });
    const steps = quick ? 2 : 6;
    try {
      log(`${steps} GRPO steps on ${DEFAULT_MODEL_DIR}`);
      const { history, config } = await runGrpoFromConfig(
        {
          model: DEFAULT_MODEL_DIR,
          train_data: repoPath("data/haiku/train.json"),
          output_dir: root,
          lora: { r: 32, lora_alpha: 64, target_modules: "all-linear" },
          rewards: [{ name: "haiku_regular" }],
          learning_rate: 1e-3,
          per_device_train_batch_size: quick ? 8 : 32,
          num_generations: 8,
          max_completion_length: quick ? 16 : 40,
          max_steps: steps,
          save_steps: 0,
          log_completions_steps: 0,
        },
        "grpo bench",
        { progress: false },
      );
      // The first step pays for loading the embedder; report the rest.
      const timed = history.slice(1);
      const avg = (key: string) =>
        timed.reduce((a, r) => a + (r[key] as number), 0) / timed.length;
      const completions = config.batchSize * config.gradientAccumulationSteps;
      return {
        rows: [{
          model: "tiny-base (default)",
          kernel: variant.label,
          completions,
          mean_length: Math.round(avg("completions/mean_length") * 10) / 10,
          generate_s: round2(avg("time/generate")),
          rewards_s: round2(avg("time/rewards")),
          update_s: round2(avg("time/update")),
          step_s: round2(avg("step_time")),
          completion_tokens_per_s: Math.round(
            (completions * avg("completions/mean_length")) /
              avg("time/generate"),
          ),
        }],
      };
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
};

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The training-step benchmarks. */
export const trainBenchmarks: Benchmark[] = [loraStep, fullStep, grpoStep];
