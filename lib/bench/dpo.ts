/**
 * The DPO trainer's real step as a benchmark: LoRA (r 16, all linear
 * layers) on a SmolLM-135M-shaped random model, 2 pairs per step, each
 * side a 64-token prompt + 64-token completion, so 4 rows × 128 tokens
 * (layers recomputed, as the LoRA SFT step's 4 × 128). A step is what
 * `deno task dpo` does per micro-batch with a fresh adapter: the
 * reference pass with adapters disabled (no gradient), then the policy
 * forward + backward of the [chosen; rejected] batch, clipping and AdamW
 * (lib/train/dpo/step.ts on the shared lib/train/step.ts).
 *
 * @module
 */
import { CausalLM } from "../model/decoder.ts";
import { applyLora } from "../peft/mod.ts";
import { pairBatch, referenceSums } from "../train/dpo/batch.ts";
import { dpoStep } from "../train/dpo/step.ts";
import { AdamW } from "../train/optimizer.ts";
import { Rng } from "../util/random.ts";
import { measure } from "./measure.ts";
import { fastestVariant, smolConfig } from "./shapes.ts";
import type { Benchmark } from "./types.ts";

const dpoStepBench: Benchmark = {
  name: "dpo-step",
  group: "train",
  description:
    "one DPO optimizer step (LoRA r 16, all-linear, sigmoid loss, reference = adapters off) of a SmolLM-135M-shaped model, 2 pairs × (64 + 64) tokens",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const config = smolConfig(quick);
    const [pairs, half] = quick ? [2, 16] : [2, 64];
    const rng = new Rng(0);
    const ids = () =>
      Array.from({ length: half }, () => rng.int(config.vocabSize));
    const data = Array.from({ length: pairs }, () => ({
      promptIds: ids(),
      chosenIds: ids(),
      rejectedIds: ids(),
    }));
    const batch = pairBatch(data, data.map((_, i) => i), 0);
    const model = CausalLM.random(config, { seed: 0 });
    model.recomputeLayers = true;
    const lora = applyLora(model, {
      r: 16,
      alpha: 32,
      dropout: 0,
      targetModules: "all-linear",
      useRslora: false,
      init: "default",
    }, { seed: 0 });
    const params = lora.parameters();
    const optimizer = new AdamW(params, { lr: 1e-5, weightDecay: 0 });
    const loss = {
      lossTypes: ["sigmoid" as const],
      lossWeights: [1],
      beta: 0.1,
      labelSmoothing: 0,
      fDivergence: "reverse_kl" as const,
      fAlphaDivergenceCoef: 0.5,
      discopopTau: 0.05,
    };
    try {
      log(`DPO step, ${pairs} pairs × ${2 * half} tokens per side`);
      let step = 0, referenceMs = 0;
      const timing = await measure(() => {
        const started = performance.now();
        lora.disable();
        const reference = referenceSums(model, batch);
        lora.enable();
        referenceMs = performance.now() - started;
        dpoStep(
          { model, params, optimizer, lora: null, maxGradNorm: 1, loss },
          [batch],
          [reference],
          1e-5,
          step++,
        );
        return [];
      }, { warmup: 1, repeats: quick ? 1 : 3, minRepeats: 1 });
      const tokens = batch.tokens.batch * batch.tokens.length;
      return {
        rows: [{
          model: quick ? "SmolLM-135M shape (2 layers)" : "SmolLM-135M shape",
          kernel: variant.label,
          lora: `r16 all-linear (${
            lora.trainableCount().toLocaleString("en-US")
          } params)`,
          batch:
            `${pairs} pairs = ${batch.tokens.batch}×${batch.tokens.length}`,
          recompute_layers: "on",
          step_ms: Math.round(timing.medianMs),
          reference_ms: Math.round(referenceMs),
          tokens_per_s: Math.round((tokens * 1000) / timing.medianMs),
        }],
      };
    } finally {
      optimizer.dispose();
      lora.remove();
      model.dispose();
    }
  },
};

/** The DPO benchmarks. */
export const dpoBenchmarks: Benchmark[] = [dpoStepBench];
