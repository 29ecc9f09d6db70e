/**
 * The reward trainer's real step (lib/train/reward/step.ts) on a
 * SmolLM-135M-shaped random model: LoRA r 16 on every linear layer plus the
 * score head trained in full, pairs of 128-token sequences (chosen and
 * rejected in one forward pass), forward + backward + clipping + AdamW,
 * with recomputed layers (what fits the 4 GiB wasm heap at this size).
 *
 * @module
 */
import { CausalLM } from "../model/decoder.ts";
import { SequenceClassifier } from "../model/sequence_classifier.ts";
import { applyLora, PEFT_SCORE_KEY } from "../peft/mod.ts";
import { AdamW } from "../train/optimizer.ts";
import type { PairBatch } from "../train/reward/data.ts";
import { rewardStep } from "../train/reward/step.ts";
import { measure } from "./measure.ts";
import { fastestVariant, randomBatch, smolConfig } from "./shapes.ts";
import type { Benchmark } from "./types.ts";

const rewardModelStep: Benchmark = {
  name: "reward-step",
  group: "train",
  description:
    "one reward-model optimizer step (LoRA r 16 all-linear + score head, AdamW) of a SmolLM-135M-shaped model, 2 pairs × 128 tokens",
  async run({ quick, log }) {
    const variant = await fastestVariant();
    const config = { ...smolConfig(quick), head: "score" as const };
    const [pairs, length] = quick ? [1, 32] : [2, 128];
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
    const classifier = SequenceClassifier.create(model, { seed: 1 });
    const params = [
      ...lora.parameters(),
      [PEFT_SCORE_KEY, classifier.score] as [string, typeof classifier.score],
    ];
    const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0 });
    // 2B rows: B chosen then B rejected, as the trainer batches them.
    const micro: PairBatch = {
      batch: randomBatch(2 * pairs, length, config.vocabSize, 1),
      margins: null,
    };
    try {
      log("reward-model step, layer recomputation on");
      let step = 0;
      const context = {
        classifier,
        params,
        optimizer,
        lora: null,
        maxGradNorm: 1,
        centerCoefficient: null,
      };
      const timing = await measure(() => {
        rewardStep(context, [micro], 1e-4, step++);
        return [];
      }, { warmup: 1, repeats: quick ? 1 : 3, minRepeats: 1 });
      const tokens = 2 * pairs * length;
      return {
        rows: [{
          model: quick ? "SmolLM-135M shape (2 layers)" : "SmolLM-135M shape",
          kernel: variant.label,
          trained: `LoRA r16 all-linear + score (${
            (lora.trainableCount() + config.hiddenSize).toLocaleString("en-US")
          } params)`,
          batch: `${pairs} pairs × ${length} (${2 * pairs} rows)`,
          recompute_layers: "on",
          step_ms: Math.round(timing.medianMs),
          tokens_per_s: Math.round((tokens * 1000) / timing.medianMs),
        }],
      };
    } finally {
      optimizer.dispose();
      classifier.dispose();
      lora.remove();
      model.dispose();
    }
  },
};

/** The reward-model benchmarks. */
export const rewardBenchmarks: Benchmark[] = [rewardModelStep];
